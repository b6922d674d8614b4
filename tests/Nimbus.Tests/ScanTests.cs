using System.Runtime.InteropServices;
using System.Text;
using Nimbus.Kernel.Libc;
using Nimbus.Kernel.Libc.Stdio;
using Nimbus.Kernel.Libc.Stdlib;
using Xunit;
using Xunit.Abstractions;

namespace Nimbus.Tests;

// The kernel's scanf engine against the host's glibc. Every case (hand-written edge cases and
// thousands of generated ones) is compiled by gcc into a shared library that runs it with glibc's
// sscanf, with fscanf over a memory stream (to learn where glibc stopped reading), and with our
// engine given the very same C va_list. Eight 256-byte argument areas are filled with a pattern
// beforehand and compared byte for byte afterwards, with the return value and errno.
public unsafe class ScanTests
{
    private readonly ITestOutputHelper _log;
    public ScanTests(ITestOutputHelper log) { _log = log; HostGlibc.InstallHooks(); }

    private const int Arguments = 8;

    private sealed class Case
    {
        public required byte[] Input;
        public required byte[] Format;
        public string Kinds = "zzzzzzzz";   // per argument: z area, m malloc'd string, w malloc'd wide string, 1-9 malloc'd bytes (%mc)
        public bool Gnu;                     // plain sscanf (GNU %as) instead of __isoc99_sscanf
        public required string Origin;
        public override string ToString() => $"sscanf(\"{Show(Input)}\", \"{Show(Format)}\"){(Gnu ? " [GNU]" : "")}{(Kinds != "zzzzzzzz" ? " kinds " + Kinds : "")}";
    }

    private static string Show(byte[] b) => HostGlibc.Show(Encoding.Latin1.GetString(b));
    private static byte[] B(string s) => Encoding.Latin1.GetBytes(s);

    // ---------------------------------------------------------------------------------------------
    // Cases

