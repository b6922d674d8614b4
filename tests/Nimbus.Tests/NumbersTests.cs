using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using Nimbus.Kernel.Libc;
using Nimbus.Kernel.Libc.Ctype;
using Nimbus.Kernel.Libc.Stdlib;
using Xunit;
using Xunit.Abstractions;

namespace Nimbus.Tests;

// Compiles C helpers with gcc into a shared library loaded into the test process, so the kernel's
// libc functions can be compared with the host glibc call for call (gcc is required: the expected
// answers come from glibc). Also routes the libc's errno and malloc hooks to the test (the one errno
// sink of every hosted test that checks errno: NumbersTests, ScanTests, MathLibTests).
internal static unsafe class HostGlibc
{
    [ThreadStatic] public static int Errno;

    private static void CaptureErrno(int e) => Errno = e;
    private static int ReadErrno() => Errno;
    private static void* Allocate(ulong size) => NativeMemory.Alloc((nuint)Math.Max(size, 1UL));
    private static void* Reallocate(void* p, ulong size) => NativeMemory.Realloc(p, (nuint)Math.Max(size, 1UL));
    private static void Release(void* p) => NativeMemory.Free(p);

    // Installed once and never removed: test classes run in parallel, errno is per thread.
    public static void InstallHooks()
    {
        Nimbus.Kernel.Abi.Errno.Sink = &CaptureErrno;
        Numbers.GetErrno = &ReadErrno;
        Numbers.Allocate = &Allocate;
        Numbers.Reallocate = &Reallocate;
        Numbers.Release = &Release;
    }

    public static string Run(string file, string arguments)
    {
        var psi = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        Process p;
        try { p = Process.Start(psi)!; }
        catch (Exception e) { throw new InvalidOperationException($"{file} is required by these tests (the expected answers come from the host's glibc): {e.Message}"); }
        string stdout = p.StandardOutput.ReadToEndAsync().Result;
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {arguments} failed ({p.ExitCode}):\n{stderr}\n{stdout}");
        return stdout;
    }

    // Builds `source` into a shared library and loads it; the directory goes when the library is freed.
    public static (IntPtr Handle, string Directory) Load(string source, string name)
    {
        string dir = System.IO.Directory.CreateTempSubdirectory($"nimbus-{name}-").FullName;
        string c = Path.Combine(dir, name + ".c"), so = Path.Combine(dir, "lib" + name + ".so");
        File.WriteAllText(c, source);
        Run("gcc", $"-shared -fPIC -O1 -fno-builtin -w -o \"{so}\" \"{c}\"");
        return (NativeLibrary.Load(so), dir);
    }

    public static void Unload((IntPtr Handle, string Directory) library)
    {
        NativeLibrary.Free(library.Handle);
        System.IO.Directory.Delete(library.Directory, true);
    }

    // A NUL-terminated copy of bytes in native memory, freed with the arena.
    public sealed class Arena : IDisposable
    {
        private readonly List<IntPtr> _blocks = new();
        public byte* Alloc(long size)
        {
            var p = (byte*)NativeMemory.AllocZeroed((nuint)Math.Max(size, 16));
            _blocks.Add((IntPtr)p);
            return p;
        }
        public byte* CString(byte[] bytes)
        {
            byte* p = Alloc(bytes.Length + 1);
            bytes.CopyTo(new Span<byte>(p, bytes.Length));
            return p;
        }
        public byte* CString(string s) => CString(Encoding.Latin1.GetBytes(s));
        public void Dispose() { foreach (var b in _blocks) NativeMemory.Free((void*)b); _blocks.Clear(); }
    }

    public static string Show(string s, int max = 160)
    {
        var sb = new StringBuilder();
        foreach (char ch in s.Take(max)) sb.Append(ch is >= ' ' and < (char)127 && ch != '\\' ? ch.ToString() : $"\\x{(int)ch:x2}");
        if (s.Length > max) sb.Append($"...({s.Length} chars)");
        return sb.ToString();
    }
}

// strtol/strtod and friends, <ctype.h>, div and qsort against the host's glibc.
public unsafe class NumbersTests
{
    private readonly ITestOutputHelper _log;
    public NumbersTests(ITestOutputHelper log) { _log = log; HostGlibc.InstallHooks(); }

