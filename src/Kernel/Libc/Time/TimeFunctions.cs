using System.Runtime;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Time;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Time
{
    // TimeSpec, TimeVal and Tm: Tm.cs.

    // <time.h> and <sys/time.h>: the monotonic clock is the kernel's (TSC since boot), the wall
    // clock the CMOS RTC at boot plus that. The VM's time zone is UTC.
    internal static unsafe class TimeFunctions
    {
        public const int ClockRealtime = 0, ClockMonotonic = 1, ClockProcessCpu = 2, ClockThreadCpu = 3,
            ClockMonotonicRaw = 4, ClockRealtimeCoarse = 5, ClockMonotonicCoarse = 6, ClockBoottime = 7;

        public static bool Now(int clock, out ulong ns)
        {
            switch (clock)
            {
                case ClockRealtime: case ClockRealtimeCoarse: ns = Clock.WallNs(); return true;
                case ClockMonotonic: case ClockMonotonicRaw: case ClockMonotonicCoarse: case ClockBoottime: ns = Clock.NowNs(); return true;
                case ClockThreadCpu: ns = Scheduler.Current->RuntimeNs + (Clock.NowNs() - Scheduler.Current->RunStartNs); return true;
                case ClockProcessCpu: ns = Clock.NowNs(); return true;      // no per-process accounting: close enough for one app per VM
            }
            ns = 0;
            return false;
        }

        // An absolute time on `clock` as a kernel deadline (Clock.NowNs time).
        public static ulong DeadlineFromAbsolute(int clock, TimeSpec* abs)
        {
            if (abs->Seconds < 0) return 0;
            ulong target = (ulong)abs->Seconds * 1_000_000_000 + (ulong)abs->Nanoseconds;
            if (clock != ClockRealtime && clock != ClockRealtimeCoarse) return target;
            ulong wall = Clock.WallNs(), now = Clock.NowNs();
            return target <= wall ? now : now + (target - wall);
        }

        [RuntimeExport("abi_clock_gettime")]
        private static int ClockGettime(int clock, TimeSpec* ts)
        {
            if (!Now(clock, out ulong ns)) return LibcErrno.Fail(-Errno.EINVAL);
            ts->Seconds = (long)(ns / 1_000_000_000);
            ts->Nanoseconds = (long)(ns % 1_000_000_000);
            return 0;
        }

        [RuntimeExport("abi_clock_getres")]
        private static int ClockGetres(int clock, TimeSpec* ts)
        {
            if (!Now(clock, out _)) return LibcErrno.Fail(-Errno.EINVAL);
            if (ts != null) { ts->Seconds = 0; ts->Nanoseconds = 1; }
            return 0;
        }

        [RuntimeExport("abi_gettimeofday")]
        private static int GetTimeOfDay(TimeVal* tv, void* zone)
        {
            ulong ns = Clock.WallNs();
            if (tv != null) { tv->Seconds = (long)(ns / 1_000_000_000); tv->Microseconds = (long)(ns % 1_000_000_000 / 1000); }
            return 0;
        }

        [RuntimeExport("abi_time")]
        private static long TimeNow(long* t)
        {
            long s = (long)(Clock.WallNs() / 1_000_000_000);
            if (t != null) *t = s;
            return s;
        }

        [RuntimeExport("abi_nanosleep")]
        private static int Nanosleep(TimeSpec* request, TimeSpec* remaining)
        {
            if (request->Nanoseconds < 0 || request->Nanoseconds >= 1_000_000_000 || request->Seconds < 0) return LibcErrno.Fail(-Errno.EINVAL);
            Scheduler.SleepNs((ulong)request->Seconds * 1_000_000_000 + (ulong)request->Nanoseconds);
            if (remaining != null) { remaining->Seconds = 0; remaining->Nanoseconds = 0; }
            return 0;
        }

        [RuntimeExport("abi_clock_nanosleep")]
        private static int ClockNanosleep(int clock, int flags, TimeSpec* request, TimeSpec* remaining)
        {
            if (!Now(clock, out _) || request->Nanoseconds < 0 || request->Nanoseconds >= 1_000_000_000) return Errno.EINVAL;
            if ((flags & 1) != 0) Scheduler.SleepUntil(DeadlineFromAbsolute(clock, request));       // TIMER_ABSTIME
            else Scheduler.SleepNs((ulong)request->Seconds * 1_000_000_000 + (ulong)request->Nanoseconds);
            return 0;
        }

        [RuntimeExport("abi_usleep")]
        private static int Usleep(uint microseconds) { Scheduler.SleepNs((ulong)microseconds * 1000); return 0; }

        [RuntimeExport("abi_sleep")]
        private static uint Sleep(uint seconds) { Scheduler.SleepNs((ulong)seconds * 1_000_000_000); return 0; }

        // Calendar conversions (UTC: the VM has no time zone database).
        private static byte* Utc { get { fixed (byte* p = "UTC"u8) return p; } }

        public static void ToCalendar(long t, Tm* tm)
        {
            long days = t / 86400, rem = t % 86400;
            if (rem < 0) { rem += 86400; days--; }
            tm->Hour = (int)(rem / 3600);
            tm->Min = (int)(rem % 3600 / 60);
            tm->Sec = (int)(rem % 60);
            tm->WDay = (int)((days + 4) % 7);
            if (tm->WDay < 0) tm->WDay += 7;
            // Civil-from-days (proleptic Gregorian), era-based so it works for negative times too.
            long z = days + 719468;
            long era = (z >= 0 ? z : z - 146096) / 146097;
            long doe = z - era * 146097;
            long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
            long y = yoe + era * 400;
            long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            long mp = (5 * doy + 2) / 153;
            long d = doy - (153 * mp + 2) / 5 + 1;
            long m = mp < 10 ? mp + 3 : mp - 9;
            if (m <= 2) y++;
            tm->Year = (int)(y - 1900);
            tm->Mon = (int)(m - 1);
            tm->MDay = (int)d;
            bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            int yday = (int)(d - 1);
            for (int i = 0; i < m - 1; i++) yday += DaysIn(i, leap);
            tm->YDay = yday;
            tm->IsDst = 0;
            tm->GmtOff = 0;
            tm->Zone = Utc;
        }

        private static int DaysIn(int month, bool leap) => month switch { 1 => leap ? 29 : 28, 3 or 5 or 8 or 10 => 30, _ => 31 };

        public static long FromCalendar(Tm* tm)
        {
            long y = tm->Year + 1900L + tm->Mon / 12;
            long mon = tm->Mon % 12;
            if (mon < 0) { mon += 12; y--; }
            long m = mon + 1;
            long yy = m <= 2 ? y - 1 : y;
            long era = (yy >= 0 ? yy : yy - 399) / 400;
            long yoe = yy - era * 400;
            long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + tm->MDay - 1;
            long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            long days = era * 146097 + doe - 719468;
            return days * 86400 + tm->Hour * 3600L + tm->Min * 60L + tm->Sec;
        }

        private static Tm s_static;

        [RuntimeExport("abi_gmtime_r")]
        private static Tm* GmtimeR(long* t, Tm* tm) { ToCalendar(*t, tm); return tm; }
        [RuntimeExport("abi_gmtime")]
        private static Tm* Gmtime(long* t) { fixed (Tm* tm = &s_static) { ToCalendar(*t, tm); return tm; } }
        [RuntimeExport("abi_timegm")]
        private static long Timegm(Tm* tm) { long t = FromCalendar(tm); ToCalendar(t, tm); return t; }
        [RuntimeExport("abi_tzset")]
        private static void Tzset() { }
    }
}