    private static List<Case> HandWritten()
    {
        var cases = new List<Case>();
        void C(string input, string format, string kinds = "zzzzzzzz", bool gnu = false) =>
            cases.Add(new Case { Input = B(input), Format = B(format), Kinds = kinds, Gnu = gnu, Origin = "edge" });

        // Literals, white space and the end of the input.
        foreach (var (i, f) in new[]
        {
            ("", ""), ("", " "), (" ", " "), ("abc", "abc"), ("abc", "abd"), ("ab", "abc"), ("", "abc"), ("", "%n"), ("", " %n"), ("x", "%n"),
            ("  x", " %n"), ("abc", "%*s%n"), ("  x", "x"), ("  x", " x"), ("x", " x "), ("1   ", "%d %n"), ("1   ", "%d "), (" \n 5", " %d"),
            ("1 2", "%d%d"), ("1\n\t2", "%d %d"), ("1 ,2", "%d,%d"), ("1 ,2", "%d ,%d"), ("a b", "%c%c"), ("a b", "%c %c"), ("abc   ", "%s%n"),
            ("1", "%d%d"), ("1 ", "%d %s"), ("  ", " x%d"), ("", "%*d"), ("x", "%*d"), ("", "%n%d"), ("5", "%n%d%n"), ("a", "a%n"), ("ab", "a%nb%n"),
            ("%", "%%"), (" %", "%%"), ("x", "%%"), ("", "%%"), ("%", " %%"), ("5%", "%d%%"), ("5 %", "%d%%"), ("5%x", "%d%%%c"), ("%", "%5%"),
            ("123", "%"), ("123", "%5"), ("123", "%l"), ("123", "%hh"), ("123", "%y"), ("123", "%5$"), ("abc", "abc%"), ("123", "%0d"), ("123", "%00d"),
            ("123", "%*"), ("123", "%**d"), ("123", "%Id"), ("1,234", "%'d"), ("12", "%2$d"), ("1 2 3", "%3$d %1$d %2$d"), ("ab cd", "%2$s %1$s"),
            ("1 2", "%1$d %1$d"), ("7 8", "%*d %d"), ("abcdef", "%*5c%c"), ("x\xe9y", "x\xe9%c"), ("x\xe9y", "x\xea%c"),
        })
            C(i, f);

        // Integers.
        string[] integerInputs =
        [
            "0", "-0", "123", "-123", "+123", " 42", "-", "+", "- 5", "--5", "0x", "0X", "0x1f", "0X1F", "0xg", "-0x", "+0x10", "0x0x", "00", "08", "0778",
            "010", "-010", "0b101", "99999999999999999999", "-99999999999999999999", "2147483647", "2147483648", "-2147483649", "4294967295",
            "4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551615", "18446744073709551616",
            "-1", "-ff", "ff", "FFz", "300", "70000", "-129", "1e5", "12abc", "z", "",
        ];
        foreach (string input in integerInputs)
            foreach (string f in new[] { "%d", "%i", "%u", "%o", "%x", "%hhd", "%hd", "%ld", "%lld", "%hhu", "%hu", "%lu", "%jd", "%zd", "%td", "%qd", "%Ld", "%lX",
                         "%1d", "%2d", "%3d", "%1x", "%2x", "%3x", "%1i", "%2i", "%3i", "%*d%n", "%p", "%5p" })
                C(input, f + "|%n");
        foreach (string input in new[] { "(nil)", "(NIL)", "(Nil)x", "(nil", "(ni)", "(n", "(", "0x1234", "-0x1", "1234", "0", "deadbeefcafe1" })
            foreach (string f in new[] { "%p", "%4p", "%5p", "%6p", "%lp", "%hhp", "%*p" })
                C(input, f + "%n");

        // Floating point.
        string[] floatInputs =
        [
            "1.5", "-1.5e3", "1e", "1e+", "1e-x", "1E5", ".5", "5.", ".", "-.", "+", "-", "e5", ".e5", "-.e5", "0x1.8p3", "0X1P-3", "0x", "0x.", "0x.p1", "0xp1",
            "0x1p", "0x1.", "0x.8", "0xg", "inf", "INF", "infinity", "Infinity!", "infinit", "infin", "infx", "-inf", "+INF", "nan", "NaN", "nan(123)", "-nan",
            "na", "n", "i", "in", "1.5.5", "1,5", "00.5e+3", "1e999", "-1e999", "1e-999", "2.2250738585072011e-308", "4.9e-324", "0x1p-1075", "3.4028236e38",
            "1.00000005960464477539062500001", "0", "-0", "000", "12abc", "0e", "0ex", "0x1e2", "1e+5e", "1.e5", "1..5",
        ];
        foreach (string input in floatInputs)
            foreach (string f in new[] { "%f", "%lf", "%Lf", "%e", "%g", "%E", "%G", "%a", "%A", "%le", "%La", "%1f", "%2f", "%3f", "%4f", "%5f", "%8f", "%*f" })
                C(input, f + "|%n");
        foreach (string input in new[] { "infinity", "-infinity", "nan", "0x1p1", "-0x1p1", "1e+5" })
            for (int width = 1; width <= 9; width++)
                C(input, $"%{width}lf%n%c");
        // Hundreds of digits: the engine keeps only what decides the value.
        foreach (string input in new[]
        {
            "0." + new string('0', 1000) + "1e1000", "1" + new string('7', 500) + "e-400", "0x" + new string('f', 300) + "p-1000",
            "0x1" + new string('0', 400) + "1p-1200", "4.94065645841246544176568792868221372365059802614324764425585682500675507270208751865299836361635992379796564695445717730926656710355939796398774796010781878126300713190311404527845817167848982103688718636056998730723050006387409153564984387312473397273169615140031715385398074126238565591171026658556686768187039560310624931945271591492279938e-324" + new string('0', 400) + "1",
            new string('9', 700) + "." + new string('9', 300), "-" + new string('0', 600) + "." + new string('0', 600) + "25e2",
            "1." + new string('0', 790) + "1", "1." + new string('0', 2000) + "1", "3." + new string('3', 300) + "e", "1" + new string('0', 300) + "e-0" + new string('0', 300) + "5",
        })
            foreach (string f in new[] { "%lf%n", "%f%n", "%Lf%n", "%800lf%n", "%260lf%n" })
                C(input, f);

        // Characters, strings and sets.
        foreach (var (i, f) in new[]
        {
            ("hello world", "%s%n"), ("hello", "%3s%n"), ("   lead", "%s%n"), ("", "%s"), ("   ", "%s"), ("abc", "%c%n"), ("ab", "%3c%n"), ("abcdef", "%3c%n"),
            (" x", "%c"), (" x", " %c"), ("ab", "%5c%n"), ("a\tb", "%s%c"), ("abc123", "%[a-z]%n"), ("abc,def", "%[^,],%s"), ("]a]b", "%[]a]%n"),
            ("ab]c", "%[^]]%n"), ("-a-b", "%[-a]%n"), ("a-b", "%[a-]%n"), ("-za", "%[z-a]%n"), ("abcdef", "%[a-c-e]%n"), ("abc", "%[abc"), ("abc", "%[^]"),
            ("x", "%[]"), ("abcd", "%2[a-z]%n"), ("abc1", "%*[a-z]%n"), ("12ab", "%[0-9]%[a-z]"), ("\x80\xe9\xff!", "%[\x80-\xff]%n"), ("123", "%[a-z]"),
            ("", "%[a-z]"), ("a b", "%[^ ]%n"), ("--x", "%[--]%n"), ("a^b", "%[\\^a]%n"), ("^^x", "%[^^]%n"), ("a]", "%[]]%n"), ("hello", "%0s%n"),
            ("a", "%lc%n"), ("hello", "%ls%n"), ("abc", "%l[a-z]%n"), ("\xe9", "%lc"), ("a\xe9b", "%ls"), ("\xe9\xe9x", "%l[\x80-\xff]%n"),
            ("abcdef", "%5lc%n"), ("x", "%C%n"), ("word rest", "%S%n"), ("ab", "%3lc%n"), ("ab cd", "%*ls%ls"), ("a\xe9", "%*lc%*lc"),
        })
            C(i, f);

        // %m (POSIX) and GNU %a allocation.
        C("hello world", "%ms %ms", "mmzzzzzz");
        C("abc1", "%m[a-z]%n", "mzzzzzzz");
        C("x", "%mc", "1zzzzzzz");
        C("abcd", "%m3c", "3zzzzzzz");
        C("", "%ms", "mzzzzzzz");
        C("a", "%ms %ms", "mmzzzzzz");
        C("123", "%m[a-z]", "mzzzzzzz");
        C("ab cd", "%mls %mS", "wwzzzzzz");
        C("hello", "%as", "mzzzzzzz", gnu: true);
        C("abc1", "%a[a-z]", "mzzzzzzz", gnu: true);
        C("x y", "%aS", "wzzzzzzz", gnu: true);
        C("1.5s", "%as%n");
        C("0x1p3", "%a");
        C("1.5", "%a", gnu: true);
        C("1.5s", "%as", "mzzzzzzz", gnu: true);
        C(new string('x', 250), "%ms", "mzzzzzzz");
        C("12 abc", "%d %*ms %n");
        return cases;
    }

