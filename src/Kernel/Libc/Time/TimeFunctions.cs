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

        // Calendar arithmetic: Calendar.cs; local time: Zones.cs.
        private static byte* Gmt => String.Strings.Literal("GMT"u8);

        // gmtime's struct: UTC, named "GMT" as glibc names it.
        private static void ToUtc(long t, Tm* tm) { Calendar.ToCalendar(t, tm); tm->IsDst = 0; tm->GmtOff = 0; tm->Zone = Gmt; }

        private static Tm s_static;

        [RuntimeExport("abi_gmtime_r")]
        private static Tm* GmtimeR(long* t, Tm* tm) { ToUtc(*t, tm); return tm; }
        [RuntimeExport("abi_gmtime")]
        private static Tm* Gmtime(long* t) { fixed (Tm* tm = &s_static) { ToUtc(*t, tm); return tm; } }
        [RuntimeExport("abi_timegm")]
        private static long Timegm(Tm* tm) { long t = Calendar.FromCalendar(tm); ToUtc(t, tm); return t; }
    }
}
