using System.Runtime.InteropServices;

namespace Nimbus.Kernel.Libc.Time
{
    // One rule of a POSIX TZ string: a zone (name, offset east of UTC) and the day and time the
    // change into it happens (Jn, n or Mm.w.d, then /time).
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct TzRule
    {
        public byte* Name;
        public long Offset, Secs;
        public int Type, M, N, D;        // Type: 0 = n (zero-based day), 1 = Jn, 2 = Mm.n.d
    }

    // A time zone as glibc holds it: a TZif file (its transitions, types and footer TZ string), or
    // a POSIX TZ string; plus what tzset and localtime publish in tzname, timezone and daylight.
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct TimeZone
    {
        public TzRule Std, Dst;          // glibc's tz_rules[0] and [1]
        public TzRule FooterStd, FooterDst;   // a TZif file's footer rules, parsed once
        public byte* Names;              // where rule names are copied (NameRoom bytes)
        public int NamesUsed;
        public bool IsFile, HasFooter;
        public byte* Times, Indexes, Types, Chars;
        public int TimeCount, TypeCount, CharCount, TimeSize;
        public long RuleStdOff, RuleDstOff;
        public byte* Footer;             // the footer's TZ string (NUL-terminated, in Names)
        public byte* Name0, Name1;       // tzname
        public long Timezone;
        public int Daylight;
    }

    // glibc's tzset, localtime and mktime (time/tzset.c, tzfile.c, mktime.c) as pure logic over a
    // TimeZone: the caller reads files and keeps the zone.
    public static unsafe class TimeZoneRules
    {
        public const int NameRoom = 256;

        private static byte* Intern(TimeZone* z, byte* s, int n)
        {
            if (z->NamesUsed + n + 1 > NameRoom) n = 0;
            byte* p = z->Names + z->NamesUsed;
            for (int i = 0; i < n; i++) p[i] = s[i];
            p[n] = 0;
            z->NamesUsed += n + 1;
            return p;
        }

