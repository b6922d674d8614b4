namespace Nimbus.Kernel.Libc.Time
{
    // strftime in the C locale, conversion for conversion as glibc 2.36 formats (its flags _ - 0 ^ #,
    // field widths, the E and O modifiers, and its handling of formats it does not know: copied as
    // they are). Pure logic: %s needs mktime and %Z of a struct without a zone the current tzname,
    // which the caller passes.
    public static unsafe class Strftime
    {
        private struct Out
        {
            public byte* P;          // null: only count
            public ulong Max, I;
            public bool Full;        // the output did not fit: strftime returns 0
        }

        // The padding rule of every piece glibc adds: n bytes, right-aligned in `width` with spaces,
        // or zeros for the '0' flag; none for the '-' flag. Returns where the n bytes go (or null).
        private static byte* Add(Out* o, int width, int pad, ulong n)
        {
            ulong w = width < 0 ? 0 : (ulong)width;   // the '-' flag drops a number's zeros, not the width
            ulong incr = n < w ? w : n;
            if (o->Full || incr >= o->Max - o->I) { o->Full = true; return null; }
            byte* at = null;
            if (o->P != null)
            {
                for (ulong k = n; k < w; k++) *o->P++ = pad == '0' ? (byte)'0' : (byte)' ';
                at = o->P;
                o->P += n;
            }
            o->I += incr;
            return at;
        }

        private static void Copy(Out* o, int width, int pad, byte* s, ulong n, int caseChange)
        {
            byte* at = Add(o, width, pad, n);
            if (at == null) return;
            for (ulong k = 0; k < n; k++)
            {
                byte c = s[k];
                if (caseChange > 0 && c >= 'a' && c <= 'z') c -= 32;
                else if (caseChange < 0 && c >= 'A' && c <= 'Z') c += 32;
                at[k] = c;
            }
        }

        private static void Copy(Out* o, int width, int pad, System.ReadOnlySpan<byte> s, int caseChange)
        {
            fixed (byte* p = s) Copy(o, width, pad, p, (ulong)s.Length, caseChange);
        }

        private static void Char(Out* o, int width, int pad, byte c)
        {
            byte* at = Add(o, width, pad, 1);
            if (at != null) *at = c;
        }

        // glibc's DO_NUMBER: at least `digits` characters (or the width), the sign counted in
        // them; zeros (or spaces for the '_' flag) in front, none for the '-' flag.
        private static void Signed(Out* o, int width, int pad, int digits, long v)
        {
            byte* buf = stackalloc byte[24];
            int len = 0;
            ulong u = v < 0 ? (ulong)-v : (ulong)v;
            do { buf[23 - len++] = (byte)('0' + u % 10); u /= 10; } while (u != 0);
            if (v < 0) buf[23 - len++] = (byte)'-';
            if (digits < width) digits = width;
            int padding = digits - len;
            if (pad != '-' && padding > 0)
            {
                if (pad == '_')
                {
                    if ((ulong)padding >= o->Max - o->I) { o->Full = true; return; }
                    if (o->P != null) for (int k = 0; k < padding; k++) *o->P++ = (byte)' ';
                    o->I += (ulong)padding;
                    width = width > padding ? width - padding : 0;
                }
                else
                {
                    if ((ulong)digits >= o->Max - o->I) { o->Full = true; return; }
                    if (v < 0) { len--; if (o->P != null) *o->P++ = (byte)'-'; o->I++; }
                    if (o->P != null) for (int k = 0; k < padding; k++) *o->P++ = (byte)'0';
                    o->I += (ulong)padding;
                    width = 0;
                }
            }
            Copy(o, width, pad, buf + 24 - len, (ulong)len, 0);
        }

        private static bool IsLeap(int y) => y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);

        private static int IsoWeekDays(int yday, int wday)
        {
            const int bigEnoughMultipleOf7 = (366 / 7 + 2) * 7;
            return yday - (yday - wday + 4 + bigEnoughMultipleOf7) % 7 + 4 - 1;
        }

        private static System.ReadOnlySpan<byte> Days => "SunMonTueWedThuFriSat"u8;
        private static System.ReadOnlySpan<byte> Months => "JanFebMarAprMayJunJulAugSepOctNovDec"u8;
        private static System.ReadOnlySpan<byte> DayNames => "Sunday\0Monday\0Tuesday\0Wednesday\0Thursday\0Friday\0Saturday\0"u8;
        private static System.ReadOnlySpan<byte> MonthNames => "January\0February\0March\0April\0May\0June\0July\0August\0September\0October\0November\0December\0"u8;

        // The index-th of NUL-separated names.
        private static System.ReadOnlySpan<byte> Nth(System.ReadOnlySpan<byte> names, int index)
        {
            int start = 0;
            for (int k = 0; k < index; k++) { while (names[start] != 0) start++; start++; }
            int end = start;
            while (names[end] != 0) end++;
            return names.Slice(start, end - start);
        }

        // strftime: the number of bytes written without the NUL, or 0 when they do not fit in max.
        public static ulong Format(byte* s, ulong max, byte* format, Tm* tm, delegate*<Tm*, long> mktime, delegate*<int, byte*> tzname)
        {
            Out o = new Out { P = s, Max = max };
            Run(&o, format, tm, mktime, tzname);
            if (o.Full) return 0;
            if (s != null && max != 0) *o.P = 0;
            return o.I;
        }

        private static void Sub(Out* o, int width, int pad, bool upper, System.ReadOnlySpan<byte> sub, Tm* tm, delegate*<Tm*, long> mktime, delegate*<int, byte*> tzname)
        {
            fixed (byte* f = sub)
            {
                Out count = new Out { Max = ulong.MaxValue };
                Run(&count, f, tm, mktime, tzname);
                byte* at = Add(o, width, pad, count.I);
                if (at == null) return;
                Out inner = new Out { P = at, Max = count.I + 1 };
                Run(&inner, f, tm, mktime, tzname);
                if (upper) for (byte* c = at; c < inner.P; c++) if (*c >= 'a' && *c <= 'z') *c -= 32;
            }
        }

        private static void Run(Out* o, byte* f, Tm* tm, delegate*<Tm*, long> mktime, delegate*<int, byte*> tzname)
        {
            for (; *f != 0 && !o->Full; f++)
            {
                if (*f != '%') { Char(o, -1, 0, *f); continue; }
                byte* start = f;
                int pad = 0, width = -1;
                bool upper = false, changeCase = false;
                for (; ; )
                {
                    byte c = *++f;
                    if (c == '_' || c == '-' || c == '0') pad = c;
                    else if (c == '^') upper = true;
                    else if (c == '#') changeCase = true;
                    else break;
                }
                if (*f >= '0' && *f <= '9')
                {
                    width = 0;
                    do { width = width > int.MaxValue / 10 - 1 ? int.MaxValue : width * 10 + (*f - '0'); f++; } while (*f >= '0' && *f <= '9');
                }
                byte modifier = 0;
                if (*f == 'E' || *f == 'O') modifier = *f++;
                int hour12 = tm->Hour > 12 ? tm->Hour - 12 : tm->Hour == 0 ? 12 : tm->Hour;
                int caseChange = upper ? 1 : 0;
                bool bad = false;
                switch (*f)
                {
                    case (byte)'%':
                        Char(o, width, pad, (byte)'%');
                        break;
                    case (byte)'a': case (byte)'A':
                        if (modifier != 0) { bad = true; break; }
                        if (changeCase) caseChange = 1;
                        if (tm->WDay < 0 || tm->WDay > 6) Copy(o, width, pad, "?"u8, caseChange);
                        else Copy(o, width, pad, *f == 'a' ? Days.Slice(tm->WDay * 3, 3) : Nth(DayNames, tm->WDay), caseChange);
                        break;
                    case (byte)'b': case (byte)'h': case (byte)'B':
                        if (modifier == 'E') { bad = true; break; }
                        if (changeCase) caseChange = 1;
                        if (tm->Mon < 0 || tm->Mon > 11) Copy(o, width, pad, "?"u8, caseChange);
                        else Copy(o, width, pad, *f != 'B' ? Months.Slice(tm->Mon * 3, 3) : Nth(MonthNames, tm->Mon), caseChange);
                        break;
                    case (byte)'c':
                        if (modifier == 'O') bad = true; else Sub(o, width, pad, upper, "%a %b %e %H:%M:%S %Y\0"u8, tm, mktime, tzname);
                        break;
                    case (byte)'x':
                        if (modifier == 'O') bad = true; else Sub(o, width, pad, upper, "%m/%d/%y\0"u8, tm, mktime, tzname);
                        break;
                    case (byte)'X':
                        if (modifier == 'O') bad = true; else Sub(o, width, pad, upper, "%H:%M:%S\0"u8, tm, mktime, tzname);
                        break;
                    case (byte)'D':
                        if (modifier != 0) bad = true; else Sub(o, width, pad, upper, "%m/%d/%y\0"u8, tm, mktime, tzname);
                        break;
                    case (byte)'F':
                        if (modifier != 0) bad = true; else Sub(o, width, pad, upper, "%Y-%m-%d\0"u8, tm, mktime, tzname);
                        break;
                    case (byte)'R':
                        Sub(o, width, pad, upper, "%H:%M\0"u8, tm, mktime, tzname);
                        break;
                    case (byte)'r':
                        Sub(o, width, pad, upper, "%I:%M:%S %p\0"u8, tm, mktime, tzname);
                        break;
                    case (byte)'T':
                        Sub(o, width, pad, upper, "%H:%M:%S\0"u8, tm, mktime, tzname);
                        break;
                    case (byte)'C':
                    {
                        long year = tm->Year + 1900L;
                        Signed(o, width, pad, 1, year / 100 - (year % 100 < 0 ? 1 : 0));
                        break;
                    }
                    case (byte)'d':
                        if (modifier == 'E') bad = true; else Signed(o, width, pad, 2, tm->MDay);
                        break;
                    case (byte)'e':
                        if (modifier == 'E') bad = true; else Signed(o, width, pad == 0 ? '_' : pad, 2, tm->MDay);
                        break;
                    case (byte)'H':
                        if (modifier == 'E') bad = true; else Signed(o, width, pad, 2, tm->Hour);
                        break;
                    case (byte)'I':
                        if (modifier == 'E') bad = true; else Signed(o, width, pad, 2, hour12);
                        break;
                    case (byte)'k':
                        if (modifier == 'E') bad = true; else Signed(o, width, pad == 0 ? '_' : pad, 2, tm->Hour);
                        break;
                    case (byte)'l':
                        if (modifier == 'E') bad = true; else Signed(o, width, pad == 0 ? '_' : pad, 2, hour12);
                        break;
                    case (byte)'j':
                        if (modifier == 'E') bad = true; else Signed(o, width, pad, 3, tm->YDay + 1L);
                        break;
                    case (byte)'M':
                        if (modifier == 'E') bad = true; else Signed(o, width, pad, 2, tm->Min);
                        break;
                    case (byte)'m':
                        if (modifier == 'E') bad = true; else Signed(o, width, pad, 2, tm->Mon + 1L);
                        break;
                    case (byte)'n': Char(o, width, pad, (byte)'\n'); break;
                    case (byte)'t': Char(o, width, pad, (byte)'\t'); break;
                    case (byte)'P': case (byte)'p':
                        if (*f == 'P' || changeCase) caseChange = -1;
                        Copy(o, width, pad, tm->Hour > 11 ? "PM"u8 : "AM"u8, caseChange);
                        break;
                    case (byte)'S':
                        if (modifier == 'E') bad = true; else Signed(o, width, pad, 2, tm->Sec);
                        break;
                    case (byte)'s':
                    {
                        Tm copy = *tm;
                        copy.YDay = -1;
                        long t = mktime != null ? mktime(&copy) : -1;
                        Signed(o, width, pad, 1, t);
                        break;
                    }
                    case (byte)'u':
                        Signed(o, width, pad, 1, (tm->WDay - 1 + 7) % 7 + 1);
                        break;
                    case (byte)'U':
                        if (modifier == 'E') bad = true; else Signed(o, width, pad, 2, (tm->YDay - tm->WDay + 7) / 7);
                        break;
                    case (byte)'W':
                        if (modifier == 'E') bad = true; else Signed(o, width, pad, 2, (tm->YDay - (tm->WDay - 1 + 7) % 7 + 7) / 7);
                        break;
                    case (byte)'w':
                        if (modifier == 'E') bad = true; else Signed(o, width, pad, 1, tm->WDay);
                        break;
                    case (byte)'V': case (byte)'g': case (byte)'G':
                    {
                        if (modifier == 'E') { bad = true; break; }
                        int year = tm->Year + (tm->Year < 0 ? 1900 % 400 : 1900 % 400 - 400);
                        int yearAdjust = 0;
                        int days = IsoWeekDays(tm->YDay, tm->WDay);
                        if (days < 0)
                        {
                            yearAdjust = -1;
                            days = IsoWeekDays(tm->YDay + (365 + (IsLeap(year - 1) ? 1 : 0)), tm->WDay);
                        }
                        else
                        {
                            int d = IsoWeekDays(tm->YDay - (365 + (IsLeap(year) ? 1 : 0)), tm->WDay);
                            if (d >= 0) { yearAdjust = 1; days = d; }
                        }
                        long isoYear = tm->Year + 1900L + yearAdjust;
                        if (*f == 'g') Signed(o, width, pad, 2, (isoYear % 100 + 100) % 100);
                        else if (*f == 'G') Signed(o, width, pad, 1, isoYear);
                        else Signed(o, width, pad, 2, days / 7 + 1);
                        break;
                    }
                    case (byte)'Y':
                        if (modifier == 'O') bad = true; else Signed(o, width, pad, 1, tm->Year + 1900L);
                        break;
                    case (byte)'y':
                    {
                        Signed(o, width, pad, 2, (tm->Year % 100 + 100) % 100);
                        break;
                    }
                    case (byte)'Z':
                    {
                        if (changeCase) caseChange = -1;
                        // No zone in the struct: the current tzname for its isdst, as glibc does.
                        byte* zone = tm->Zone;
                        if ((zone == null || *zone == 0) && tm->IsDst >= 0 && tzname != null) zone = tzname(tm->IsDst != 0 ? 1 : 0);
                        ulong n = 0;
                        if (zone != null) while (zone[n] != 0) n++;
                        Copy(o, width, pad, zone, n, caseChange);
                        break;
                    }
                    case (byte)'z':
                    {
                        if (tm->IsDst < 0) break;
                        long diff = tm->GmtOff;
                        if (diff < 0) { Char(o, width, pad, (byte)'-'); diff = -diff; }
                        else Char(o, width, pad, (byte)'+');
                        diff /= 60;
                        Signed(o, width, pad, 4, diff / 60 * 100 + diff % 60);
                        break;
                    }
                    case 0:
                        f--;
                        bad = true;
                        break;
                    default:
                        bad = true;
                        break;
                }
                // A conversion glibc does not know is copied from its '%' on.
                if (bad) Copy(o, width, pad, start, (ulong)(f - start + 1), caseChange);
            }
        }
    }
}