    private const string HelperSource = """
        #define _GNU_SOURCE
        #include <ctype.h>
        #include <errno.h>
        #include <inttypes.h>
        #include <locale.h>
        #include <stdint.h>
        #include <stdlib.h>
        #include <string.h>

        static locale_t c_locale;
        void use_c_locale(void) { if (!c_locale) c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); uselocale(c_locale); }

        #define UNTOUCHED ((char *)1)
        static long offset(const char *s, char *e) { return e == UNTOUCHED ? -1000 : e - s; }

        long host_strtol(const char *s, int base, long *end, int *err) { char *e = UNTOUCHED; errno = 0; long v = strtol(s, &e, base); *err = errno; *end = offset(s, e); return v; }
        long long host_strtoll(const char *s, int base, long *end, int *err) { char *e = UNTOUCHED; errno = 0; long long v = strtoll(s, &e, base); *err = errno; *end = offset(s, e); return v; }
        intmax_t host_strtoimax(const char *s, int base, long *end, int *err) { char *e = UNTOUCHED; errno = 0; intmax_t v = strtoimax(s, &e, base); *err = errno; *end = offset(s, e); return v; }
        unsigned long host_strtoul(const char *s, int base, long *end, int *err) { char *e = UNTOUCHED; errno = 0; unsigned long v = strtoul(s, &e, base); *err = errno; *end = offset(s, e); return v; }
        unsigned long long host_strtoull(const char *s, int base, long *end, int *err) { char *e = UNTOUCHED; errno = 0; unsigned long long v = strtoull(s, &e, base); *err = errno; *end = offset(s, e); return v; }
        uintmax_t host_strtoumax(const char *s, int base, long *end, int *err) { char *e = UNTOUCHED; errno = 0; uintmax_t v = strtoumax(s, &e, base); *err = errno; *end = offset(s, e); return v; }
        int host_atoi(const char *s, int *err) { errno = 0; int v = atoi(s); *err = errno; return v; }
        long host_atol(const char *s, int *err) { errno = 0; long v = atol(s); *err = errno; return v; }
        long long host_atoll(const char *s, int *err) { errno = 0; long long v = atoll(s); *err = errno; return v; }

        uint64_t host_strtod(const char *s, long *end, int *err) { char *e = UNTOUCHED; errno = 0; double d = strtod(s, &e); *err = errno; *end = offset(s, e); uint64_t b; memcpy(&b, &d, 8); return b; }
        uint32_t host_strtof(const char *s, long *end, int *err) { char *e = UNTOUCHED; errno = 0; float d = strtof(s, &e); *err = errno; *end = offset(s, e); uint32_t b; memcpy(&b, &d, 4); return b; }
        void host_strtold(const char *s, long *end, int *err, unsigned char *out) { char *e = UNTOUCHED; errno = 0; long double d = strtold(s, &e); *err = errno; *end = offset(s, e); memcpy(out, &d, 10); }
        uint64_t host_atof(const char *s, int *err) { errno = 0; double d = atof(s); *err = errno; uint64_t b; memcpy(&b, &d, 8); return b; }

        int host_ctype(int which, int c)
        {
            switch (which)
            {
                case 0: return (isalnum)(c);  case 1: return (isalpha)(c);  case 2: return (isblank)(c);
                case 3: return (iscntrl)(c);  case 4: return (isdigit)(c);  case 5: return (isgraph)(c);
                case 6: return (islower)(c);  case 7: return (isprint)(c);  case 8: return (ispunct)(c);
                case 9: return (isspace)(c);  case 10: return (isupper)(c); case 11: return (isxdigit)(c);
                case 12: return (isascii)(c); case 13: return (toascii)(c); case 14: return (toupper)(c);
                case 15: return (tolower)(c); case 16: return _toupper(c);  case 17: return _tolower(c);
            }
            return -12345;
        }
        const unsigned short *host_ctype_b(void) { return *__ctype_b_loc(); }
        const int32_t *host_ctype_toupper(void) { return *__ctype_toupper_loc(); }
        const int32_t *host_ctype_tolower(void) { return *__ctype_tolower_loc(); }

        /* Calls our div family through a C function pointer: the struct must come back as SysV says. */
        int check_div(div_t (*f)(int, int), int a, int b, int *q, int *r) { div_t x = f(a, b); div_t y = div(a, b); *q = x.quot; *r = x.rem; return x.quot == y.quot && x.rem == y.rem; }
        int check_ldiv(ldiv_t (*f)(long, long), long a, long b, long *q, long *r) { ldiv_t x = f(a, b); ldiv_t y = ldiv(a, b); *q = x.quot; *r = x.rem; return x.quot == y.quot && x.rem == y.rem; }
        int check_lldiv(lldiv_t (*f)(long long, long long), long long a, long long b) { lldiv_t x = f(a, b); lldiv_t y = lldiv(a, b); return x.quot == y.quot && x.rem == y.rem; }
        int check_imaxdiv(imaxdiv_t (*f)(intmax_t, intmax_t), intmax_t a, intmax_t b) { imaxdiv_t x = f(a, b); imaxdiv_t y = imaxdiv(a, b); return x.quot == y.quot && x.rem == y.rem; }
        int check_abs(int (*f)(int), int v) { return f(v) == abs(v); }
        int check_labs(long (*f)(long), long v) { return f(v) == labs(v); }

        /* Compares the first compare_length bytes: less than the element size leaves ties to keep in order. */
        static size_t compare_length;
        void set_compare_length(size_t n) { compare_length = n; }
        int compare_bytes(const void *a, const void *b) { return memcmp(a, b, compare_length); }
        int compare_bytes_r(const void *a, const void *b, void *length) { return memcmp(a, b, *(size_t *)length); }
        static long comparisons;
        long take_comparisons(void) { long n = comparisons; comparisons = 0; return n; }
        int compare_int(const void *a, const void *b) { comparisons++; int x = *(const int *)a, y = *(const int *)b; return (x > y) - (x < y); }
        void host_qsort(void *base, size_t n, size_t size, size_t length) { compare_length = length; qsort(base, n, size, compare_bytes); }
        void *host_bsearch(const void *key, const void *base, size_t n, size_t size) { compare_length = size; return bsearch(key, base, n, size, compare_bytes); }
        """;

    private static (IntPtr Handle, string Directory) s_library;
    private static readonly object s_lock = new();

    private static IntPtr Library
    {
        get
        {
            lock (s_lock)
            {
                if (s_library.Handle == IntPtr.Zero) s_library = HostGlibc.Load(HelperSource, "numbers");
                return s_library.Handle;
            }
        }
    }

    private static void* Export(string name) => (void*)NativeLibrary.GetExport(Library, name);

    private static void UseCLocale() => ((delegate* unmanaged<void>)Export("use_c_locale"))();

    // ---------------------------------------------------------------------------------------------
    // Integers

    private static List<string> IntegerStrings()
    {
        var list = new List<string>
        {
            "", " ", "+", "-", "0", "-0", "+0", "00", "1", "-1", "12abc", "  42", "\t\n\v\f\r 7", " - 5", "--5", "+-5", "-+5",
            "0x", "0X", "0x ", "0xg", "-0x", "+0x", " 0x", "0x0", "0x1f", "0X1F", "0xFFz", "-0x10", "0x0x1", "00x1", "0xx1",
            "0b", "0b1", "0B101", "-0b11", "0b2", "0b", "0o7", "0777", "0778", "08", "09", "-077", "z", "Z", "zz", "ZZZZZZZZZZZZZ",
            "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
            "18446744073709551615", "18446744073709551616", "-18446744073709551615", "-18446744073709551616",
            "99999999999999999999999999999999", "-99999999999999999999999999999999", "0xffffffffffffffff", "0x10000000000000000",
            "-0xffffffffffffffff", "0x7fffffffffffffff", "0x8000000000000000", "-0x8000000000000000", "-0x8000000000000001",
            "01777777777777777777777", "02000000000000000000000", "1777777777777777777777", "2147483647", "2147483648",
            "-2147483648", "-2147483649", "4294967295", "4294967296", "99999999999", "-99999999999", "3w5e11", "1y2p0", "12 34",
            "\u00a0 1", "1\u00ff", "0000000000000000000000000000000000000000000000012", "+0x7FFFFFFFFFFFFFFF", "Inf", "nan", ".5", "5.",
        };
        var rng = new Random(11);
        const string alphabet = "0123456789abcdefxyzABCDEFXYZ+- \t.";
        for (int i = 0; i < 3000; i++)
        {
            var sb = new StringBuilder();
            int kind = rng.Next(6);
            if (rng.Next(4) == 0) sb.Append(" \t\n"[rng.Next(3)], rng.Next(1, 3));
            if (rng.Next(3) == 0) sb.Append("+-"[rng.Next(2)]);
            if (kind == 0) sb.Append("0x");
            else if (kind == 1) sb.Append('0');
            else if (kind == 2) sb.Append("0b");
            int digits = rng.Next(0, rng.Next(2) == 0 ? 8 : 30);
            for (int d = 0; d < digits; d++) sb.Append(kind == 5 ? alphabet[rng.Next(alphabet.Length)] : "0123456789abcdefABCDEFzZ"[rng.Next(kind == 3 ? 10 : 24)]);
            list.Add(sb.ToString());
        }
        // Values near every power of two, in several bases.
        for (int bit = 0; bit < 64; bit++)
            foreach (long delta in new long[] { -1, 0, 1 })
            {
                ulong v = (1UL << bit) + (ulong)delta;
                list.Add(v.ToString(CultureInfo.InvariantCulture));
                list.Add("-" + v.ToString(CultureInfo.InvariantCulture));
                list.Add("0x" + v.ToString("x", CultureInfo.InvariantCulture));
                list.Add("0" + Convert.ToString((long)v, 8));
            }
        return list;
    }