    private static string RandomInteger(Random r)
    {
        var sb = new StringBuilder();
        if (r.Next(4) == 0) sb.Append("+-"[r.Next(2)]);
        int kind = r.Next(5);
        if (kind == 0) sb.Append(r.Next(2) == 0 ? "0x" : "0X");
        else if (kind == 1) sb.Append('0');
        int length = r.Next(8) == 0 ? r.Next(15, 25) : r.Next(0, 6);
        string alphabet = kind == 0 || r.Next(4) == 0 ? "0123456789abcdefABCDEF" : "0123456789";
        for (int i = 0; i < length; i++) sb.Append(alphabet[r.Next(alphabet.Length)]);
        if (r.Next(6) == 0) sb.Append("xgz.-"[r.Next(5)]);
        return sb.ToString();
    }

    private static string RandomFloat(Random r)
    {
        string[] specials = ["inf", "INFINITY", "nan", "NaN", "infin", "na", "-inf", "+nan", "i", "n"];
        if (r.Next(8) == 0) return specials[r.Next(specials.Length)];
        var sb = new StringBuilder();
        if (r.Next(4) == 0) sb.Append("+-"[r.Next(2)]);
        bool hex = r.Next(5) == 0;
        if (hex) sb.Append(r.Next(2) == 0 ? "0x" : "0X");
        string digits = hex ? "0123456789abcdefABCDEF" : "0123456789";
        int length = r.Next(0, 8);
        int point = r.Next(-1, length + 1);
        for (int i = 0; i < length; i++)
        {
            if (i == point) sb.Append('.');
            sb.Append(digits[r.Next(digits.Length)]);
        }
        if (r.Next(3) == 0)
        {
            sb.Append(hex ? "pP"[r.Next(2)] : "eE"[r.Next(2)]);
            if (r.Next(2) == 0) sb.Append("+-"[r.Next(2)]);
            int n = r.Next(0, 4);
            for (int i = 0; i < n; i++) sb.Append((char)('0' + r.Next(10)));
        }
        if (r.Next(6) == 0) sb.Append("x.e-p"[r.Next(5)]);
        return sb.ToString();
    }