        private static bool Alpha(byte c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        private static bool Digit(byte c) => c >= '0' && c <= '9';

        private static bool ParseName(TimeZone* z, ref byte* tz, TzRule* rule)
        {
            byte* start = tz, p = tz;
            while (Alpha(*p)) p++;
            if (p - start < 3)
            {
                p = tz;
                if (*p++ != '<') return false;
                start = p;
                while (Alpha(*p) || Digit(*p) || *p == '+' || *p == '-') p++;
                int len = (int)(p - start);
                if (*p++ != '>' || len < 3) return false;
                rule->Name = Intern(z, start, len);
                tz = p;
                return true;
            }
            rule->Name = Intern(z, start, (int)(p - start));
            tz = p;
            return true;
        }

        // "%hu%n:%hu%n:%hu%n": up to three numbers; how many were read.
        private static int Hms(ref byte* tz, out long h, out long m, out long s)
        {
            h = m = s = 0;
            byte* p = tz;
            int read = 0;
            byte* consumed = tz;
            for (int k = 0; k < 3; k++)
            {
                if (k > 0) { if (*p != ':') break; p++; }
                if (!Digit(*p)) break;
                long v = 0;
                while (Digit(*p)) { v = (v * 10 + (*p - '0')) & 0xFFFF; p++; }
                if (k == 0) h = v; else if (k == 1) m = v; else s = v;
                read++;
                consumed = p;
            }
            tz = consumed;
            return read;
        }

        private static bool ParseOffset(ref byte* tz, TzRule* rule, long stdOffset, bool dst)
        {
            if (!dst && (*tz == 0 || (*tz != '+' && *tz != '-' && !Digit(*tz)))) return false;
            long sign = -1;
            if (*tz == '+' || *tz == '-') sign = *tz++ == '-' ? 1 : -1;
            if (Hms(ref tz, out long h, out long m, out long s) > 0)
                rule->Offset = sign * ((s > 59 ? 59 : s) + (m > 59 ? 59 : m) * 60 + (h > 24 ? 24 : h) * 3600);
            else if (!dst) { rule->Offset = 0; return false; }
            else rule->Offset = stdOffset + 3600;
            return true;
        }

        private static bool ParseRule(ref byte* tz, TzRule* r, bool start)
        {
            if (*tz == ',') tz++;
            if (*tz == 'J' || Digit(*tz))
            {
                r->Type = *tz == 'J' ? 1 : 0;
                if (r->Type == 1 && !Digit(*++tz)) return false;
                long d = 0;
                byte* p = tz;
                while (Digit(*p)) { d = d * 10 + (*p - '0'); if (d > 100000) d = 100000; p++; }
                if (p == tz || d > 365 || (r->Type == 1 && d == 0)) return false;
                r->D = (int)d;
                tz = p;
            }
            else if (*tz == 'M')
            {
                r->Type = 2;
                byte* p = tz + 1;
                int* fields = stackalloc int[3];
                for (int k = 0; k < 3; k++)
                {
                    if (k > 0 && *p++ != '.') return false;
                    if (!Digit(*p)) return false;
                    int v = 0;
                    while (Digit(*p)) { v = (v * 10 + (*p - '0')) & 0xFFFF; p++; }
                    fields[k] = v;
                }
                r->M = fields[0]; r->N = fields[1]; r->D = fields[2];
                if (r->M < 1 || r->M > 12 || r->N < 1 || r->N > 5 || r->D > 6) return false;
                tz = p;
            }
            else if (*tz == 0)
            {
                // The United States' rules, as glibc defaults them.
                r->Type = 2;
                if (start) { r->M = 3; r->N = 2; r->D = 0; } else { r->M = 11; r->N = 1; r->D = 0; }
            }
            else return false;
            if (*tz != 0 && *tz != '/' && *tz != ',') return false;
            if (*tz == '/')
            {
                tz++;
                if (*tz == 0) return false;
                bool negative = *tz == '-';
                if (negative) tz++;
                long h = 2, m = 0, s = 0;
                byte* before = tz;
                int n = Hms(ref tz, out long hh, out long mm, out long ss);
                if (n > 0) h = hh;
                if (n > 1) m = mm;
                if (n > 2) s = ss;
                if (n == 0) tz = before;
                r->Secs = (negative ? -1 : 1) * (h * 3600 + m * 60 + s);
            }
            else r->Secs = 2 * 3600;
            return true;
        }

        private static void UpdateVars(TimeZone* z)
        {
            z->Daylight = z->Std.Offset != z->Dst.Offset ? 1 : 0;
            z->Timezone = -z->Std.Offset;
            z->Name0 = z->Std.Name;
            z->Name1 = z->Dst.Name;
        }

        // __tzset_parse_tz: std offset [dst [offset] [,start[/time],end[/time]]].
        public static void ParseSpec(TimeZone* z, byte* tz)
        {
            z->Std = default;
            z->Dst = default;
            z->Std.Name = z->Dst.Name = Intern(z, tz, 0);
            if (ParseName(z, ref tz, &z->Std) && ParseOffset(ref tz, &z->Std, 0, false))
            {
                if (*tz != 0)
                {
                    if (ParseName(z, ref tz, &z->Dst)) ParseOffset(ref tz, &z->Dst, z->Std.Offset, true);
                    if (ParseRule(ref tz, &z->Std, true)) ParseRule(ref tz, &z->Dst, false);
                }
                else
                {
                    z->Dst.Name = z->Std.Name;
                    z->Dst.Offset = z->Std.Offset;
                }
            }
            UpdateVars(z);
        }

        // When the rule's change happens in `year` (glibc's compute_change, including its start of
        // the count at 1970 for earlier years).
        private static long Change(TzRule* r, long year)
        {
            bool leap = Calendar.IsLeap(year);
            long t = year > 1970 ? Calendar.DaysBeforeYear(year) * 86400 : 0;
            switch (r->Type)
            {
                case 1:
                    t += (r->D - 1) * 86400L;
                    if (r->D >= 60 && leap) t += 86400;
                    break;
                case 0:
                    t += r->D * 86400L;
                    break;
                default:
                {
                    t += Calendar.DaysBeforeMonth(r->M - 1, leap) * 86400L;
                    int m1 = (r->M + 9) % 12 + 1;
                    long yy0 = r->M <= 2 ? year - 1 : year;
                    long yy1 = yy0 / 100, yy2 = yy0 % 100;
                    long dow = ((26 * m1 - 2) / 10 + 1 + yy2 + yy2 / 4 + yy1 / 4 - 2 * yy1) % 7;
                    if (dow < 0) dow += 7;
                    long d = r->D - dow;
                    if (d < 0) d += 7;
                    int days = Calendar.DaysIn(r->M - 1, leap);
                    for (int i = 1; i < r->N; i++)
                    {
                        if (d + 7 >= days) break;
                        d += 7;
                    }
                    t += d * 86400;
                    break;
                }
            }
            return t - r->Offset + r->Secs;
        }

        // __tz_compute: whether t is in daylight time under the TZ string's rules.
        private static void SpecLocal(TimeZone* z, long t, Tm* tm)
        {
            Calendar.ToCalendar(t, tm);
            long year = tm->Year + 1900L;
            long start = Change(&z->Std, year), end = Change(&z->Dst, year);
            bool dst = start > end ? (t < end || t >= start) : (t >= start && t < end);
            tm->IsDst = dst ? 1 : 0;
            tm->Zone = dst ? z->Name1 : z->Name0;
            tm->GmtOff = dst ? z->Dst.Offset : z->Std.Offset;
        }

        private static long Be(byte* p, int size)
        {
            if (size == 8) { ulong v = 0; for (int i = 0; i < 8; i++) v = v << 8 | p[i]; return (long)v; }
            return (int)((uint)p[0] << 24 | (uint)p[1] << 16 | (uint)p[2] << 8 | p[3]);
        }

        private static long Transition(TimeZone* z, int i) => Be(z->Times + (long)i * z->TimeSize, z->TimeSize);
        private static int TypeOf(TimeZone* z, int i) => z->Indexes[i];
        private static long TypeOffset(TimeZone* z, int type) => Be(z->Types + type * 6, 4);
        private static bool TypeDst(TimeZone* z, int type) => z->Types[type * 6 + 4] != 0;
        private static byte* TypeName(TimeZone* z, int type) { int idx = z->Types[type * 6 + 5]; return idx < z->CharCount ? z->Chars + idx : z->Chars + z->CharCount - 1; }

        // A TZif file (RFC 8536), the 64-bit data of version 2 and later with its footer; false when
        // it is not one. The zone keeps pointers into `data`, which must stay.
        public static bool LoadFile(TimeZone* z, byte* data, ulong length)
        {
            if (length < 44 || data[0] != 'T' || data[1] != 'Z' || data[2] != 'i' || data[3] != 'f') return false;
            byte* at = data;
            int timeSize = 4;
            for (int pass = 0; pass < 2; pass++)
            {
                if ((ulong)(at - data) + 44 > length || at[0] != 'T' || at[1] != 'Z' || at[2] != 'i' || at[3] != 'f') return false;
                long isUt = Be(at + 20, 4), isStd = Be(at + 24, 4), leap = Be(at + 28, 4), times = Be(at + 32, 4), types = Be(at + 36, 4), chars = Be(at + 40, 4);
                if (isUt < 0 || isStd < 0 || leap < 0 || times < 0 || types <= 0 || types > 256 || chars <= 0) return false;
                long body = times * timeSize + times + types * 6 + chars + leap * (timeSize + 4) + isStd + isUt;
                if ((ulong)(at - data) + 44 + (ulong)body > length) return false;
                bool use = pass == 1 || data[4] < '2';
                if (use)
                {
                    z->TimeSize = timeSize;
                    z->TimeCount = (int)times;
                    z->TypeCount = (int)types;
                    z->CharCount = (int)chars;
                    z->Times = at + 44;
                    z->Indexes = z->Times + times * timeSize;
                    z->Types = z->Indexes + times;
                    z->Chars = z->Types + types * 6;
                    for (int i = 0; i < times; i++) if (z->Indexes[i] >= types) return false;
                    if (z->Chars[chars - 1] != 0) return false;
                    byte* footer = at + 44 + body;
                    z->HasFooter = false;
                    if (pass == 1 && (ulong)(footer - data) < length && *footer == '\n')
                    {
                        byte* end = footer + 1;
                        while ((ulong)(end - data) < length && *end != '\n') end++;
                        if ((ulong)(end - data) < length && end > footer + 1)
                        {
                            z->Footer = Intern(z, footer + 1, (int)(end - footer - 1));
                            z->HasFooter = true;
                            ParseSpec(z, z->Footer);
                            z->FooterStd = z->Std;
                            z->FooterDst = z->Dst;
                        }
                    }
                    break;
                }
                at += 44 + body;
                timeSize = 8;
            }
            z->IsFile = true;
            // tzname: the latest names of each kind; the rule offsets likewise (__tzfile_read).
            z->Name0 = z->Name1 = null;
            for (int i = z->TimeCount; i > 0;)
            {
                int type = TypeOf(z, --i);
                int dst = TypeDst(z, type) ? 1 : 0;
                if ((dst == 0 ? z->Name0 : z->Name1) == null)
                {
                    if (dst == 0) z->Name0 = TypeName(z, type); else z->Name1 = TypeName(z, type);
                    if ((dst == 0 ? z->Name1 : z->Name0) != null) break;
                }
            }
            if (z->Name0 == null) z->Name0 = TypeName(z, 0);
            if (z->Name1 == null) z->Name1 = z->Name0;
            if (z->TimeCount == 0) z->RuleStdOff = z->RuleDstOff = TypeOffset(z, 0);
            else
            {
                bool stdSet = false, dstSet = false;
                z->RuleStdOff = z->RuleDstOff = 0;
                for (int i = z->TimeCount - 1; i >= 0; i--)
                {
                    int type = TypeOf(z, i);
                    if (!stdSet && !TypeDst(z, type)) { stdSet = true; z->RuleStdOff = TypeOffset(z, type); }
                    else if (!dstSet && TypeDst(z, type)) { dstSet = true; z->RuleDstOff = TypeOffset(z, type); }
                    if (stdSet && dstSet) break;
                }
                if (!dstSet) z->RuleDstOff = z->RuleStdOff;
            }
            z->Daylight = z->RuleStdOff != z->RuleDstOff ? 1 : 0;
            z->Timezone = -z->RuleStdOff;
            return true;
        }

        // localtime: t's local broken-down time; tzname, timezone and daylight as glibc leaves them.
        public static void Localtime(TimeZone* z, long t, Tm* tm)
        {
            if (!z->IsFile) SpecLocal(z, t, tm);
            else FileLocal(z, t, tm);
            long offset = tm->GmtOff;
            int dst = tm->IsDst;
            byte* zone = tm->Zone;
            Calendar.ToCalendar(t + offset, tm);
            tm->IsDst = dst;
            tm->GmtOff = offset;
            tm->Zone = zone;
        }

        private static void FileLocal(TimeZone* z, long t, Tm* tm)
        {
            int type;
            if (z->TimeCount == 0 || t < Transition(z, 0))
            {
                // Before the first transition: the first standard-time type.
                byte* dstName = null;
                int i = 0;
                while (i < z->TypeCount && TypeDst(z, i)) { if (dstName == null) dstName = TypeName(z, i); i++; }
                if (i == z->TypeCount) i = 0;
                z->Name0 = TypeName(z, i);
                if (dstName == null) for (int j = i; j < z->TypeCount; j++) if (TypeDst(z, j)) { dstName = TypeName(z, j); break; }
                z->Name1 = dstName != null ? dstName : z->Name0;
                type = i;
            }
            else if (t >= Transition(z, z->TimeCount - 1) && z->HasFooter)
            {
                // After the last transition the footer's rules apply, and publish their names.
                z->Std = z->FooterStd;
                z->Dst = z->FooterDst;
                UpdateVars(z);
                SpecLocal(z, t, tm);
                return;
            }
            else
            {
                int lo = 0, hi = z->TimeCount;                     // the first transition after t
                while (lo < hi) { int mid = (lo + hi) / 2; if (t < Transition(z, mid)) hi = mid; else lo = mid + 1; }
                int i = lo;
                if (i < z->TimeCount)
                {
                    z->Name0 = z->Name1 = null;
                    for (int j = i; j < z->TimeCount; j++)
                    {
                        int ty = TypeOf(z, j);
                        int dst = TypeDst(z, ty) ? 1 : 0;
                        if ((dst == 0 ? z->Name0 : z->Name1) == null)
                        {
                            if (dst == 0) z->Name0 = TypeName(z, ty); else z->Name1 = TypeName(z, ty);
                            if ((dst == 0 ? z->Name1 : z->Name0) != null) break;
                        }
                    }
                    if (z->Name0 == null) z->Name0 = z->Name1;
                }
                type = TypeOf(z, i - 1);
            }
            z->Daylight = z->RuleStdOff != z->RuleDstOff ? 1 : 0;
            z->Timezone = -z->RuleStdOff;
            if (z->Name0 == null) z->Name0 = TypeName(z, 0);
            if (z->Name1 == null) z->Name1 = z->Name0;
            tm->IsDst = TypeDst(z, type) ? 1 : 0;
            tm->Zone = TypeName(z, type);
            tm->GmtOff = TypeOffset(z, type);
        }

        // Seconds between the broken-down local time (year, yday, h, m, s) and the epoch, as if UTC.
        private static long Ydhms(long year, long yday, long hour, long min, long sec) =>
            (Calendar.DaysBeforeYear(year) + yday) * 86400 + hour * 3600 + min * 60 + sec;

        private static bool IsdstDiffer(int a, int b) => (a == 0) != (b == 0) && a >= 0 && b >= 0;

        // glibc's __mktime_internal with localtime as the conversion; `guess` is its
        // localtime_offset, kept by the caller between calls. -1 when no time matches.
        public static long MakeTime(TimeZone* z, Tm* tp, ref long guess)
        {
            int isdst = tp->IsDst;
            long mon = tp->Mon;
            long monRemainder = mon % 12;
            bool negativeRemainder = monRemainder < 0;
            long year = tp->Year + 1900L + mon / 12 - (negativeRemainder ? 1 : 0);
            long yday = Calendar.DaysBeforeMonth((int)(monRemainder + (negativeRemainder ? 12 : 0)), Calendar.IsLeap(year)) + (long)tp->MDay - 1;
            long secRequested = tp->Sec, sec = secRequested < 0 ? 0 : secRequested > 59 ? 59 : secRequested;
            long local = Ydhms(year, yday, tp->Hour, tp->Min, sec);
            Tm tm;
            long t0 = local + guess, t = t0, t1 = t0, t2 = t0;
            bool dst2 = false;
            int remaining = 6;
            for (; ; )
            {
                Localtime(z, t, &tm);
                long gt = t + (local - Ydhms(tm.Year + 1900L, tm.YDay, tm.Hour, tm.Min, tm.Sec));
                if (t == gt) break;
                if (t == t1 && t != t2 && (tm.IsDst < 0 || (isdst < 0 ? dst2 : (isdst != 0) != (tm.IsDst != 0))))
                {
                    // Oscillating across a spring-forward gap. Measured against glibc 2.36: with no
                    // isdst asked, it answers with the daylight side.
                    if (isdst < 0 && tm.IsDst == 0) { t = gt; Localtime(z, t, &tm); }
                    goto found;
                }
                if (--remaining == 0) return -1;
                t1 = t2; t2 = t; t = gt; dst2 = tm.IsDst != 0;
            }
            if (IsdstDiffer(isdst, tm.IsDst))
            {
                // A neighbouring time with the requested isdst lends its offset.
                const long stride = 601200, bound = 536454000 / 2 + 601200;
                for (long delta = stride; delta < bound; delta += stride)
                    for (int direction = -1; direction <= 1; direction += 2)
                    {
                        long ot = t + delta * direction;
                        Tm otm;
                        Localtime(z, ot, &otm);
                        if (IsdstDiffer(isdst, otm.IsDst)) continue;
                        t = ot + (local - Ydhms(otm.Year + 1900L, otm.YDay, otm.Hour, otm.Min, otm.Sec));
                        Localtime(z, t, &tm);
                        goto found;
                    }
                // None: assume daylight time is an hour ahead, as glibc does.
                t += 3600L * ((isdst == 0 ? 1 : 0) - (tm.IsDst == 0 ? 1 : 0));
                Localtime(z, t, &tm);
            }
        found:
            guess = t - local;
            if (secRequested != tm.Sec)
            {
                t += (sec == 0 && tm.Sec == 60 ? 1 : 0) - sec + secRequested;
                Localtime(z, t, &tm);
            }
            *tp = tm;
            return t;
        }
    }
}