    private static readonly int[] Bases = [0, 10, 16, 8, 2, 36, 3, 7, 17, 35, 1, -1, 37, 100];

    private struct SignedPair
    {
        public string Name;
        public delegate* unmanaged<byte*, int, long*, int*, long> Host;
        public delegate*<byte*, byte**, int, long> Ours;
    }

    private struct UnsignedPair
    {
        public string Name;
        public delegate* unmanaged<byte*, int, long*, int*, ulong> Host;
        public delegate*<byte*, byte**, int, ulong> Ours;
    }

    private struct CtypeFunction
    {
        public delegate*<int, int> Ours;
        public bool TableOnly;
    }

    [Fact, Trait("needs", "host-glibc")]
    public void IntegersMatchHostGlibc()
    {
        GlibcVersion.RequireAssumed();
        UseCLocale();
        var strtol = (delegate* unmanaged<byte*, int, long*, int*, long>)Export("host_strtol");
        var strtoll = (delegate* unmanaged<byte*, int, long*, int*, long>)Export("host_strtoll");
        var strtoimax = (delegate* unmanaged<byte*, int, long*, int*, long>)Export("host_strtoimax");
        var strtoul = (delegate* unmanaged<byte*, int, long*, int*, ulong>)Export("host_strtoul");
        var strtoull = (delegate* unmanaged<byte*, int, long*, int*, ulong>)Export("host_strtoull");
        var strtoumax = (delegate* unmanaged<byte*, int, long*, int*, ulong>)Export("host_strtoumax");
        var atoi = (delegate* unmanaged<byte*, int*, int>)Export("host_atoi");
        var atol = (delegate* unmanaged<byte*, int*, long>)Export("host_atol");
        var atoll = (delegate* unmanaged<byte*, int*, long>)Export("host_atoll");

        // Ours: strtoll, strtoimax and strtoq are aliases of strtol (Libc/Aliases.txt), and so on.
        var signedPairs = new SignedPair[]
        {
            new() { Name = "strtol", Host = strtol, Ours = &Numbers.Strtol }, new() { Name = "strtoll", Host = strtoll, Ours = &Numbers.Strtol },
            new() { Name = "strtoimax", Host = strtoimax, Ours = &Numbers.Strtol }, new() { Name = "strtoq", Host = strtol, Ours = &Numbers.Strtol },
        };
        var unsignedPairs = new UnsignedPair[]
        {
            new() { Name = "strtoul", Host = strtoul, Ours = &Numbers.Strtoul }, new() { Name = "strtoull", Host = strtoull, Ours = &Numbers.Strtoul },
            new() { Name = "strtoumax", Host = strtoumax, Ours = &Numbers.Strtoul }, new() { Name = "strtouq", Host = strtoul, Ours = &Numbers.Strtoul },
        };

        var failures = new List<string>();
        int compared = 0;
        using var arena = new HostGlibc.Arena();
        foreach (string text in IntegerStrings())
        {
            byte* s = arena.CString(text);
            foreach (int b in Bases)
            {
                foreach (var pair in signedPairs)
                {
                    string name = pair.Name;
                    var host = pair.Host;
                    var ours = pair.Ours;
                    long hostEnd; int hostErr;
                    long expected = host(s, b, &hostEnd, &hostErr);
                    byte* e = (byte*)1;
                    HostGlibc.Errno = 0;
                    long actual = ours(s, &e, b);
                    long end = e == (byte*)1 ? -1000 : e - s;
                    compared++;
                    if (actual != expected || end != hostEnd || HostGlibc.Errno != hostErr)
                        failures.Add($"{name}(\"{HostGlibc.Show(text)}\", {b}): glibc {expected} end {hostEnd} errno {hostErr}; ours {actual} end {end} errno {HostGlibc.Errno}");
                }
                foreach (var pair in unsignedPairs)
                {
                    string name = pair.Name;
                    var host = pair.Host;
                    var ours = pair.Ours;
                    long hostEnd; int hostErr;
                    ulong expected = host(s, b, &hostEnd, &hostErr);
                    byte* e = (byte*)1;
                    HostGlibc.Errno = 0;
                    ulong actual = ours(s, &e, b);
                    long end = e == (byte*)1 ? -1000 : e - s;
                    compared++;
                    if (actual != expected || end != hostEnd || HostGlibc.Errno != hostErr)
                        failures.Add($"{name}(\"{HostGlibc.Show(text)}\", {b}): glibc {expected} end {hostEnd} errno {hostErr}; ours {actual} end {end} errno {HostGlibc.Errno}");
                }
            }
            int err;
            HostGlibc.Errno = 0;
            int ai = atoi(s, &err);
            if (((delegate*<byte*, int>)&Numbers.Atoi)(s) != ai || HostGlibc.Errno != err) failures.Add($"atoi(\"{HostGlibc.Show(text)}\"): glibc {ai} errno {err}");
            HostGlibc.Errno = 0;
            long al = atol(s, &err);
            if (((delegate*<byte*, long>)&Numbers.Atol)(s) != al || HostGlibc.Errno != err) failures.Add($"atol(\"{HostGlibc.Show(text)}\"): glibc {al} errno {err}");
            HostGlibc.Errno = 0;
            long all = atoll(s, &err);
            if (((delegate*<byte*, long>)&Numbers.Atol)(s) != all || HostGlibc.Errno != err) failures.Add($"atoll(\"{HostGlibc.Show(text)}\"): glibc {all} errno {err}");
            compared += 3;
        }
        _log.WriteLine($"{compared} integer conversions compared with glibc");
        Assert.True(failures.Count == 0, $"{failures.Count} mismatches:\n" + string.Join("\n", failures.Take(40)));
    }