    private static string RandomWord(Random r, int max)
    {
        const string alphabet = "abcxyzABC019-_,.;]^\x80\xe9";
        var sb = new StringBuilder();
        int length = r.Next(0, max);
        for (int i = 0; i < length; i++) sb.Append(alphabet[r.Next(alphabet.Length)]);
        return sb.ToString();
    }

    private static string RandomSpace(Random r) => r.Next(3) switch { 0 => "", 1 => " ", _ => new[] { "  ", "\t", "\n", " \n\t " }[r.Next(4)] };

    private static List<Case> Generated(int count)
    {
        var r = new Random(12);
        var cases = new List<Case>();
        string[] intLengths = ["", "", "", "hh", "h", "l", "ll", "j", "z", "t", "L", "q"];
        string[] floatLengths = ["", "", "l", "l", "L"];
        string[] sets = ["a-z", "^,", "0-9", "]a-c", "^]", "-x", "abc-", "^ \n", "a-z0-9", "^a-c"];
        for (int i = 0; i < count; i++)
        {
            var format = new StringBuilder();
            var input = new StringBuilder();
            int directives = r.Next(1, 5), assigned = 0;
            for (int d = 0; d < directives; d++)
            {
                bool suppress = r.Next(6) == 0;
                string star = suppress ? "*" : "";
                string width = r.Next(3) == 0 ? r.Next(1, 7).ToString() : "";
                int kind = r.Next(9);
                if (!suppress && kind <= 3 && assigned == Arguments) kind = 5;
                switch (kind)
                {
                    case 0:
                        format.Append('%').Append(star).Append(width).Append(intLengths[r.Next(intLengths.Length)]).Append("diuoxXdip"[r.Next(9)]);
                        input.Append(RandomSpace(r)).Append(RandomInteger(r));
                        break;
                    case 1:
                        format.Append('%').Append(star).Append(width).Append(floatLengths[r.Next(floatLengths.Length)]).Append("eEfFgGaA"[r.Next(8)]);
                        input.Append(RandomSpace(r)).Append(RandomFloat(r));
                        break;
                    case 2:
                    {
                        bool wide = r.Next(5) == 0;
                        string w = wide ? r.Next(1, 50).ToString() : width;
                        int which = r.Next(3);
                        format.Append('%').Append(star).Append(w).Append(wide ? "l" : "").Append(which == 0 ? "s" : which == 1 ? "c" : "[" + sets[r.Next(sets.Length)] + "]");
                        input.Append(RandomSpace(r)).Append(RandomWord(r, 12));
                        break;
                    }
                    case 3:
                        format.Append('%').Append(star).Append(r.Next(4) == 0 ? "hh" : r.Next(3) == 0 ? "l" : "").Append('n');
                        break;
                    case 4:
                    {
                        string literal = new[] { ",", ";", "x", "ab", ":", "-", "." }[r.Next(7)];
                        format.Append(literal);
                        input.Append(RandomSpace(r)).Append(r.Next(5) == 0 ? RandomWord(r, 3) : literal);
                        break;
                    }
                    case 5:
                        format.Append(new[] { " ", "\n", "\t", "  " }[r.Next(4)]);
                        input.Append(RandomSpace(r));
                        break;
                    case 6:
                        format.Append("%%");
                        input.Append(RandomSpace(r)).Append(r.Next(4) == 0 ? "x" : "%");
                        break;
                    default:
                        format.Append('%').Append(star).Append(width).Append(new[] { "d", "s", "lf", "x", "c", "i" }[r.Next(6)]);
                        input.Append(RandomSpace(r)).Append(r.Next(2) == 0 ? RandomInteger(r) : RandomFloat(r));
                        break;
                }
                if (!suppress && kind is 0 or 1 or 2 or 3 or >= 7) assigned++;
                if (assigned > Arguments) break;
            }
            if (assigned > Arguments) { i--; continue; }
            string text = input.ToString();
            if (r.Next(5) == 0 && text.Length > 0) text = text[..r.Next(text.Length)];   // the input ends early
            if (text.Length > 60) text = text[..60];
            if (r.Next(3) == 0) format.Append("%n");
            cases.Add(new Case { Input = B(text), Format = B(format.ToString()), Gnu = r.Next(10) == 0, Origin = "generated" });
        }
        return cases;
    }

