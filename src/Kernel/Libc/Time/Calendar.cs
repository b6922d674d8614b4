namespace Nimbus.Kernel.Libc.Time
{
    // The proleptic Gregorian calendar: seconds since 1970 to broken-down fields and back (the
    // zone fields of struct tm are the caller's). Pure logic.
    public static unsafe class Calendar
    {
        // The broken-down fields of t (isdst, gmtoff and zone untouched).
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
        }

        public static int DaysIn(int month, bool leap) => month switch { 1 => leap ? 29 : 28, 3 or 5 or 8 or 10 => 30, _ => 31 };

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


        public static bool IsLeap(long y) => y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);

        // Days from 1970-01-01 to January 1st of `year`.
        public static long DaysBeforeYear(long year)
        {
            long yy = year - 1;                                    // January counts with the year before
            long era = (yy >= 0 ? yy : yy - 399) / 400;
            long yoe = yy - era * 400;
            long doe = yoe * 365 + yoe / 4 - yoe / 100 + 306;      // 306: March 1st to January 1st
            return era * 146097 + doe - 719468;
        }

        // Days before month `mon` (0-11) in a year.
        public static int DaysBeforeMonth(int mon, bool leap)
        {
            int d = 0;
            for (int i = 0; i < mon; i++) d += DaysIn(i, leap);
            return d;
        }
    }
}