    // glibc 2.38's __isoc23_strto* also take 0b/0B for base 0 and 2; the host's glibc is older, so
    // these are checked against what that version documents, and otherwise against plain strtol.
    [Fact]
    public void Isoc23VariantsReadBinaryPrefixes()
    {
        UseCLocale();
        var hostStrtol = (delegate* unmanaged<byte*, int, long*, int*, long>)Export("host_strtol");
        using var arena = new HostGlibc.Arena();
        (long Value, long End, int Errno) Ours(string text, int b, bool isoc23)
        {
            byte* s = arena.CString(text);
            byte* e = (byte*)1;
            HostGlibc.Errno = 0;
            long v = isoc23 ? ((delegate*<byte*, byte**, int, long>)&Numbers.Isoc23Strtol)(s, &e, b)
                : ((delegate*<byte*, byte**, int, long>)&Numbers.Strtol)(s, &e, b);
            return (v, e == (byte*)1 ? -1000 : e - s, HostGlibc.Errno);
        }
        Assert.Equal((5L, 5L, 0), Ours("0b101", 0, true));
        Assert.Equal((5L, 5L, 0), Ours("0B101", 2, true));
        Assert.Equal((-3L, 6L, 0), Ours(" -0b11", 0, true));
        Assert.Equal((0L, 1L, 0), Ours("0b", 0, true));
        Assert.Equal((0L, 1L, 0), Ours("0b2", 2, true));
        Assert.Equal((0L, 1L, 0), Ours("0b2", 0, true));
        Assert.Equal((0xb1L, 3L, 0), Ours("0b1", 16, true));
        Assert.Equal((0L, 1L, 0), Ours("0b1", 10, true));
        Assert.Equal((0L, 1L, 0), Ours("0b1", 0, false));
        Assert.Equal((long.MaxValue, 68L, 34), Ours("0b" + new string('1', 66), 0, true));
        var ul = ((delegate*<byte*, byte**, int, ulong>)&Numbers.Isoc23Strtoul);
        byte* t = arena.CString("0b1111");
        Assert.Equal(15UL, ul(t, null, 0));
        int compared = 0;
        foreach (string text in IntegerStrings().Where(x => !x.Contains('b') && !x.Contains('B')))
            foreach (int b in Bases)
            {
                long hostEnd; int hostErr;
                long expected = hostStrtol(arena.CString(text), b, &hostEnd, &hostErr);
                Assert.Equal((expected, hostEnd, hostErr), Ours(text, b, true));
                compared++;
            }
        _log.WriteLine($"{compared} __isoc23_strtol conversions compared with glibc's strtol");
    }

    // ---------------------------------------------------------------------------------------------
    // Floating point

    private static readonly string[] FloatEdgeCases =
    [
        "", " ", "+", "-", ".", "-.", "+.e1", ".e1", "e1", "1e", "1e+", "1e-", "1E5", "1e+5", "1e-5", "1.e5", ".5", "5.", "-.5e-3", "0", "-0", "+0",
        "0.", "-0.0", "00000", "0e999999999999999999", "-0e-999999999999", "0.000e5", "1.5x", "  \t\n\v\f\r-2.5", "1,5", "1..5", "1.5.3",
        "2.2250738585072011e-308", "2.2250738585072012e-308", "2.2250738585072014e-308", "2.225073858507201136057409796709131975934819546351645648e-308",
        "1e23", "8.98846567431158e307", "8.988465674311579e307", "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
        "1.797693134862315807937289714053e308", "1.797693134862315807937289714054e308", "1e308", "1e309", "-1e309", "1e400", "-1e400", "1e-400",
        "-1e-400", "4.9406564584124654e-324", "4.9406564584124654e-325", "2.4703282292062327e-324", "2.4703282292062328e-324",
        "2.47032822920623272088284396434110686182529901307162382212792841250337753635104375932649918180817996189898282347722858865463328355177969898199387398005390939063150356595155702263922908583924491051844359318028499365361525003193704576782492193656236698636584807570015857692699037063119282795585513329278343384093519780155312465972635795746227664652728272200563740064854999770965994704540208281662262378573934507363390079677619305775067401763246736009689513405355374585166611342237666786041621596804619144672918403005300575308490487653917113865916462395249126236538818796362393732804238910186723484976682350898633885879256283027559956575244555072551893136908362547791869486679949683240497058210285131854513962138377228261454376934125320985913276672363281255e-324",
        "1e-320", "1e-310", "3e-324", "1.5e-323", "0x1p-1074", "0x1p-1075", "0x1.8p-1075", "0x1p-1076", "0x1.0000000000001p-1075", "0x1.fffffffffffffp-1023",
        "0x1.fffffffffffff8p-1023", "0x1.fffffffffffff7p-1023", "0x1.fffffffffffffp1023", "0x1.fffffffffffff7ffp1023", "0x1.fffffffffffff8p1023", "0x1p1024",
        "0x1.8p3", "0X1.8P3", "0x.8p1", "0x8.p-3", "0x", "0X", "0x.", "0xp1", "0x.p1", "0xg", "-0x", "0x0", "-0x0p99999", "0x0.0", "0x1p", "0x1p+", "0x1p-",
        "0x1P+2", "0x123456789abcdef0123456789abcdefp-200", "0x1.00000000000008p0", "0x1.00000000000008000000000001p0", "0x1.00000000000018p0",
        "0xffffffffffffffffffffffffffffffffffffffffffffff", "0x0000000000000000000001p0", "0x.000000000000001", "0x1p99999999999999999999",
        "0x1p-99999999999999999999", "0x1e", "0x1e+5", "0xep1", "0x1.p", "0x1.", "0x.1",
        "inf", "INF", "-Inf", "+iNf", "infinity", "INFINITY", "-infinity", "infinit", "infin", "infx", "in", "i", "-i", "nan", "NaN", "-nan", "+NAN",
        "nan()", "nan(123)", "-nan(123)", "nan(0x7ff)", "nan(0X10)", "nan(017)", "nan(abc)", "nan(_)", "nan(1_2)", "nan(12", "nan(", "nan(-1)", "nan( 1)",
        "nan(99999999999999999999999)", "nan(0xfffffffffffffffff)", "nan(0x8000000000000)", "nan(0x4000000000000)", "nan(0xffffffffffffffff)", "nanx", "na",
        "nan(1)(2)", "nan)", "nan(0x1p3)", "nan(0b11)", "1e-4951", "1e-4952", "1e-4950", "3.6e-4951", "1e4932", "1.2e4932", "1e4933", "-1e4933",
        "3.4028235e38", "3.4028236e38", "3.40282356779733661637539395458142568448e38", "3.40282356779733661637539395458142568447e38", "1e39", "1e-45",
        "1.4e-45", "7e-46", "7.006492321624085354618647916449580656401e-46", "7.006492321624085354618647916449580656402e-46", "1.17549435e-38",
        "1.1754942e-38", "0.1", "0.2", "0.3", "1.1", "123456789012345678901234567890", "9007199254740993", "9007199254740993.0000000000000000001",
        "4503599627370496.5", "4503599627370497.5", "0.500000000000000166533453693773481063544750213623046875",
        "0.500000000000000166533453693773481063544750213623046874", "0.500000000000000166533453693773481063544750213623046876",
        "1" + new string('0', 400) + "e-400", "0." + new string('0', 400) + "1e400", new string('9', 1000), "0." + new string('9', 1000),
        "1." + new string('0', 2000) + "1", new string('0', 3000) + "1", "1" + new string('0', 330),
    ];

    // The exact decimal of a binary value m * 2^e, in scientific form.
    private static string ExactDecimal(BigInteger m, int e)
    {
        if (m.IsZero) return "0";
        BigInteger digits;
        int power10;
        if (e >= 0) { digits = m << e; power10 = 0; }
        else { digits = m * BigInteger.Pow(5, -e); power10 = e; }
        string d = digits.ToString(CultureInfo.InvariantCulture);
        int exponent = d.Length - 1 + power10;
        string mantissa = d.Length == 1 ? d : d[0] + "." + d[1..];
        return mantissa + "e" + exponent.ToString(CultureInfo.InvariantCulture);
    }