    // ---------------------------------------------------------------------------------------------
    // The C side

    private static string CString(byte[] bytes)
    {
        var sb = new StringBuilder("\"");
        foreach (byte b in bytes)
            sb.Append(b is >= 32 and < 127 && b != '"' && b != '\\' && b != '?' ? ((char)b).ToString() : "\\" + Convert.ToString(b, 8).PadLeft(3, '0'));
        return sb.Append('"').ToString();
    }

    private static string GenerateC(List<Case> cases)
    {
        var sb = new StringBuilder("""
            #define _GNU_SOURCE
            #include <errno.h>
            #include <locale.h>
            #include <stdarg.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <wchar.h>

            /* The GNU entry points, which <stdio.h> hides behind __isoc99_* in C99 and later. */
            int plain_sscanf(const char *s, const char *format, ...) __asm__("sscanf");
            int plain_fscanf(FILE *f, const char *format, ...) __asm__("fscanf");

            typedef void (*collect_fn)(int id, int who, int ret, int err, long position, const unsigned char *data, int length);
            typedef int (*ours_fn)(const char *s, const char *format, va_list ap);

            struct scan_case { const char *in; const char *format; const char *kinds; int gnu; };

            #define ARGS 8
            #define ZONE 256

            static int call_ours(ours_fn f, const char *s, const char *format, ...)
            {
                va_list ap;
                va_start(ap, format);
                int r = f(s, format, ap);
                va_end(ap);
                return r;
            }

            static void prepare(unsigned char zones[ARGS][ZONE], void **a, const char *kinds)
            {
                memset(zones, 0xA5, ARGS * ZONE);
                for (int k = 0; k < ARGS; k++)
                {
                    if (kinds[k] != 'z') memset(zones[k], 0, sizeof(void *));
                    a[k] = zones[k];
                }
            }

            /* Area contents; malloc'd results are copied out (tag 1) or reported null (tag 0), then freed. */
            static int serialize(unsigned char zones[ARGS][ZONE], const char *kinds, unsigned char *out)
            {
                int n = 0;
                for (int k = 0; k < ARGS; k++)
                {
                    if (kinds[k] == 'z') { memcpy(out + n, zones[k], ZONE); n += ZONE; continue; }
                    char *p = *(char **)zones[k];
                    if (p == NULL) { out[n++] = 0; continue; }
                    size_t length = kinds[k] == 'm' ? strlen(p) + 1 : kinds[k] == 'w' ? (wcslen((wchar_t *)p) + 1) * sizeof(wchar_t) : (size_t)(kinds[k] - '0');
                    out[n++] = 1;
                    memcpy(out + n, p, length);
                    n += (int)length;
                    free(p);
                }
                return n;
            }

            static void run(int id, const struct scan_case *c, collect_fn collect, ours_fn ours)
            {
                static unsigned char zones[ARGS][ZONE], out[ARGS * 2048];
                void *a[ARGS];

                /* Where glibc stops reading: fscanf on a memory stream, then ftell. */
                long position = 0;
                size_t length = strlen(c->in);
                if (length > 0)
                {
                    prepare(zones, a, c->kinds);
                    FILE *f = fmemopen((void *)c->in, length, "r");
                    if (c->gnu) plain_fscanf(f, c->format, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
                    else fscanf(f, c->format, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
                    position = ftell(f);
                    fclose(f);
                    serialize(zones, c->kinds, out);
                }

                prepare(zones, a, c->kinds);
                errno = 0;
                int r = c->gnu ? plain_sscanf(c->in, c->format, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7])
                               : sscanf(c->in, c->format, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
                int err = errno;
                collect(id, 0, r, err, position, out, serialize(zones, c->kinds, out));

                prepare(zones, a, c->kinds);
                r = call_ours(ours, c->in, c->format, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
                collect(id, 1, r, 0, -1, out, serialize(zones, c->kinds, out));
            }

            static const struct scan_case cases[] = {

            """);
        foreach (var c in cases)
            sb.Append("    { ").Append(CString(c.Input)).Append(", ").Append(CString(c.Format)).Append(", \"").Append(c.Kinds).Append("\", ").Append(c.Gnu ? 1 : 0).Append(" },\n");
        sb.Append("""
            };

            /* ours[0..1]: GNU and ISO C99 modes through a source that reports its position; ours[2..3]: the exports. */
            void run_all(collect_fn collect, ours_fn *ours)
            {
                uselocale(newlocale(LC_ALL_MASK, "C", (locale_t)0));
                for (int i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++)
                    run(i, &cases[i], collect, ours[(cases[i].gnu ? 0 : 1) + (i % 2 == 0 ? 0 : 2)]);
            }

            """);
        return sb.ToString();
    }

