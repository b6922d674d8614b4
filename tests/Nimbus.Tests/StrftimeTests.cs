using System.Runtime.InteropServices;
using System.Text;
using Nimbus.Kernel.Libc.Time;
using Xunit;

namespace Nimbus.Tests;

// strftime against the host's glibc (C locale): every conversion with every flag, widths and
// modifiers, over ordinary and odd struct tm values, including formats glibc copies as they are.
public unsafe class StrftimeTests
{
    [DllImport("libc")] private static extern nuint strftime(byte* s, nuint max, byte* format, Tm* tm);

    private static readonly string[] Conversions = "a A b B c C d D e F g G h H I j k l m M n p P r R S t T u U V w W x X y Y z Z % q Q E O i".Split(' ');
    private static readonly string[] Prefixes = ["", "_", "-", "0", "^", "#", "5", "_5", "-5", "05", "^8", "#8", "E", "O", "1", "012", "_012", "^#", "_-3"];

    private static List<Tm> Times()
    {
        var list = new List<Tm>();
        byte* cet = (byte*)Marshal.StringToHGlobalAnsi("CEST");
        list.Add(new Tm { Year = 123, Mon = 2, MDay = 5, Hour = 0, Min = 0, Sec = 0, WDay = 0, YDay = 63, IsDst = 0, GmtOff = 0, Zone = cet });
        list.Add(new Tm { Year = 99, Mon = 11, MDay = 31, Hour = 23, Min = 59, Sec = 60, WDay = 5, YDay = 364, IsDst = 1, GmtOff = 7200, Zone = cet });
        list.Add(new Tm { Year = 100, Mon = 0, MDay = 1, Hour = 12, Min = 5, Sec = 9, WDay = 6, YDay = 0, IsDst = 0, GmtOff = -19800, Zone = null });
        list.Add(new Tm { Year = 121, Mon = 0, MDay = 3, Hour = 13, Min = 1, Sec = 2, WDay = 0, YDay = 2, IsDst = -1, GmtOff = 3600, Zone = cet });
        list.Add(new Tm { Year = 108, Mon = 11, MDay = 29, Hour = 11, Min = 1, Sec = 2, WDay = 1, YDay = 363, IsDst = 0, GmtOff = -3600 * 10, Zone = cet });
        list.Add(new Tm { Year = -1905, Mon = -3, MDay = -2, Hour = -1, Min = 75, Sec = -4, WDay = 9, YDay = -7, IsDst = 0, GmtOff = 45296, Zone = cet });
        list.Add(new Tm { Year = -50, Mon = 13, MDay = 40, Hour = 25, Min = 0, Sec = 0, WDay = -1, YDay = 400, IsDst = 0, GmtOff = -1, Zone = cet });
        list.Add(new Tm { Year = 8099, Mon = 5, MDay = 15, Hour = 7, Min = 7, Sec = 7, WDay = 3, YDay = 165, IsDst = 0, GmtOff = 0, Zone = cet });
        return list;
    }

    private static string Host(string format, Tm tm, int max)
    {
        byte[] f = Encoding.ASCII.GetBytes(format + "\0");
        byte* buf = stackalloc byte[max + 1];
        fixed (byte* fp = f)
        {
            nuint n = strftime(buf, (nuint)max, fp, &tm);
            return $"{n}:" + Encoding.ASCII.GetString(buf, (int)n);
        }
    }

    private static byte* s_utc = (byte*)Marshal.StringToHGlobalAnsi("UTC");
    private static byte* HostZoneName(int dst) => s_utc;   // the host's zone is UTC (tzname "UTC", "UTC")

    private static string Ours(string format, Tm tm, int max)
    {
        byte[] f = Encoding.ASCII.GetBytes(format + "\0");
        byte* buf = stackalloc byte[max + 1];
        fixed (byte* fp = f)
        {
            ulong n = Strftime.Format(buf, (ulong)max, fp, &tm, null, &HostZoneName);
            return $"{n}:" + Encoding.ASCII.GetString(buf, (int)n);
        }
    }

    [Fact]
    public void EveryConversionFlagAndWidthMatchesGlibc()
    {
        var failures = new List<string>();
        int checkedCount = 0;
        foreach (var tm in Times())
            foreach (var c in Conversions)
                foreach (var prefix in Prefixes)
                {
                    string format = $"<%{prefix}{c}>";
                    foreach (int max in new[] { 200, 6 })
                    {
                        checkedCount++;
                        string host = Host(format, tm, max), ours = Ours(format, tm, max);
                        if (host != ours) failures.Add($"{format} year {tm.Year} max {max}: host '{host}' ours '{ours}'");
                    }
                }
        foreach (var format in new[] { "%", "plain text", "%Y-%m-%dT%H:%M:%S%z", "%E", "abc%", "%5", "%_", "%Ec|%EC|%Ex|%EX|%Ey|%EY|%Od|%Oe|%OH|%OI|%Om|%OM|%OS|%Ou|%OU|%OV|%Ow|%OW|%Oy|%Ob|%OB|%Oh" })
            foreach (var tm in Times())
            {
                string host = Host(format, tm, 300), ours = Ours(format, tm, 300);
                if (host != ours) failures.Add($"{format}: host '{host}' ours '{ours}'");
            }
        Assert.True(failures.Count == 0, $"{failures.Count} of {checkedCount} differ:\n" + string.Join("\n", failures.Take(40)));
    }
}