    // Decimal strings at and next to the midpoint between neighbouring values of a format with
    // `precision` bits, exponent range from minExponent, for random significands and exponents.
    private static IEnumerable<string> HalfwayCases(Random rng, int precision, int minExponent, int maxExponent, int count)
    {
        for (int i = 0; i < count; i++)
        {
            int exponent = rng.Next(4) switch
            {
                0 => minExponent - precision + 1 + rng.Next(precision + 2),   // subnormals and the normal boundary
                1 => maxExponent - rng.Next(3),
                2 => rng.Next(-70, 70),
                _ => rng.Next(minExponent, maxExponent + 1),
            };
            bool subnormal = exponent < minExponent;
            BigInteger m = subnormal ? new BigInteger(rng.NextInt64(1, long.MaxValue)) % (BigInteger.One << (precision - 1)) : (BigInteger.One << (precision - 1)) + (new BigInteger(rng.NextInt64(0, long.MaxValue)) % (BigInteger.One << (precision - 1)));
            if (rng.Next(8) == 0) m = (BigInteger.One << precision) - 1;     // all ones: rounding carries
            int e = (subnormal ? minExponent : exponent) - (precision - 1);
            BigInteger mid = 2 * m + 1;
            string exact = ExactDecimal(mid, e - 1);
            yield return exact;
            int ePos = exact.IndexOf('e');
            string mantissa = exact[..ePos], exp = exact[ePos..];
            yield return mantissa + (mantissa.Contains('.') ? "" : ".") + "0000001" + exp;  // just above
            // Just below: subtract one unit in a further digit.
            string digits = mantissa.Replace(".", "");
            BigInteger below = BigInteger.Parse(digits + "0", CultureInfo.InvariantCulture) - 1;
            string b = below.ToString(CultureInfo.InvariantCulture);
            yield return b[0] + "." + b[1..] + "e" + (int.Parse(exp[1..], CultureInfo.InvariantCulture) + (b.Length - digits.Length - 1)).ToString(CultureInfo.InvariantCulture);
            // The representable value itself, at full and short precision.
            yield return ExactDecimal(m, e);
        }
    }

    private static List<string> FloatStrings()
    {
        var list = new List<string>(FloatEdgeCases);
        var rng = new Random(5);
        // Random doubles, printed several ways.
        for (int i = 0; i < 3000; i++)
        {
            long bits = rng.NextInt64() & long.MaxValue;
            if (rng.Next(4) == 0) bits &= 0x000FFFFFFFFFFFFF | (long)rng.Next(3) << 52;   // subnormals and the smallest normals
            double d = BitConverter.Int64BitsToDouble(bits);
            if (!double.IsFinite(d)) continue;
            string[] formats = ["R", "E16", "E17", "E20", "G15", "F2"];
            string s = d.ToString(formats[rng.Next(formats.Length)], CultureInfo.InvariantCulture);
            if (s.Length > 400) s = d.ToString("R", CultureInfo.InvariantCulture);
            list.Add(rng.Next(4) == 0 ? "-" + s : s);
            float f = BitConverter.Int32BitsToSingle(rng.Next() & int.MaxValue);
            if (float.IsFinite(f)) list.Add(f.ToString(rng.Next(2) == 0 ? "R" : "E9", CultureInfo.InvariantCulture));
        }
        // Random decimal digit strings with random exponents.
        for (int i = 0; i < 3000; i++)
        {
            var sb = new StringBuilder();
            if (rng.Next(5) == 0) sb.Append(" \t"[rng.Next(2)]);
            if (rng.Next(3) == 0) sb.Append("+-"[rng.Next(2)]);
            int length = rng.Next(10) == 0 ? rng.Next(100, 1200) : rng.Next(1, 40);
            int point = rng.Next(-1, length + 1);
            for (int k = 0; k < length; k++)
            {
                if (k == point) sb.Append('.');
                sb.Append((char)('0' + (rng.Next(3) == 0 ? 0 : rng.Next(10))));
            }
            if (rng.Next(3) != 0) sb.Append("eE"[rng.Next(2)]).Append(rng.Next(3) == 0 ? "-" : rng.Next(2) == 0 ? "+" : "").Append(rng.Next(0, rng.Next(2) == 0 ? 30 : 400));
            if (rng.Next(8) == 0) sb.Append("xyz.e5"[rng.Next(6)]);
            list.Add(sb.ToString());
        }
        // Random hexadecimal floats.
        for (int i = 0; i < 1500; i++)
        {
            var sb = new StringBuilder();
            if (rng.Next(3) == 0) sb.Append('-');
            sb.Append(rng.Next(2) == 0 ? "0x" : "0X");
            int length = rng.Next(10) == 0 ? rng.Next(30, 80) : rng.Next(0, 20);
            int point = rng.Next(-1, length + 1);
            for (int k = 0; k < length; k++)
            {
                if (k == point) sb.Append('.');
                sb.Append("0123456789abcdefABCDEF"[rng.Next(22)]);
            }
            if (rng.Next(4) != 0) sb.Append("pP"[rng.Next(2)]).Append(rng.Next(3) == 0 ? "-" : "").Append(rng.Next(0, rng.Next(2) == 0 ? 20 : 17000));
            list.Add(sb.ToString());
        }
        // The hard cases: exactly halfway between neighbours, and a hair either side.
        list.AddRange(HalfwayCases(rng, 53, -1022, 1023, 1200));
        list.AddRange(HalfwayCases(rng, 24, -126, 127, 600));
        return list;
    }

    private static List<string> ExtendedStrings()
    {
        var rng = new Random(8);
        var list = new List<string>(FloatEdgeCases);
        list.AddRange(FloatStrings().Where((_, i) => i % 3 == 0));
        // Long-double halfway points; subnormal ones run to ~11,500 digits, so only a few of those.
        foreach (string s in HalfwayCases(rng, 64, -16382, 16383, 400))
            if (s.Length < 6000 || rng.Next(40) == 0) list.Add(s);
        return list;
    }

    private static string Hex(byte[] b) => Convert.ToHexString(b);