    // ---------------------------------------------------------------------------------------------
    // Our side

    private struct Result
    {
        public int Ret, Errno;
        public long Position;
        public byte[] Data;
    }

    private static Result[]? s_glibc, s_ours;
    [ThreadStatic] private static long t_position;

    [UnmanagedCallersOnly]
    private static void Collect(int id, int who, int ret, int err, long position, byte* data, int length)
    {
        var result = new Result { Ret = ret, Errno = err, Position = position, Data = new ReadOnlySpan<byte>(data, length).ToArray() };
        if (who == 0)
        {
            s_glibc![id] = result;
            HostGlibc.Errno = 0;
            t_position = -1;
        }
        else
        {
            result.Errno = HostGlibc.Errno;
            result.Position = t_position;
            s_ours![id] = result;
        }
    }

    private struct Cursor { public byte* Position; }
    private static int s_badUnread;

    private static int ReadCursor(void* context)
    {
        var c = (Cursor*)context;
        byte b = *c->Position;
        if (b == 0) return -1;
        c->Position++;
        return b;
    }

    private static void UnreadCursor(void* context, int b)
    {
        var c = (Cursor*)context;
        c->Position--;
        if (*c->Position != b) s_badUnread++;   // the engine must give back the byte it read
    }

    private static int RunWithSource(byte* s, byte* format, VaList* ap, ScanMode mode)
    {
        var cursor = new Cursor { Position = s };
        var source = new ScanSource(&ReadCursor, &UnreadCursor, &cursor);
        int r = Scanf.Scan(ref source, format, ap, mode);
        t_position = cursor.Position - s;
        return r;
    }

