using System.Runtime;

namespace Nimbus.Kernel.Libc.Time
{
    // The exports of strftime (Strftime.cs) and wcsftime: the C locale, %s through mktime.
    internal static unsafe class TimeFormat
    {
        // strftime_l is an alias (Libc/Aliases.txt): the locale argument is ignored, C locale.
        [RuntimeExport("abi_strftime")]
        private static ulong Format(byte* s, ulong max, byte* format, Tm* tm) => Strftime.Format(s, max, format, tm, &Zones.MakeTime, &Zones.ZoneName);

        // wcsftime: the format's characters are ASCII in the C locale (others are copied through
        // as they are), formatted as bytes and widened.
        [RuntimeExport("abi_wcsftime")]
        private static ulong WideFormat(uint* s, ulong max, uint* format, Tm* tm)
        {
            ulong n = 0;
            while (format[n] != 0) n++;
            byte* narrowFormat = (byte*)Stdlib.Malloc.Allocate(n + 1);
            byte* narrow = (byte*)Stdlib.Malloc.Allocate(max == 0 ? 1 : max);
            ulong r = 0;
            if (narrowFormat != null && narrow != null)
            {
                // A non-ASCII character cannot start a conversion: it goes through as '?' here and
                // is put back from the format below.
                for (ulong i = 0; i <= n; i++) narrowFormat[i] = format[i] < 0x80 ? (byte)format[i] : (byte)0x80;
                r = Strftime.Format(narrow, max, narrowFormat, tm, &Zones.MakeTime, &Zones.ZoneName);
                ulong k = 0;
                for (ulong i = 0; i < r; i++)
                {
                    if (narrow[i] == 0x80) { while (k < n && format[k] < 0x80) k++; s[i] = format[k++]; }
                    else s[i] = narrow[i];
                }
                if (max != 0) s[r] = 0;
            }
            else LibcErrno.Set(Abi.Errno.ENOMEM);
            if (narrowFormat != null) Stdlib.Malloc.Free(narrowFormat);
            if (narrow != null) Stdlib.Malloc.Free(narrow);
            return r;
        }
    }
}