    [Fact, Trait("needs", "host-glibc")]
    public void FloatsMatchHostGlibc()
    {
        GlibcVersion.RequireAssumed();
        UseCLocale();
        var strtod = (delegate* unmanaged<byte*, long*, int*, ulong>)Export("host_strtod");
        var strtof = (delegate* unmanaged<byte*, long*, int*, uint>)Export("host_strtof");
        var atof = (delegate* unmanaged<byte*, int*, ulong>)Export("host_atof");
        var ourStrtod = (delegate*<byte*, byte**, double>)&Numbers.Strtod;
        var ourStrtof = (delegate*<byte*, byte**, float>)&Numbers.Strtof;
        var ourAtof = (delegate*<byte*, double>)&Numbers.Atof;
        var failures = new List<string>();
        int compared = 0;
        using var arena = new HostGlibc.Arena();
        foreach (string text in FloatStrings())
        {
            byte* s = arena.CString(text);
            long hostEnd; int hostErr;
            ulong expected = strtod(s, &hostEnd, &hostErr);
            byte* e = (byte*)1;
            HostGlibc.Errno = 0;
            double d = ourStrtod(s, &e);
            ulong actual = BitConverter.DoubleToUInt64Bits(d);
            long end = e == (byte*)1 ? -1000 : e - s;
            if (actual != expected || end != hostEnd || HostGlibc.Errno != hostErr)
                failures.Add($"strtod(\"{HostGlibc.Show(text)}\"): glibc {expected:x16} end {hostEnd} errno {hostErr}; ours {actual:x16} end {end} errno {HostGlibc.Errno}");

            uint expectedF = strtof(s, &hostEnd, &hostErr);
            e = (byte*)1;
            HostGlibc.Errno = 0;
            float f = ourStrtof(s, &e);
            uint actualF = BitConverter.SingleToUInt32Bits(f);
            end = e == (byte*)1 ? -1000 : e - s;
            if (actualF != expectedF || end != hostEnd || HostGlibc.Errno != hostErr)
                failures.Add($"strtof(\"{HostGlibc.Show(text)}\"): glibc {expectedF:x8} end {hostEnd} errno {hostErr}; ours {actualF:x8} end {end} errno {HostGlibc.Errno}");

            ulong expectedA = atof(s, &hostErr);
            HostGlibc.Errno = 0;
            ulong actualA = BitConverter.DoubleToUInt64Bits(ourAtof(s));
            if (actualA != expectedA || HostGlibc.Errno != hostErr)
                failures.Add($"atof(\"{HostGlibc.Show(text)}\"): glibc {expectedA:x16} errno {hostErr}; ours {actualA:x16} errno {HostGlibc.Errno}");
            compared += 3;
        }
        _log.WriteLine($"{compared} strtod/strtof/atof conversions compared with glibc");
        Assert.True(failures.Count == 0, $"{failures.Count} mismatches:\n" + string.Join("\n", failures.Take(40)));
    }

    [Fact, Trait("needs", "host-glibc")]
    public void ExtendedMatchesHostStrtold()
    {
        GlibcVersion.RequireAssumed();
        UseCLocale();
        var strtold = (delegate* unmanaged<byte*, long*, int*, byte*, void>)Export("host_strtold");
        var failures = new List<string>();
        int compared = 0;
        using var arena = new HostGlibc.Arena();
        byte* expected = arena.Alloc(16);
        foreach (string text in ExtendedStrings())
        {
            byte* s = arena.CString(text);
            long hostEnd; int hostErr;
            strtold(s, &hostEnd, &hostErr, expected);
            byte* e = (byte*)1;
            HostGlibc.Errno = 0;
            FloatBits ours = Numbers.ParseFloat(s, &e, FloatKind.Extended);
            var actual = new byte[10];
            BitConverter.TryWriteBytes(actual.AsSpan(0, 8), ours.Bits);
            BitConverter.TryWriteBytes(actual.AsSpan(8, 2), ours.SignExponent);
            byte[] want = new ReadOnlySpan<byte>(expected, 10).ToArray();
            long end = e - s;
            compared++;
            if (!actual.AsSpan().SequenceEqual(want) || end != hostEnd || HostGlibc.Errno != hostErr)
                failures.Add($"strtold(\"{HostGlibc.Show(text)}\"): glibc {Hex(want)} end {hostEnd} errno {hostErr}; ours {Hex(actual)} end {end} errno {HostGlibc.Errno}");
        }
        _log.WriteLine($"{compared} strtold conversions compared with glibc");
        Assert.True(failures.Count == 0, $"{failures.Count} mismatches:\n" + string.Join("\n", failures.Take(40)));
    }

    [Fact]
    public void EndPointerMayBeNull()
    {
        using var arena = new HostGlibc.Arena();
        Assert.Equal(1.5, ((delegate*<byte*, byte**, double>)&Numbers.Strtod)(arena.CString("1.5"), null));
        Assert.Equal(-7L, ((delegate*<byte*, byte**, int, long>)&Numbers.Strtol)(arena.CString("-7"), null, 0));
        Assert.Equal(0L, ((delegate*<byte*, byte**, int, long>)&Numbers.Strtol)(arena.CString("0x"), null, 0));
    }

    // ---------------------------------------------------------------------------------------------
    // <ctype.h>

    [Fact, Trait("needs", "host-glibc")]
    public void CtypeMatchesHostGlibc()
    {
        GlibcVersion.RequireAssumed();
        UseCLocale();
        ushort* hostClasses = ((delegate* unmanaged<ushort*>)Export("host_ctype_b"))();
        int* hostUpper = ((delegate* unmanaged<int*>)Export("host_ctype_toupper"))();
        int* hostLower = ((delegate* unmanaged<int*>)Export("host_ctype_tolower"))();
        ushort** ourClasses = ((delegate*<ushort**>)&CharClasses.CtypeBLoc)();
        int** ourUpper = ((delegate*<int**>)&CharClasses.CtypeToupperLoc)();
        int** ourLower = ((delegate*<int**>)&CharClasses.CtypeTolowerLoc)();
        Assert.True(ourClasses == ((delegate*<ushort**>)&CharClasses.CtypeBLoc)(), "__ctype_b_loc must return the same pointer every time");
        int compared = 0;
        for (int c = -128; c < 256; c++)
        {
            Assert.True(hostClasses[c] == (*ourClasses)[c], $"__ctype_b[{c}]: glibc {hostClasses[c]:x4}, ours {(*ourClasses)[c]:x4}");
            Assert.True(hostUpper[c] == (*ourUpper)[c], $"__ctype_toupper[{c}]: glibc {hostUpper[c]}, ours {(*ourUpper)[c]}");
            Assert.True(hostLower[c] == (*ourLower)[c], $"__ctype_tolower[{c}]: glibc {hostLower[c]}, ours {(*ourLower)[c]}");
            compared += 3;
        }
        var hostCtype = (delegate* unmanaged<int, int, int>)Export("host_ctype");
        var ours = new CtypeFunction[]
        {
            new() { Ours = &CharClasses.Isalnum, TableOnly = true }, new() { Ours = &CharClasses.Isalpha, TableOnly = true },
            new() { Ours = &CharClasses.Isblank, TableOnly = true }, new() { Ours = &CharClasses.Iscntrl, TableOnly = true },
            new() { Ours = &CharClasses.Isdigit, TableOnly = true }, new() { Ours = &CharClasses.Isgraph, TableOnly = true },
            new() { Ours = &CharClasses.Islower, TableOnly = true }, new() { Ours = &CharClasses.Isprint, TableOnly = true },
            new() { Ours = &CharClasses.Ispunct, TableOnly = true }, new() { Ours = &CharClasses.Isspace, TableOnly = true },
            new() { Ours = &CharClasses.Isupper, TableOnly = true }, new() { Ours = &CharClasses.Isxdigit, TableOnly = true },
            new() { Ours = &CharClasses.Isascii }, new() { Ours = &CharClasses.Toascii }, new() { Ours = &CharClasses.UpperOf },
            new() { Ours = &CharClasses.LowerOf }, new() { Ours = &CharClasses.UpperOf, TableOnly = true }, new() { Ours = &CharClasses.LowerOf, TableOnly = true },
        };
        for (int which = 0; which < ours.Length; which++)
        {
            // glibc's is* index the table unchecked: only -128..255 is defined for them.
            var f = ours[which].Ours;
            bool tableOnly = ours[which].TableOnly;
            for (int c = tableOnly ? -128 : -1000; c < (tableOnly ? 256 : 1000); c++)
            {
                int expected = hostCtype(which, c), actual = f(c);
                Assert.True(expected == actual, $"ctype function #{which}({c}): glibc {expected}, ours {actual}");
                compared++;
            }
        }
        Assert.Equal(1 << 11, ((delegate*<int, int, int>)&CharClasses.Isctype)('7', 1 << 11));
        _log.WriteLine($"{compared} ctype table entries and calls compared with glibc");
    }