    [UnmanagedCallersOnly] private static int OursGnu(byte* s, byte* format, VaList* ap) => RunWithSource(s, format, ap, ScanMode.Gnu);
    [UnmanagedCallersOnly] private static int OursIsoC99(byte* s, byte* format, VaList* ap) => RunWithSource(s, format, ap, ScanMode.IsoC99);
    // The exports themselves, callable from the C harness (in the kernel they are plain exported symbols).
    [UnmanagedCallersOnly] private static int ExportVsscanf(byte* s, byte* format, VaList* ap) => Scanf.Vsscanf(s, format, ap);
    [UnmanagedCallersOnly] private static int ExportIsoc99Vsscanf(byte* s, byte* format, VaList* ap) => Scanf.Isoc99Vsscanf(s, format, ap);

    [Fact, Trait("needs", "host-glibc")]
    public void ScanMatchesHostGlibcOnThousandsOfCases()
    {
        GlibcVersion.RequireAssumed();
        var cases = HandWritten();
        int handWritten = cases.Count;
        cases.AddRange(Generated(6000));
        var library = HostGlibc.Load(GenerateC(cases), "scan");
        try
        {
            var runAll = (delegate* unmanaged<delegate* unmanaged<int, int, int, int, long, byte*, int, void>, void**, void>)NativeLibrary.GetExport(library.Handle, "run_all");
            void** ours = stackalloc void*[4];
            ours[0] = (void*)(delegate* unmanaged<byte*, byte*, VaList*, int>)&OursGnu;
            ours[1] = (void*)(delegate* unmanaged<byte*, byte*, VaList*, int>)&OursIsoC99;
            ours[2] = (void*)(delegate* unmanaged<byte*, byte*, VaList*, int>)&ExportVsscanf;
            ours[3] = (void*)(delegate* unmanaged<byte*, byte*, VaList*, int>)&ExportIsoc99Vsscanf;
            s_badUnread = 0;
            s_glibc = new Result[cases.Count];
            s_ours = new Result[cases.Count];
            runAll(&Collect, ours);

            var failures = new List<string>();
            int eofs = 0, positions = 0;
            for (int id = 0; id < cases.Count; id++)
            {
                Result g = s_glibc[id], o = s_ours[id];
                if (g.Ret == -1) eofs++;
                var problems = new List<string>();
                if (g.Ret != o.Ret) problems.Add($"returned {o.Ret}, glibc {g.Ret}");
                if (g.Errno != o.Errno) problems.Add($"errno {o.Errno}, glibc {g.Errno}");
                if (!g.Data.AsSpan().SequenceEqual(o.Data)) problems.Add("stored " + FirstDifference(g.Data, o.Data));
                if (o.Position >= 0)
                {
                    positions++;
                    if (o.Position != g.Position) problems.Add($"stopped at {o.Position}, glibc at {g.Position}");
                }
                if (problems.Count > 0 && failures.Count < 400) failures.Add($"#{id} ({cases[id].Origin}) {cases[id]}: {string.Join("; ", problems)}");
                else if (problems.Count > 0) failures.Add("");
            }
            _log.WriteLine($"{cases.Count} cases ({handWritten} hand-written), {cases.Count - eofs} with items and {eofs} returning EOF in glibc; " +
                $"stopping position compared for {positions}");
 Assert.Equal(0, s_badUnread);
            Assert.True(failures.Count == 0, $"{failures.Count} cases differ from glibc:\n" + string.Join("\n", failures.Where(f => f.Length > 0)));
        }
        finally
        {
            s_glibc = s_ours = null;
            HostGlibc.Unload(library);
        }
    }