    // ---------------------------------------------------------------------------------------------
    // abs and div: called from C through function pointers, so the structs travel as SysV says.

    [Fact, Trait("needs", "host-glibc")]
    public void DivAndAbsMatchHostGlibcThroughCFunctionPointers()
    {
        GlibcVersion.RequireAssumed();
        var checkDiv = (delegate* unmanaged<void*, int, int, int*, int*, int>)Export("check_div");
        var checkLdiv = (delegate* unmanaged<void*, long, long, long*, long*, int>)Export("check_ldiv");
        var checkLldiv = (delegate* unmanaged<void*, long, long, int>)Export("check_lldiv");
        var checkImaxdiv = (delegate* unmanaged<void*, long, long, int>)Export("check_imaxdiv");
        var checkAbs = (delegate* unmanaged<void*, int, int>)Export("check_abs");
        var checkLabs = (delegate* unmanaged<void*, long, int>)Export("check_labs");
        var rng = new Random(2);
        int compared = 0;
        for (int i = 0; i < 2000; i++)
        {
            int a = rng.Next(int.MinValue, int.MaxValue) >> rng.Next(31), b = rng.Next(int.MinValue, int.MaxValue) >> rng.Next(31);
            if (b == 0) b = 3;
            if (a == int.MinValue && b == -1) b = 7;   // undefined in C
            int q, r;
            Assert.True(checkDiv((delegate*<int, int, IntQuotient>)&Numbers.Div, a, b, &q, &r) != 0, $"div({a}, {b}) gave {q} r {r}");
            long la = rng.NextInt64(long.MinValue, long.MaxValue) >> rng.Next(63), lb = rng.NextInt64(long.MinValue, long.MaxValue) >> rng.Next(63);
            if (lb == 0) lb = 5;
            if (la == long.MinValue && lb == -1) lb = 9;
            long lq, lr;
            Assert.True(checkLdiv((delegate*<long, long, LongQuotient>)&Numbers.Ldiv, la, lb, &lq, &lr) != 0, $"ldiv({la}, {lb}) gave {lq} r {lr}");
            Assert.True(checkLldiv((delegate*<long, long, LongQuotient>)&Numbers.Ldiv, la, lb) != 0, $"lldiv({la}, {lb})");
            Assert.True(checkImaxdiv((delegate*<long, long, LongQuotient>)&Numbers.Ldiv, la, lb) != 0, $"imaxdiv({la}, {lb})");
            Assert.True(checkAbs((delegate*<int, int>)&Numbers.Abs, a) != 0, $"abs({a})");
            Assert.True(checkLabs((delegate*<long, long>)&Numbers.Labs, la) != 0, $"labs({la})");
            compared += 6;
        }
        // What C leaves undefined, we define as wrapping rather than trapping.
        LongQuotient w = ((delegate*<long, long, LongQuotient>)&Numbers.Ldiv)(long.MinValue, -1);
        Assert.Equal((long.MinValue, 0L), (w.Quot, w.Rem));
        Assert.Equal(int.MinValue, ((delegate*<int, int>)&Numbers.Abs)(int.MinValue));
        _log.WriteLine($"{compared} abs/div calls compared with glibc");
    }

    // ---------------------------------------------------------------------------------------------
    // qsort, qsort_r, bsearch

    [UnmanagedCallersOnly]
    private static int CompareInt32(void* a, void* b) { int x = *(int*)a, y = *(int*)b; return x < y ? -1 : x > y ? 1 : 0; }

    private static ulong s_contradictions;

    [UnmanagedCallersOnly]
    private static int CompareAtRandom(void* a, void* b) => (int)((s_contradictions = s_contradictions * 6364136223846793005UL + 1442695040888963407UL) >> 62) - 1;

    private static byte[] MakeArray(Random rng, int count, int size, int pattern)
    {
        var data = new byte[count * size];
        switch (pattern)
        {
            case 0: rng.NextBytes(data); break;                                   // random
            case 1: for (int i = 0; i < data.Length; i++) data[i] = (byte)rng.Next(3); break;   // few distinct values
            case 2: break;                                                        // all equal
            default:                                                              // sorted, reversed, organ pipe
                for (int i = 0; i < count; i++)
                {
                    int key = pattern == 3 ? i : pattern == 4 ? count - i : Math.Min(i, count - i);
                    for (int k = 0; k < size; k++) data[i * size + k] = (byte)(k < 4 ? key >> (8 * (3 - k)) : 0);
                }
                break;
        }
        return data;
    }

    [Fact, Trait("needs", "host-glibc")]
    public void QsortSortsLikeHostGlibc()
    {
        GlibcVersion.RequireAssumed();
        var hostQsort = (delegate* unmanaged<byte*, ulong, ulong, ulong, void>)Export("host_qsort");
        var setLength = (delegate* unmanaged<ulong, void>)Export("set_compare_length");
        var compareBytes = (delegate* unmanaged<void*, void*, int>)Export("compare_bytes");
        var compareBytesR = (delegate* unmanaged<void*, void*, void*, int>)Export("compare_bytes_r");
        var qsort = (delegate*<byte*, ulong, ulong, delegate* unmanaged<void*, void*, int>, void>)&Sorting.Qsort;
        var qsortR = (delegate*<byte*, ulong, ulong, delegate* unmanaged<void*, void*, void*, int>, void*, void>)&Sorting.QsortR;
        var rng = new Random(4);
        int arrays = 0;

        // glibc's qsort is a stable merge sort: with ties (only a prefix compared) the order it leaves
        // equal keys in is unique, and ours must be the same, byte for byte.
        foreach (int size in new[] { 1, 2, 3, 4, 7, 8, 12, 16, 24, 100, 5000 })
            foreach (int count in new[] { 0, 1, 2, 3, 5, 16, 17, 33, 100, 1000, 5000 })
                for (int pattern = 0; pattern < 6; pattern++)
                    foreach (bool ties in new[] { false, true })
                    {
                        if ((size >= 24 && count > 1000) || (size == 5000 && count > 100)) continue;
                        byte[] data = MakeArray(rng, count, size, pattern);
                        if (ties) for (int i = 0; i < count; i++) data[i * size] &= 3;
                        ulong length = ties ? 1UL : (ulong)size;
                        byte[] expected = (byte[])data.Clone(), actual = (byte[])data.Clone();
                        fixed (byte* p = expected) hostQsort(p, (ulong)count, (ulong)size, length);
                        fixed (byte* p = actual)
                        {
                            setLength(length);
                            if (pattern % 3 == 0) qsort(p, (ulong)count, (ulong)size, compareBytes);
                            else if (pattern % 3 == 1) qsortR(p, (ulong)count, (ulong)size, compareBytesR, &length);
                            else Sorting.SortInPlace(p, (ulong)count, (ulong)size, compareBytes);   // as when malloc fails
                        }
                        Assert.True(expected.AsSpan().SequenceEqual(actual),
                            $"qsort of {count} elements of {size} bytes (pattern {pattern}{(ties ? ", ties" : "")}) differs from glibc");
                        arrays++;
                    }

        // Ints in patterns that break naive sorts (a million random ones): sorted, stable, and in
        // O(n log n) comparisons. Each element carries its original index, which the comparator
        // ignores. (Every call into a comparator costs a managed/native transition here.)
        var compareInt = (delegate* unmanaged<void*, void*, int>)Export("compare_int");
        var takeComparisons = (delegate* unmanaged<long>)Export("take_comparisons");
        for (int pattern = 0; pattern < 10; pattern++)
        {
            int count = pattern == 0 ? 1_000_000 : 100_000;
            long[] values = new long[count];
            for (int i = 0; i < count; i++)
            {
                int key = pattern switch
                {
                    0 => rng.Next(), 1 => rng.Next(3), 2 => 7, 3 => i, 4 => count - i, 5 => Math.Min(i, count - i), 6 => i % 1000,
                    7 => (i & 1) == 0 ? i : count - i, 8 => (int)((long)i * 7919 % count), _ => i < count / 2 ? i : i - count / 2,
                };
                values[i] = (uint)key | ((long)i << 32);
            }
            long[] expected = values.OrderBy(v => (int)v).ToArray();   // LINQ's OrderBy is stable
            takeComparisons();
            fixed (long* p = values)
            {
                if (pattern % 2 == 0) qsort((byte*)p, (ulong)count, 8, compareInt);
                else Sorting.SortInPlace((byte*)p, (ulong)count, 8, compareInt);
            }
            double perElement = takeComparisons() / (double)count;
            Assert.True(expected.AsSpan().SequenceEqual(values), $"qsort of {count} ints (pattern {pattern}) is not sorted stably");
            Assert.True(perElement < 25, $"qsort of {count} ints (pattern {pattern}) took {perElement:F1} comparisons per element");
            _log.WriteLine($"{count} ints, pattern {pattern}{(pattern % 2 == 0 ? "" : ", in place")}: {perElement:F1} comparisons per element");
            arrays++;
        }

        // A C# comparator, through the same function-pointer type.
        int[] small = Enumerable.Range(0, 5000).Select(_ => rng.Next(-100, 100)).ToArray();
        int[] smallSorted = small.OrderBy(x => x).ToArray();
        fixed (int* p = small) qsort((byte*)p, (ulong)small.Length, 4, &CompareInt32);
        Assert.True(smallSorted.AsSpan().SequenceEqual(small), "qsort with a C# comparator");

        // A comparator that contradicts itself: any order, but the same elements and no stray access.
        for (int round = 0; round < 20; round++)
        {
            int size = round % 2 == 0 ? 4 : 4800;   // large elements never fit the merge buffer
            int count = size == 4 ? rng.Next(2, 20000) : rng.Next(2, 300);
            byte[] data = new byte[count * size];
            for (int i = 0; i < count; i++) BitConverter.TryWriteBytes(data.AsSpan(i * size, 4), i);
            fixed (byte* p = data)
            {
                if (round % 4 < 2) qsort(p, (ulong)count, (ulong)size, &CompareAtRandom);
                else Sorting.SortInPlace(p, (ulong)count, (ulong)size, &CompareAtRandom);
            }
            var seen = Enumerable.Range(0, count).Select(i => BitConverter.ToInt32(data, i * size)).OrderBy(x => x);
            Assert.True(Enumerable.Range(0, count).SequenceEqual(seen), "qsort lost or duplicated elements with an inconsistent comparator");
        }
        _log.WriteLine($"{arrays} arrays sorted and compared with glibc's qsort");
    }

    [Fact, Trait("needs", "host-glibc")]
    public void BsearchFindsWhatHostGlibcFinds()
    {
        GlibcVersion.RequireAssumed();
        var hostBsearch = (delegate* unmanaged<byte*, byte*, ulong, ulong, byte*>)Export("host_bsearch");
        var setLength = (delegate* unmanaged<ulong, void>)Export("set_compare_length");
        var compareBytes = (delegate* unmanaged<void*, void*, int>)Export("compare_bytes");
        var bsearch = (delegate*<void*, byte*, ulong, ulong, delegate* unmanaged<void*, void*, int>, void*>)&Sorting.Bsearch;
        var rng = new Random(6);
        int compared = 0;
        byte* key = stackalloc byte[4];
        foreach (int count in new[] { 0, 1, 2, 3, 10, 1000 })
        {
            // Distinct sorted keys (duplicates would let either answer be right).
            var keys = new SortedSet<int>();
            while (keys.Count < count) keys.Add(rng.Next(0, 1 << 20) * 2);
            byte[] data = keys.SelectMany(k => new[] { (byte)(k >> 24), (byte)(k >> 16), (byte)(k >> 8), (byte)k }).ToArray();
            fixed (byte* p = data.Length == 0 ? new byte[1] : data)
                for (int probe = -2; probe < (1 << 21) + 2; probe += rng.Next(1, 4000))
                {
                    key[0] = (byte)(probe >> 24); key[1] = (byte)(probe >> 16); key[2] = (byte)(probe >> 8); key[3] = (byte)probe;
                    byte* expected = hostBsearch(key, p, (ulong)count, 4);
                    setLength(4);
                    byte* actual = (byte*)bsearch(key, p, (ulong)count, 4, compareBytes);
                    Assert.True(expected == actual, $"bsearch({probe}) in {count} keys");
                    compared++;
                }
        }
        _log.WriteLine($"{compared} bsearch lookups compared with glibc");
    }
}