    private static string FirstDifference(byte[] expected, byte[] actual)
    {
        int at = 0;
        while (at < expected.Length && at < actual.Length && expected[at] == actual[at]) at++;
        string Around(byte[] b) => Convert.ToHexString(b.Skip(Math.Max(0, at - 4)).Take(16).ToArray());
        return $"differently at byte {at} (argument {at / 256}): glibc {Around(expected)}, ours {Around(actual)}";
    }

    // ---------------------------------------------------------------------------------------------
    // What the host's glibc (2.36) cannot check: glibc 2.38's %b and __isoc23 0b prefixes, 2.39's %wN.

    private static int ScanWith(ScanMode mode, string input, string format, void* a0 = null, void* a1 = null)
    {
        using var arena = new HostGlibc.Arena();
        byte* registers = arena.Alloc(176);
        ((ulong*)registers)[2] = (ulong)a0;     // gp_offset 16: the two named arguments used rdi and rsi
        ((ulong*)registers)[3] = (ulong)a1;
        var va = new VaList { GpOffset = 16, FpOffset = 48, OverflowArgArea = arena.Alloc(64), RegSaveArea = registers };
        return Scanf.ScanString(arena.CString(input), arena.CString(format), &va, mode);
    }

    [Fact]
    public void NewerGlibcConversions()
    {
        long v = 0;
        int n = 0;
        Assert.Equal(1, ScanWith(ScanMode.IsoC99, "101 ", "%lb%n", &v, &n));
        Assert.Equal((5L, 3), (v, n));
        Assert.Equal(1, ScanWith(ScanMode.IsoC99, "0b11x", "%lb%n", &v, &n));
        Assert.Equal((3L, 4), (v, n));
        Assert.Equal(1, ScanWith(ScanMode.IsoC99, "0b11", "%li%n", &v, &n));      // C99: "0", then b
        Assert.Equal((0L, 1), (v, n));
        Assert.Equal(1, ScanWith(ScanMode.IsoC23, "0b11", "%li%n", &v, &n));      // C23: binary
        Assert.Equal((3L, 4), (v, n));
        Assert.Equal(1, ScanWith(ScanMode.IsoC23, "-0B101", "%li%n", &v, &n));
        Assert.Equal((-5L, 6), (v, n));
        Assert.Equal(1, ScanWith(ScanMode.IsoC23, "0x1f", "%li%n", &v, &n));
        Assert.Equal((31L, 4), (v, n));
        v = -1;
        Assert.Equal(1, ScanWith(ScanMode.IsoC99, "300", "%w8d", &v));
        Assert.Equal(unchecked((long)0xFFFFFFFFFFFFFF2C), v);                       // one byte: 300 & 0xff = 0x2c
        v = -1;
        Assert.Equal(1, ScanWith(ScanMode.IsoC99, "70000", "%w16u", &v));
        Assert.Equal(unchecked((long)0xFFFFFFFFFFFF1170), v);
        Assert.Equal(1, ScanWith(ScanMode.IsoC99, "-9000000000", "%w64d", &v));
        Assert.Equal(-9000000000L, v);
        Assert.Equal(1, ScanWith(ScanMode.IsoC99, "-9000000000", "%wf16d", &v));  // int_fast16_t is 64 bits
        Assert.Equal(-9000000000L, v);
        HostGlibc.Errno = 0;
        Assert.Equal(0, ScanWith(ScanMode.IsoC99, "5", "%w7d", &v));
        Assert.Equal(22, HostGlibc.Errno);
    }

    [Fact]
    public void FormatNullIsEinval()
    {
        HostGlibc.Errno = 0;
        using var arena = new HostGlibc.Arena();
        var va = new VaList { GpOffset = 48, FpOffset = 176, OverflowArgArea = arena.Alloc(16), RegSaveArea = arena.Alloc(176) };
        Assert.Equal(-1, Scanf.ScanString(arena.CString("1"), null, &va, ScanMode.IsoC99));
        Assert.Equal(22, HostGlibc.Errno);
    }
}
