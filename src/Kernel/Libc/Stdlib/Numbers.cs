// <stdlib.h> number conversions, <ctype.h>, qsort/bsearch and abs/div of the kernel's libc, in the
// C locale. Programs compare what they parse with what they print and check errno and the end
// pointer, so these follow glibc 2.36 (plus the __isoc23 names of 2.38) to the bit. strtod and its
// siblings are correctly rounded: easy inputs take a floating-point shortcut that is exact, the rest
// are settled with exact big-integer arithmetic in stack memory. Nothing here throws or allocates
// managed memory; only qsort borrows the libc's malloc for its merge buffer, as glibc's does.
using System;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Nimbus.Kernel.Libc.Stdlib
{
    public enum FloatKind { Single, Double, Extended }

    // What strtof/strtod/strtold produce: the bits of a float or double in Bits, or an x87 extended
    // value as its 64-bit significand (explicit integer bit) in Bits and sign+exponent in SignExponent.
    public struct FloatBits
    {
        public ulong Bits;
        public ushort SignExponent;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct IntQuotient { public int Quot, Rem; }      // div_t: 8 bytes, returned in RAX

    [StructLayout(LayoutKind.Sequential)]
    public struct LongQuotient { public long Quot, Rem; }    // ldiv_t, lldiv_t, imaxdiv_t: RAX:RDX

    internal static unsafe class Numbers
    {
        // errno lives with the scheduler (Process.SetErrno), which the hosted tests cannot build, so
        // the libc installs it here at start. While null, errno is simply not reported. scanf also
        // reads errno (glibc saves and restores it around its reads), through GetErrno.
        public static delegate*<int, void> SetErrno;
        public static delegate*<int> GetErrno;

        // The malloc family, for qsort's merge buffer and scanf's %m strings (glibc mallocs both).
        // While null, qsort merges in place and %m conversions fail as if malloc had.
        public static delegate*<ulong, void*> Allocate;
        public static delegate*<void*, ulong, void*> Reallocate;
        public static delegate*<void*, void> Release;

        private const int EINVAL = 22, ERANGE = 34;

        public static void ReportErrno(int e)
        {
            var set = SetErrno;
            if (set != null) set(e);
        }

        public static bool CanReadErrno => GetErrno != null;
        public static int CurrentErrno() { var get = GetErrno; return get != null ? get() : 0; }

        public static bool IsSpace(int c) => c == ' ' || (c >= '\t' && c <= '\r');
        public static bool IsDigit(int c) => c >= '0' && c <= '9';
        public static bool IsHexDigit(int c) => IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');

        // 0..35 for digits and letters of any case, 99 for anything else.
        private static int DigitValue(int c)
        {
            if (IsDigit(c)) return c - '0';
            int lower = c | 0x20;
            return lower >= 'a' && lower <= 'z' ? lower - 'a' + 10 : 99;
        }

        // =============================================================================================
        // Integers: strtol and friends. long and long long are both 64 bits on x86-64.

        // What strtoul reads: the magnitude, its sign and whether it exceeded 64 bits. False for an
        // invalid base (errno EINVAL, *end untouched, as glibc). "0x" (or "0b") with no digit after it
        // is the number 0 ending before the letter; no digits at all leaves *end = nptr.
        private static bool ReadInteger(byte* nptr, byte** end, int radix, bool binaryPrefix,
            out ulong magnitude, out bool negative, out bool overflow)
        {
            magnitude = 0;
            negative = false;
            overflow = false;
            if (radix < 0 || radix == 1 || radix > 36) { ReportErrno(EINVAL); return false; }
            byte* s = nptr;
            while (IsSpace(*s)) s++;
            if (*s == '-') { negative = true; s++; }
            else if (*s == '+') s++;
            if (*s == '0')
            {
                if ((radix == 0 || radix == 16) && (s[1] | 0x20) == 'x') { s += 2; radix = 16; }
                else if (binaryPrefix && (radix == 0 || radix == 2) && (s[1] | 0x20) == 'b') { s += 2; radix = 2; }
                else if (radix == 0) radix = 8;
            }
            else if (radix == 0) radix = 10;

            byte* digits = s;
            ulong limit = ulong.MaxValue / (ulong)radix, lastDigit = ulong.MaxValue % (ulong)radix;
            for (; ; s++)
            {
                int d = DigitValue(*s);
                if (d >= radix) break;
                if (magnitude > limit || (magnitude == limit && (ulong)d > lastDigit)) overflow = true;
                else magnitude = magnitude * (ulong)radix + (ulong)d;
            }
            if (s == digits)
            {
                negative = false;
                if (end != null)
                {
                    bool prefixOnly = digits - nptr >= 2 && digits[-2] == '0'
                        && ((digits[-1] | 0x20) == 'x' || (binaryPrefix && (digits[-1] | 0x20) == 'b'));
                    *end = prefixOnly ? digits - 1 : nptr;
                }
                return true;
            }
            if (end != null) *end = s;
            return true;
        }

        // strtol's range rules on a magnitude read by hand (the scanf engine uses these too).
        public static long ClampSigned(ulong magnitude, bool negative, bool overflow)
        {
            if (negative)
            {
                if (overflow || magnitude > 1UL << 63) { ReportErrno(ERANGE); return long.MinValue; }
                return (long)(0 - magnitude);
            }
            if (overflow || magnitude > long.MaxValue) { ReportErrno(ERANGE); return long.MaxValue; }
            return (long)magnitude;
        }

        // strtoul's: a minus sign negates modulo 2^64; only more than 64 bits is out of range.
        public static ulong ClampUnsigned(ulong magnitude, bool negative, bool overflow)
        {
            if (overflow) { ReportErrno(ERANGE); return ulong.MaxValue; }
            return negative ? 0 - magnitude : magnitude;
        }

        public static long ToSigned(byte* s, byte** end, int radix, bool binaryPrefix = false) =>
            ReadInteger(s, end, radix, binaryPrefix, out ulong m, out bool negative, out bool overflow) ? ClampSigned(m, negative, overflow) : 0;

        public static ulong ToUnsigned(byte* s, byte** end, int radix, bool binaryPrefix = false) =>
            ReadInteger(s, end, radix, binaryPrefix, out ulong m, out bool negative, out bool overflow) ? ClampUnsigned(m, negative, overflow) : 0;

        [RuntimeExport("abi_strtol")] internal static long Strtol(byte* s, byte** e, int b) => ToSigned(s, e, b);
        [RuntimeExport("abi_strtoll")] internal static long Strtoll(byte* s, byte** e, int b) => ToSigned(s, e, b);
        [RuntimeExport("abi_strtoq")] internal static long Strtoq(byte* s, byte** e, int b) => ToSigned(s, e, b);
        [RuntimeExport("abi_strtoimax")] internal static long Strtoimax(byte* s, byte** e, int b) => ToSigned(s, e, b);
        [RuntimeExport("abi_strtoul")] internal static ulong Strtoul(byte* s, byte** e, int b) => ToUnsigned(s, e, b);
        [RuntimeExport("abi_strtoull")] internal static ulong Strtoull(byte* s, byte** e, int b) => ToUnsigned(s, e, b);
        [RuntimeExport("abi_strtouq")] internal static ulong Strtouq(byte* s, byte** e, int b) => ToUnsigned(s, e, b);
        [RuntimeExport("abi_strtoumax")] internal static ulong Strtoumax(byte* s, byte** e, int b) => ToUnsigned(s, e, b);

        // glibc 2.38 names (C23: "0b" prefixes too) that programs built against newer headers import.
        [RuntimeExport("abi___isoc23_strtol")] internal static long Isoc23Strtol(byte* s, byte** e, int b) => ToSigned(s, e, b, true);
        [RuntimeExport("abi___isoc23_strtoll")] internal static long Isoc23Strtoll(byte* s, byte** e, int b) => ToSigned(s, e, b, true);
        [RuntimeExport("abi___isoc23_strtoimax")] internal static long Isoc23Strtoimax(byte* s, byte** e, int b) => ToSigned(s, e, b, true);
        [RuntimeExport("abi___isoc23_strtoul")] internal static ulong Isoc23Strtoul(byte* s, byte** e, int b) => ToUnsigned(s, e, b, true);
        [RuntimeExport("abi___isoc23_strtoull")] internal static ulong Isoc23Strtoull(byte* s, byte** e, int b) => ToUnsigned(s, e, b, true);
        [RuntimeExport("abi___isoc23_strtoumax")] internal static ulong Isoc23Strtoumax(byte* s, byte** e, int b) => ToUnsigned(s, e, b, true);
        [RuntimeExport("abi___isoc23_strtol_l")] internal static long Isoc23StrtolL(byte* s, byte** e, int b, void* l) => ToSigned(s, e, b, true);
        [RuntimeExport("abi___isoc23_strtoll_l")] internal static long Isoc23StrtollL(byte* s, byte** e, int b, void* l) => ToSigned(s, e, b, true);
        [RuntimeExport("abi___isoc23_strtoul_l")] internal static ulong Isoc23StrtoulL(byte* s, byte** e, int b, void* l) => ToUnsigned(s, e, b, true);
        [RuntimeExport("abi___isoc23_strtoull_l")] internal static ulong Isoc23StrtoullL(byte* s, byte** e, int b, void* l) => ToUnsigned(s, e, b, true);

        // Locale variants (only the C locale exists) and the internal names old binaries import.
        [RuntimeExport("abi_strtol_l")] internal static long StrtolL(byte* s, byte** e, int b, void* l) => ToSigned(s, e, b);
        [RuntimeExport("abi___strtol_l")] internal static long StrtolL2(byte* s, byte** e, int b, void* l) => ToSigned(s, e, b);
        [RuntimeExport("abi_strtoll_l")] internal static long StrtollL(byte* s, byte** e, int b, void* l) => ToSigned(s, e, b);
        [RuntimeExport("abi___strtoll_l")] internal static long StrtollL2(byte* s, byte** e, int b, void* l) => ToSigned(s, e, b);
        [RuntimeExport("abi_strtoul_l")] internal static ulong StrtoulL(byte* s, byte** e, int b, void* l) => ToUnsigned(s, e, b);
        [RuntimeExport("abi___strtoul_l")] internal static ulong StrtoulL2(byte* s, byte** e, int b, void* l) => ToUnsigned(s, e, b);
        [RuntimeExport("abi_strtoull_l")] internal static ulong StrtoullL(byte* s, byte** e, int b, void* l) => ToUnsigned(s, e, b);
        [RuntimeExport("abi___strtoull_l")] internal static ulong StrtoullL2(byte* s, byte** e, int b, void* l) => ToUnsigned(s, e, b);
        [RuntimeExport("abi___strtol_internal")] internal static long StrtolInternal(byte* s, byte** e, int b, int group) => ToSigned(s, e, b);
        [RuntimeExport("abi___strtoll_internal")] internal static long StrtollInternal(byte* s, byte** e, int b, int group) => ToSigned(s, e, b);
        [RuntimeExport("abi___strtoul_internal")] internal static ulong StrtoulInternal(byte* s, byte** e, int b, int group) => ToUnsigned(s, e, b);
        [RuntimeExport("abi___strtoull_internal")] internal static ulong StrtoullInternal(byte* s, byte** e, int b, int group) => ToUnsigned(s, e, b);

        // glibc's atoi is (int) strtol(s, NULL, 10): it truncates, and errno still reports overflow.
        [RuntimeExport("abi_atoi")] internal static int Atoi(byte* s) => (int)ToSigned(s, null, 10);
        [RuntimeExport("abi_atol")] internal static long Atol(byte* s) => ToSigned(s, null, 10);
        [RuntimeExport("abi_atoll")] internal static long Atoll(byte* s) => ToSigned(s, null, 10);

        // =============================================================================================
        // abs and div. Dividing by zero faults as in glibc (SIGFPE); MIN / -1 wraps instead of trapping.

        [RuntimeExport("abi_abs")] internal static int Abs(int v) => v < 0 ? -v : v;
        [RuntimeExport("abi_labs")] internal static long Labs(long v) => v < 0 ? -v : v;
        [RuntimeExport("abi_llabs")] internal static long Llabs(long v) => v < 0 ? -v : v;
        [RuntimeExport("abi_imaxabs")] internal static long Imaxabs(long v) => v < 0 ? -v : v;

        [RuntimeExport("abi_div")]
        internal static IntQuotient Div(int numerator, int denominator)
        {
            IntQuotient r;
            if (denominator == -1) { r.Quot = -numerator; r.Rem = 0; }
            else { r.Quot = numerator / denominator; r.Rem = numerator % denominator; }
            return r;
        }

        private static LongQuotient DivideLong(long numerator, long denominator)
        {
            LongQuotient r;
            if (denominator == -1) { r.Quot = -numerator; r.Rem = 0; }
            else { r.Quot = numerator / denominator; r.Rem = numerator % denominator; }
            return r;
        }

        [RuntimeExport("abi_ldiv")] internal static LongQuotient Ldiv(long n, long d) => DivideLong(n, d);
        [RuntimeExport("abi_lldiv")] internal static LongQuotient Lldiv(long n, long d) => DivideLong(n, d);
        [RuntimeExport("abi_imaxdiv")] internal static LongQuotient Imaxdiv(long n, long d) => DivideLong(n, d);

        // =============================================================================================
        // Floating point: strtod, strtof and (for scanf's %Lf) the x87 extended format.

        private static int Precision(FloatKind k) => k == FloatKind.Single ? 24 : k == FloatKind.Double ? 53 : 64;
        private static int MinExponent(FloatKind k) => k == FloatKind.Single ? -126 : k == FloatKind.Double ? -1022 : -16382;
        private static int MaxExponent(FloatKind k) => k == FloatKind.Single ? 127 : k == FloatKind.Double ? 1023 : 16383;

        // A decimal whose leading digit has this exponent or more is certainly too large...
        private static int OverflowDecimalExponent(FloatKind k) => k == FloatKind.Single ? 39 : k == FloatKind.Double ? 309 : 4933;
        // ...and one whose leading digit has this exponent or less is below half the smallest subnormal.
        private static int UnderflowDecimalExponent(FloatKind k) => k == FloatKind.Single ? -47 : k == FloatKind.Double ? -325 : -4952;

        // Any decimal halfway point between two neighbours has at most 768 significant digits for a
        // double (11,513 for x87), so digits past these can only matter as "something nonzero follows".
        public static int SignificantDigits(FloatKind k) => k == FloatKind.Extended ? 11600 : 800;

        public static double ToDouble(FloatBits f) { ulong b = f.Bits; return *(double*)&b; }
        public static float ToSingle(FloatBits f) { uint b = (uint)f.Bits; return *(float*)&b; }

        [RuntimeExport("abi_strtod")] internal static double Strtod(byte* s, byte** e) => ToDouble(ParseFloat(s, e, FloatKind.Double));
        [RuntimeExport("abi_strtof")] internal static float Strtof(byte* s, byte** e) => ToSingle(ParseFloat(s, e, FloatKind.Single));
        [RuntimeExport("abi_atof")] internal static double Atof(byte* s) => ToDouble(ParseFloat(s, null, FloatKind.Double));
        [RuntimeExport("abi_strtof32")] internal static float Strtof32(byte* s, byte** e) => ToSingle(ParseFloat(s, e, FloatKind.Single));
        [RuntimeExport("abi_strtof64")] internal static double Strtof64(byte* s, byte** e) => ToDouble(ParseFloat(s, e, FloatKind.Double));
        [RuntimeExport("abi_strtof32x")] internal static double Strtof32x(byte* s, byte** e) => ToDouble(ParseFloat(s, e, FloatKind.Double));
        [RuntimeExport("abi_strtod_l")] internal static double StrtodL(byte* s, byte** e, void* l) => ToDouble(ParseFloat(s, e, FloatKind.Double));
        [RuntimeExport("abi___strtod_l")] internal static double StrtodL2(byte* s, byte** e, void* l) => ToDouble(ParseFloat(s, e, FloatKind.Double));
        [RuntimeExport("abi_strtof_l")] internal static float StrtofL(byte* s, byte** e, void* l) => ToSingle(ParseFloat(s, e, FloatKind.Single));
        [RuntimeExport("abi___strtof_l")] internal static float StrtofL2(byte* s, byte** e, void* l) => ToSingle(ParseFloat(s, e, FloatKind.Single));
        [RuntimeExport("abi___strtod_internal")] internal static double StrtodInternal(byte* s, byte** e, int group) => ToDouble(ParseFloat(s, e, FloatKind.Double));
        [RuntimeExport("abi___strtof_internal")] internal static float StrtofInternal(byte* s, byte** e, int group) => ToSingle(ParseFloat(s, e, FloatKind.Single));
        // strtold returns its value in the x87 st(0), which C# cannot do: ParseFloat(..., Extended)
        // has the result, and an assembly trampoline that loads it with fld is all strtold still needs.

        // strtod for any of the three formats: reads the longest prefix glibc accepts and sets *end
        // and errno (ERANGE on overflow, and on underflow when the result is inexact) as glibc does.
        public static FloatBits ParseFloat(byte* nptr, byte** end, FloatKind kind)
        {
            byte* stop;
            FloatBits result = Parse(nptr, &stop, kind);
            if (end != null) *end = stop;
            return result;
        }

        private static FloatBits Parse(byte* nptr, byte** stop, FloatKind kind)
        {
            byte* p = nptr;
            while (IsSpace(*p)) p++;
            bool negative = false;
            if (*p == '-') { negative = true; p++; }
            else if (*p == '+') p++;

            if (!IsDigit(*p) && !(*p == '.' && IsDigit(p[1])))
            {
                if (StartsWithIgnoringCase(p, "inf"u8))
                {
                    *stop = p + (StartsWithIgnoringCase(p + 3, "inity"u8) ? 8 : 3);
                    return Infinity(kind, negative);
                }
                if (StartsWithIgnoringCase(p, "nan"u8))
                    return ParseNan(p + 3, stop, kind, negative);
                *stop = nptr;
                return Zero(kind, false);   // glibc: no number is +0.0, whatever the sign said
            }
            if (*p == '0' && (p[1] | 0x20) == 'x') return ParseHex(p, stop, kind, negative);
            return ParseDecimal(p, stop, kind, negative);
        }

        private static bool StartsWithIgnoringCase(byte* p, ReadOnlySpan<byte> lowercase)
        {
            for (int i = 0; i < lowercase.Length; i++)
                if ((p[i] | 0x20) != lowercase[i]) return false;
            return true;
        }

        // "nan(chars)": when the chars are all a number (strtoull, base 0) it becomes the payload.
        private static FloatBits ParseNan(byte* p, byte** stop, FloatKind kind, bool negative)
        {
            ulong payload = 0;
            if (*p == '(')
            {
                byte* close = p + 1;
                while (IsDigit(*close) || ((*close | 0x20) >= 'a' && (*close | 0x20) <= 'z') || *close == '_') close++;
                if (*close == ')')
                {
                    byte* numberEnd;
                    ulong value = ToUnsigned(p + 1, &numberEnd, 0);
                    if (numberEnd == close) payload = value;
                    p = close + 1;
                }
            }
            *stop = p;
            FloatBits r = default;
            switch (kind)
            {
                case FloatKind.Single:
                    r.Bits = (negative ? 0x80000000UL : 0) | 0x7FC00000UL | (payload & 0x3FFFFF);
                    break;
                case FloatKind.Double:
                    r.Bits = (negative ? 1UL << 63 : 0) | 0x7FF8000000000000UL | (payload & 0x7FFFFFFFFFFFF);
                    break;
                default:
                    r.Bits = 0xC000000000000000UL | (payload & 0x3FFFFFFFFFFFFFFFUL);
                    r.SignExponent = (ushort)((negative ? 0x8000 : 0) | 0x7FFF);
                    break;
            }
            return r;
        }

        private static FloatBits Zero(FloatKind kind, bool negative)
        {
            FloatBits r = default;
            if (negative)
            {
                if (kind == FloatKind.Single) r.Bits = 0x80000000UL;
                else if (kind == FloatKind.Double) r.Bits = 1UL << 63;
                else r.SignExponent = 0x8000;
            }
            return r;
        }

        private static FloatBits Infinity(FloatKind kind, bool negative)
        {
            FloatBits r = default;
            if (kind == FloatKind.Single) r.Bits = (negative ? 0x80000000UL : 0) | 0x7F800000UL;
            else if (kind == FloatKind.Double) r.Bits = (negative ? 1UL << 63 : 0) | 0x7FF0000000000000UL;
            else { r.Bits = 1UL << 63; r.SignExponent = (ushort)((negative ? 0x8000 : 0) | 0x7FFF); }
            return r;
        }

        // Reads an exponent's digits (after 'e' or 'p'), saturating far beyond any meaningful value.
        // Returns false, consuming nothing, when no digit follows the optional sign.
        private static bool ReadExponent(ref byte* p, out long exponent)
        {
            byte* q = p;
            bool negative = false;
            if (*q == '-') { negative = true; q++; }
            else if (*q == '+') q++;
            exponent = 0;
            if (!IsDigit(*q)) return false;
            for (; IsDigit(*q); q++)
                if (exponent < 1_000_000_000_000L) exponent = exponent * 10 + (*q - '0');
            if (negative) exponent = -exponent;
            p = q;
            return true;
        }

        // p is at the first digit or at a '.' followed by a digit.
        private static FloatBits ParseDecimal(byte* p, byte** stop, FloatKind kind, bool negative)
        {
            byte* q = p;
            while (IsDigit(*q)) q++;
            long integerDigits = q - p;
            byte* fraction = q;
            long fractionDigits = 0;
            if (*q == '.')
            {
                fraction = ++q;
                while (IsDigit(*q)) q++;
                fractionDigits = q - fraction;
            }
            long exponent = 0;
            if ((*q | 0x20) == 'e')
            {
                byte* e = q + 1;
                if (ReadExponent(ref e, out exponent)) q = e;
            }
            *stop = q;

            // The digits as one sequence: integer part then fraction, numbered from 0.
            long total = integerDigits + fractionDigits;
            long first = 0;
            while (first < total && DigitAt(p, fraction, integerDigits, first) == '0') first++;
            if (first == total) return Zero(kind, negative);
            long last = total - 1;
            while (DigitAt(p, fraction, integerDigits, last) == '0') last--;
            long count = last - first + 1;
            long leadingExponent = integerDigits - 1 - first + exponent;   // value is in [10^this, 10^(this+1))
            long lastExponent = integerDigits - 1 - last + exponent;

            if (leadingExponent >= OverflowDecimalExponent(kind)) { ReportErrno(ERANGE); return Infinity(kind, negative); }
            if (leadingExponent <= UnderflowDecimalExponent(kind)) { ReportErrno(ERANGE); return Zero(kind, negative); }

            // Exact shortcuts: a small integer times or over an exactly representable power of ten is
            // one correctly rounded IEEE operation.
            if (kind == FloatKind.Double && count <= 15 && lastExponent >= -22 && lastExponent <= 22)
            {
                long integer = 0;
                for (long i = first; i <= last; i++) integer = integer * 10 + (DigitAt(p, fraction, integerDigits, i) - '0');
                double scale = 1;
                for (long i = lastExponent < 0 ? -lastExponent : lastExponent; i > 0; i--) scale *= 10;
                double value = integer;
                value = lastExponent >= 0 ? value * scale : value / scale;
                FloatBits r = default;
                r.Bits = *(ulong*)&value | (negative ? 1UL << 63 : 0);
                return r;
            }
            if (kind == FloatKind.Single && count <= 7 && lastExponent >= -10 && lastExponent <= 10)
            {
                int integer = 0;
                for (long i = first; i <= last; i++) integer = integer * 10 + (DigitAt(p, fraction, integerDigits, i) - '0');
                float scale = 1;
                for (long i = lastExponent < 0 ? -lastExponent : lastExponent; i > 0; i--) scale *= 10;
                float value = integer;
                value = lastExponent >= 0 ? value * scale : value / scale;
                FloatBits r = default;
                r.Bits = *(uint*)&value | (negative ? 0x80000000U : 0U);
                return r;
            }

            // Digits past the limit only tell that the value is a little above the kept prefix: a
            // final 1 says exactly that, and no halfway point can hide between the two.
            long kept = count;
            bool appendOne = false;
            if (count > SignificantDigits(kind)) { kept = SignificantDigits(kind); appendOne = true; }
            long digitCount = kept + (appendOne ? 1 : 0);
            long power = leadingExponent - (digitCount - 1);   // value = D * 10^power

            int quotientBits = kind == FloatKind.Extended ? 128 : 64;
            long powerMagnitude = power < 0 ? -power : power;
            long digitBits = digitCount * 10 / 3 + 2, fiveBits = powerMagnitude * 7 / 3 + 2;
            long bits = (power >= 0 ? digitBits + fiveBits : (digitBits > fiveBits ? digitBits : fiveBits)) + 2 * quotientBits + 64;
            int capacity = (int)(bits / 32) + 2;
            uint* number = stackalloc uint[capacity];
            int numberLength = 0;

            uint chunk = 0;
            int chunkDigits = 0;
            for (long i = first; i < first + kept; i++)
            {
                chunk = chunk * 10 + (uint)(DigitAt(p, fraction, integerDigits, i) - '0');
                if (++chunkDigits == 9) { Big.MulAdd(number, ref numberLength, 1_000_000_000, chunk); chunk = 0; chunkDigits = 0; }
            }
            if (chunkDigits > 0) Big.MulAdd(number, ref numberLength, SmallPowerOfTen(chunkDigits), chunk);
            if (appendOne) Big.MulAdd(number, ref numberLength, 10, 1);

            // 10^power = 5^power * 2^power: the power of two goes straight into the exponent.
            ulong hi, lo;
            bool rest;
            long exponent2 = power;
            if (power >= 0)
            {
                Big.MulPowerOfFive(number, ref numberLength, power);
                long length = Big.BitLength(number, numberLength);
                long drop = length > quotientBits ? length - quotientBits : 0;
                lo = Big.Bits64(number, numberLength, drop);
                hi = quotientBits == 128 ? Big.Bits64(number, numberLength, drop + 64) : 0;
                rest = Big.LowBitsNonZero(number, numberLength, drop);
                exponent2 += drop;
            }
            else
            {
                uint* divisor = stackalloc uint[capacity];
                uint* scratch = stackalloc uint[capacity];
                int divisorLength = 1;
                divisor[0] = 1;
                Big.MulPowerOfFive(divisor, ref divisorLength, -power);
                // Scale so the quotient has quotientBits - 1 or quotientBits bits.
                long shift = quotientBits - 1 - (Big.BitLength(number, numberLength) - Big.BitLength(divisor, divisorLength));
                if (shift > 0) Big.ShiftLeft(number, ref numberLength, shift);
                else if (shift < 0) Big.ShiftLeft(divisor, ref divisorLength, -shift);
                exponent2 -= shift;
                Big.Divide(number, ref numberLength, divisor, divisorLength, scratch, quotientBits, out hi, out lo);
                rest = numberLength != 0;
            }
            return Round(hi, lo, rest, exponent2, kind, negative);
        }

        private static byte DigitAt(byte* integer, byte* fraction, long integerDigits, long i) =>
            i < integerDigits ? integer[i] : fraction[i - integerDigits];

        private static uint SmallPowerOfTen(int n)
        {
            uint v = 1;
            for (int i = 0; i < n; i++) v *= 10;
            return v;
        }

        // p is at the "0x". Hexadecimal is exact in binary: the first 124+ bits and a sticky bit do.
        private static FloatBits ParseHex(byte* p, byte** stop, FloatKind kind, bool negative)
        {
            byte* digits = p + 2;
            byte* q = digits;
            while (IsHexDigit(*q)) q++;
            long integerDigits = q - digits;
            byte* fraction = q;
            long fractionDigits = 0;
            if (*q == '.')
            {
                fraction = q + 1;
                byte* r = fraction;
                while (IsHexDigit(*r)) r++;
                fractionDigits = r - fraction;
                if (integerDigits + fractionDigits > 0) q = r;
            }
            if (integerDigits + fractionDigits == 0)
            {
                *stop = p + 1;                   // "0x" alone: the number is the "0"
                return Zero(kind, negative);
            }
            long binaryExponent = 0;
            if ((*q | 0x20) == 'p')
            {
                byte* e = q + 1;
                if (ReadExponent(ref e, out binaryExponent)) q = e;
            }
            *stop = q;

            ulong hi = 0, lo = 0;
            bool sticky = false, seenNonZero = false;
            long exponent2 = binaryExponent;
            long total = integerDigits + fractionDigits;
            for (long i = 0; i < total; i++)
            {
                int d = DigitValue(DigitAt(digits, fraction, integerDigits, i));
                bool inFraction = i >= integerDigits;
                if (!seenNonZero)
                {
                    if (d == 0) { if (inFraction) exponent2 -= 4; continue; }
                    seenNonZero = true;
                }
                if ((hi >> 60) == 0)
                {
                    hi = (hi << 4) | (lo >> 60);
                    lo = (lo << 4) | (uint)d;
                    if (inFraction) exponent2 -= 4;
                }
                else
                {
                    if (!inFraction) exponent2 += 4;
                    if (d != 0) sticky = true;
                }
            }
            if (!seenNonZero) return Zero(kind, negative);
            return Round(hi, lo, sticky, exponent2, kind, negative);
        }

        // Rounds value = (hi:lo + e) * 2^exponent2, with 0 < e < 1 exactly when sticky, to nearest-even
        // in the format, and reports ERANGE as glibc does on x86: overflow, or an inexact result that is
        // tiny (below the smallest normal) after rounding. hi:lo is nonzero and, when sticky, has more
        // bits than the format keeps.
        private static FloatBits Round(ulong hi, ulong lo, bool sticky, long exponent2, FloatKind kind, bool negative)
        {
            int precision = Precision(kind), minExponent = MinExponent(kind), maxExponent = MaxExponent(kind);
            int length = hi != 0 ? 128 - LeadingZeros(hi) : 64 - LeadingZeros(lo);
            long top = length - 1 + exponent2;                   // value is in [2^top, 2^(top+1))
            long ulp = top - (precision - 1);
            long smallestUlp = minExponent - (precision - 1);
            if (ulp < smallestUlp) ulp = smallestUlp;
            long drop = ulp - exponent2;

            ulong kept;
            bool half, rest;
            if (drop <= 0)
            {
                kept = lo << (int)(-drop);
                half = false;
                rest = sticky;
            }
            else
            {
                kept = ShiftRight128(hi, lo, drop);
                half = Bit128(hi, lo, drop - 1);
                rest = sticky || LowBitsNonZero128(hi, lo, drop - 1);
            }
            bool inexact = half || rest;
            if (half && (rest || (kept & 1) != 0))
            {
                kept++;
                if (precision == 64 ? kept == 0 : (kept >> precision) != 0) { kept = 1UL << (precision - 1); ulp++; }
            }

            // Tiny after rounding: rounded to full precision with no exponent limit, still below 2^minExponent.
            bool tiny = top < minExponent;
            if (top == minExponent - 1 && length > precision)
            {
                long drop2 = length - precision;
                ulong kept2 = ShiftRight128(hi, lo, drop2);
                bool roundsUp = Bit128(hi, lo, drop2 - 1) && (sticky || LowBitsNonZero128(hi, lo, drop2 - 1) || (kept2 & 1) != 0);
                ulong allOnes = precision == 64 ? ulong.MaxValue : (1UL << precision) - 1;
                if (roundsUp && kept2 == allOnes) tiny = false;
            }
            if (tiny && inexact) ReportErrno(ERANGE);
            if (kept == 0) return Zero(kind, negative);

            bool normal = (kept >> (precision - 1)) != 0;
            long exponentOfTop = ulp + precision - 1;
            if (normal && exponentOfTop > maxExponent) { ReportErrno(ERANGE); return Infinity(kind, negative); }

            FloatBits r = default;
            switch (kind)
            {
                case FloatKind.Single:
                    r.Bits = (negative ? 0x80000000UL : 0) | (normal ? (ulong)(exponentOfTop + 127) << 23 : 0) | (kept & 0x7FFFFF);
                    break;
                case FloatKind.Double:
                    r.Bits = (negative ? 1UL << 63 : 0) | (normal ? (ulong)(exponentOfTop + 1023) << 52 : 0) | (kept & 0xFFFFFFFFFFFFF);
                    break;
                default:
                    r.Bits = kept;
                    r.SignExponent = (ushort)((negative ? 0x8000 : 0) | (normal ? (int)(exponentOfTop + 16383) : 0));
                    break;
            }
            return r;
        }

        public static int LeadingZeros(ulong x)
        {
            if (x == 0) return 64;
            int n = 0;
            if ((x >> 32) == 0) { n += 32; x <<= 32; }
            if ((x >> 48) == 0) { n += 16; x <<= 16; }
            if ((x >> 56) == 0) { n += 8; x <<= 8; }
            if ((x >> 60) == 0) { n += 4; x <<= 4; }
            if ((x >> 62) == 0) { n += 2; x <<= 2; }
            if ((x >> 63) == 0) n += 1;
            return n;
        }

        private static ulong ShiftRight128(ulong hi, ulong lo, long n)
        {
            if (n >= 128) return 0;
            if (n >= 64) return hi >> (int)(n - 64);
            if (n == 0) return lo;
            return (lo >> (int)n) | (hi << (int)(64 - n));
        }

        private static bool Bit128(ulong hi, ulong lo, long n)
        {
            if (n >= 128) return false;
            return n >= 64 ? ((hi >> (int)(n - 64)) & 1) != 0 : ((lo >> (int)n) & 1) != 0;
        }

        // Whether any of the bits below bit n is set.
        private static bool LowBitsNonZero128(ulong hi, ulong lo, long n)
        {
            if (n <= 0) return false;
            if (n >= 128) return hi != 0 || lo != 0;
            if (n >= 64) return lo != 0 || (hi & ((1UL << (int)(n - 64)) - 1)) != 0;
            return (lo & ((1UL << (int)n) - 1)) != 0;
        }

        // Unsigned big integers in stack memory: little-endian 32-bit limbs and a length that leaves
        // out leading zero limbs (0 is length 0). Callers size the buffers.
        private static class Big
        {
            public static void MulAdd(uint* a, ref int length, uint factor, uint addend)
            {
                ulong carry = addend;
                for (int i = 0; i < length; i++)
                {
                    ulong v = (ulong)a[i] * factor + carry;
                    a[i] = (uint)v;
                    carry = v >> 32;
                }
                if (carry != 0) a[length++] = (uint)carry;
            }

            public static void MulPowerOfFive(uint* a, ref int length, long exponent)
            {
                for (; exponent >= 13; exponent -= 13) MulAdd(a, ref length, 1220703125, 0);   // 5^13
                uint rest = 1;
                for (; exponent > 0; exponent--) rest *= 5;
                if (rest != 1) MulAdd(a, ref length, rest, 0);
            }

            public static long BitLength(uint* a, int length) =>
                length == 0 ? 0 : (long)(length - 1) * 32 + (64 - LeadingZeros(a[length - 1]));

            public static void ShiftLeft(uint* a, ref int length, long bits)
            {
                if (length == 0 || bits == 0) return;
                int limbs = (int)(bits >> 5), within = (int)(bits & 31);
                if (within == 0)
                {
                    for (int i = length - 1; i >= 0; i--) a[i + limbs] = a[i];
                }
                else
                {
                    uint spill = a[length - 1] >> (32 - within);
                    for (int i = length - 1; i > 0; i--) a[i + limbs] = (a[i] << within) | (a[i - 1] >> (32 - within));
                    a[limbs] = a[0] << within;
                    a[length + limbs] = spill;
                    if (spill != 0) length++;
                }
                for (int i = 0; i < limbs; i++) a[i] = 0;
                length += limbs;
            }

            public static void ShiftRightOne(uint* a, ref int length)
            {
                for (int i = 0; i < length - 1; i++) a[i] = (a[i] >> 1) | (a[i + 1] << 31);
                if (length > 0 && (a[length - 1] >>= 1) == 0) length--;
            }

            public static int Compare(uint* a, int aLength, uint* b, int bLength)
            {
                if (aLength != bLength) return aLength < bLength ? -1 : 1;
                for (int i = aLength - 1; i >= 0; i--)
                    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
                return 0;
            }

            // a -= b, for a >= b.
            public static void Subtract(uint* a, ref int aLength, uint* b, int bLength)
            {
                long borrow = 0;
                for (int i = 0; i < aLength; i++)
                {
                    long v = (long)a[i] - (i < bLength ? b[i] : 0) - borrow;
                    borrow = v < 0 ? 1 : 0;
                    a[i] = (uint)v;
                }
                while (aLength > 0 && a[aLength - 1] == 0) aLength--;
            }

            // The 64 bits of a starting at bit `position`.
            public static ulong Bits64(uint* a, int length, long position)
            {
                long limb = position >> 5;
                int within = (int)(position & 31);
                ulong l0 = Limb(a, length, limb), l1 = Limb(a, length, limb + 1), l2 = Limb(a, length, limb + 2);
                if (within == 0) return l0 | (l1 << 32);
                return (l0 >> within) | (l1 << (32 - within)) | (l2 << (64 - within));
            }

            private static ulong Limb(uint* a, int length, long i) => i < length ? a[i] : 0;

            public static bool LowBitsNonZero(uint* a, int length, long bits)
            {
                long whole = bits >> 5;
                for (long i = 0; i < whole && i < length; i++) if (a[i] != 0) return true;
                int within = (int)(bits & 31);
                return within != 0 && whole < length && (a[whole] & ((1U << within) - 1)) != 0;
            }

            // Long division one bit at a time, for a quotient known to be below 2^quotientBits (64 or
            // 128): the quotient goes to hi:lo, the remainder stays in `number`.
            public static void Divide(uint* number, ref int numberLength, uint* divisor, int divisorLength, uint* shifted,
                int quotientBits, out ulong hi, out ulong lo)
            {
                for (int i = 0; i < divisorLength; i++) shifted[i] = divisor[i];
                int shiftedLength = divisorLength;
                ShiftLeft(shifted, ref shiftedLength, quotientBits - 1);
                hi = 0;
                lo = 0;
                for (int bit = quotientBits - 1; bit >= 0; bit--)
                {
                    if (Compare(number, numberLength, shifted, shiftedLength) >= 0)
                    {
                        Subtract(number, ref numberLength, shifted, shiftedLength);
                        if (bit >= 64) hi |= 1UL << (bit - 64);
                        else lo |= 1UL << bit;
                    }
                    ShiftRightOne(shifted, ref shiftedLength);
                }
            }
        }

        // =============================================================================================
        // <ctype.h> in the C locale, with glibc's table layout: gcc compiles isalpha(c) and friends to
        // (*__ctype_b_loc())[c] & _ISalpha, and toupper to (*__ctype_toupper_loc())[c], with c in -128..255.

        public const ushort ClassUpper = 1 << 8, ClassLower = 1 << 9, ClassAlpha = 1 << 10, ClassDigit = 1 << 11,
            ClassXDigit = 1 << 12, ClassSpace = 1 << 13, ClassPrint = 1 << 14, ClassGraph = 1 << 15,
            ClassBlank = 1 << 0, ClassCntrl = 1 << 1, ClassPunct = 1 << 2, ClassAlnum = 1 << 3;

        // The class bits of c in the C locale (bytes 128..255 and EOF have none).
        public static ushort ClassOf(int c)
        {
            if (c < 0 || c >= 128) return 0;
            int bits = 0;
            if (c < 32 || c == 127) bits |= ClassCntrl;
            if (c == ' ' || (c >= '\t' && c <= '\r')) bits |= ClassSpace;
            if (c == ' ' || c == '\t') bits |= ClassBlank;
            if (c >= 32 && c < 127) bits |= ClassPrint;
            if (c > 32 && c < 127) bits |= ClassGraph;
            if (c >= 'A' && c <= 'Z') bits |= ClassUpper | ClassAlpha | ClassAlnum;
            if (c >= 'a' && c <= 'z') bits |= ClassLower | ClassAlpha | ClassAlnum;
            if (c >= '0' && c <= '9') bits |= ClassDigit | ClassAlnum;
            if (IsHexDigit(c)) bits |= ClassXDigit;
            if ((bits & ClassGraph) != 0 && (bits & ClassAlnum) == 0) bits |= ClassPunct;
            return (ushort)bits;
        }

        // glibc's functions index the table without a range check; outside -128..255 we answer 0.
        private static int Is(int c, ushort mask) => c >= -128 && c < 256 ? ClassOf(c & 0xFF) & mask : 0;

        // The toupper/tolower tables map -128..-2 to 128..254 (a signed char means its byte) and EOF to EOF.
        public static int UpperOf(int c) => c >= 'a' && c <= 'z' ? c - 32 : c >= -128 && c < -1 ? c + 256 : c;
        public static int LowerOf(int c) => c >= 'A' && c <= 'Z' ? c + 32 : c >= -128 && c < -1 ? c + 256 : c;

        private struct CtypeTables
        {
            public fixed ushort Classes[384];
            public fixed int Upper[384];
            public fixed int Lower[384];
        }

        private static CtypeTables s_tables;
        // What the _loc functions return pointers to: the tables at index 0 (128 entries in).
        private static ushort* s_classes;
        private static int* s_upper;
        private static int* s_lower;

        // Filled on first use; two threads racing here write the same values.
        private static void EnsureTables()
        {
            if (s_lower != null) return;
            fixed (CtypeTables* t = &s_tables)
            {
                for (int c = -128; c < 256; c++)
                {
                    t->Classes[c + 128] = c == -1 ? (ushort)0 : ClassOf(c & 0xFF);
                    t->Upper[c + 128] = UpperOf(c);
                    t->Lower[c + 128] = LowerOf(c);
                }
                s_classes = t->Classes + 128;
                s_upper = t->Upper + 128;
                s_lower = t->Lower + 128;
            }
        }

        [RuntimeExport("abi___ctype_b_loc")]
        internal static ushort** CtypeBLoc() { EnsureTables(); fixed (ushort** slot = &s_classes) return slot; }
        [RuntimeExport("abi___ctype_toupper_loc")]
        internal static int** CtypeToupperLoc() { EnsureTables(); fixed (int** slot = &s_upper) return slot; }
        [RuntimeExport("abi___ctype_tolower_loc")]
        internal static int** CtypeTolowerLoc() { EnsureTables(); fixed (int** slot = &s_lower) return slot; }

        // Like glibc these return the class bit itself (isalpha('a') is 1024), not 1.
        [RuntimeExport("abi_isalnum")] internal static int Isalnum(int c) => Is(c, ClassAlnum);
        [RuntimeExport("abi_isalpha")] internal static int Isalpha(int c) => Is(c, ClassAlpha);
        [RuntimeExport("abi_isblank")] internal static int Isblank(int c) => Is(c, ClassBlank);
        [RuntimeExport("abi_iscntrl")] internal static int Iscntrl(int c) => Is(c, ClassCntrl);
        [RuntimeExport("abi_isdigit")] internal static int Isdigit(int c) => Is(c, ClassDigit);
        [RuntimeExport("abi_isgraph")] internal static int Isgraph(int c) => Is(c, ClassGraph);
        [RuntimeExport("abi_islower")] internal static int Islower(int c) => Is(c, ClassLower);
        [RuntimeExport("abi_isprint")] internal static int Isprint(int c) => Is(c, ClassPrint);
        [RuntimeExport("abi_ispunct")] internal static int Ispunct(int c) => Is(c, ClassPunct);
        [RuntimeExport("abi_isspace")] internal static int Isspace(int c) => Is(c, ClassSpace);
        [RuntimeExport("abi_isupper")] internal static int Isupper(int c) => Is(c, ClassUpper);
        [RuntimeExport("abi_isxdigit")] internal static int Isxdigit(int c) => Is(c, ClassXDigit);
        [RuntimeExport("abi_isctype")] internal static int Isctype(int c, int mask) => Is(c, (ushort)mask);
        [RuntimeExport("abi_isascii")] internal static int Isascii(int c) => (c & ~0x7F) == 0 ? 1 : 0;
        [RuntimeExport("abi_toascii")] internal static int Toascii(int c) => c & 0x7F;
        [RuntimeExport("abi_toupper")] internal static int Toupper(int c) => UpperOf(c);
        [RuntimeExport("abi_tolower")] internal static int Tolower(int c) => LowerOf(c);
        [RuntimeExport("abi__toupper")] internal static int ToupperRaw(int c) => UpperOf(c);
        [RuntimeExport("abi__tolower")] internal static int TolowerRaw(int c) => LowerOf(c);

        // The locale_t variants: only the C locale exists, so the locale argument changes nothing.
        [RuntimeExport("abi_isalnum_l")] internal static int IsalnumL(int c, void* l) => Is(c, ClassAlnum);
        [RuntimeExport("abi_isalpha_l")] internal static int IsalphaL(int c, void* l) => Is(c, ClassAlpha);
        [RuntimeExport("abi_isblank_l")] internal static int IsblankL(int c, void* l) => Is(c, ClassBlank);
        [RuntimeExport("abi_iscntrl_l")] internal static int IscntrlL(int c, void* l) => Is(c, ClassCntrl);
        [RuntimeExport("abi_isdigit_l")] internal static int IsdigitL(int c, void* l) => Is(c, ClassDigit);
        [RuntimeExport("abi_isgraph_l")] internal static int IsgraphL(int c, void* l) => Is(c, ClassGraph);
        [RuntimeExport("abi_islower_l")] internal static int IslowerL(int c, void* l) => Is(c, ClassLower);
        [RuntimeExport("abi_isprint_l")] internal static int IsprintL(int c, void* l) => Is(c, ClassPrint);
        [RuntimeExport("abi_ispunct_l")] internal static int IspunctL(int c, void* l) => Is(c, ClassPunct);
        [RuntimeExport("abi_isspace_l")] internal static int IsspaceL(int c, void* l) => Is(c, ClassSpace);
        [RuntimeExport("abi_isupper_l")] internal static int IsupperL(int c, void* l) => Is(c, ClassUpper);
        [RuntimeExport("abi_isxdigit_l")] internal static int IsxdigitL(int c, void* l) => Is(c, ClassXDigit);
        [RuntimeExport("abi_toupper_l")] internal static int ToupperL(int c, void* l) => UpperOf(c);
        [RuntimeExport("abi_tolower_l")] internal static int TolowerL(int c, void* l) => LowerOf(c);
        [RuntimeExport("abi___isalnum_l")] internal static int IsalnumL2(int c, void* l) => Is(c, ClassAlnum);
        [RuntimeExport("abi___isalpha_l")] internal static int IsalphaL2(int c, void* l) => Is(c, ClassAlpha);
        [RuntimeExport("abi___isblank_l")] internal static int IsblankL2(int c, void* l) => Is(c, ClassBlank);
        [RuntimeExport("abi___iscntrl_l")] internal static int IscntrlL2(int c, void* l) => Is(c, ClassCntrl);
        [RuntimeExport("abi___isdigit_l")] internal static int IsdigitL2(int c, void* l) => Is(c, ClassDigit);
        [RuntimeExport("abi___isgraph_l")] internal static int IsgraphL2(int c, void* l) => Is(c, ClassGraph);
        [RuntimeExport("abi___islower_l")] internal static int IslowerL2(int c, void* l) => Is(c, ClassLower);
        [RuntimeExport("abi___isprint_l")] internal static int IsprintL2(int c, void* l) => Is(c, ClassPrint);
        [RuntimeExport("abi___ispunct_l")] internal static int IspunctL2(int c, void* l) => Is(c, ClassPunct);
        [RuntimeExport("abi___isspace_l")] internal static int IsspaceL2(int c, void* l) => Is(c, ClassSpace);
        [RuntimeExport("abi___isupper_l")] internal static int IsupperL2(int c, void* l) => Is(c, ClassUpper);
        [RuntimeExport("abi___isxdigit_l")] internal static int IsxdigitL2(int c, void* l) => Is(c, ClassXDigit);
        [RuntimeExport("abi___toupper_l")] internal static int ToupperL2(int c, void* l) => UpperOf(c);
        [RuntimeExport("abi___tolower_l")] internal static int TolowerL2(int c, void* l) => LowerOf(c);

        // =============================================================================================
        // qsort, qsort_r, bsearch. glibc's qsort is a merge sort, so in practice stable, and programs
        // print records with equal keys in the order it leaves them. A stable sort's result is unique,
        // so this one is stable too and gives exactly glibc's order. Runs are merged through a buffer
        // (malloc'd like glibc's, or a small stack one) when one of them fits; otherwise they are split
        // around a binary search and rotated into place, which needs no memory at all (O(n log n)
        // comparisons, O(n log^2 n) moves at worst, O(log n) stack). A comparator that contradicts
        // itself gives some order but never a read or write outside the array.

        private struct SortContext
        {
            public delegate* unmanaged<void*, void*, int> Compare;
            public delegate* unmanaged<void*, void*, void*, int> CompareWithArgument;
            public void* Argument;
            public ulong Size;
            public byte* Buffer;
            public ulong BufferBytes;
        }

        private const int SortBufferBytes = 4096;
        private const ulong InsertionRun = 16;

        private static int CompareElements(SortContext* c, byte* a, byte* b) =>
            c->Compare != null ? c->Compare(a, b) : c->CompareWithArgument(a, b, c->Argument);

        private static void Swap(byte* a, byte* b, ulong size)
        {
            if (a == b) return;
            ulong i = 0;
            for (; i + 8 <= size; i += 8)
            {
                ulong t = *(ulong*)(a + i);
                *(ulong*)(a + i) = *(ulong*)(b + i);
                *(ulong*)(b + i) = t;
            }
            for (; i < size; i++)
            {
                byte t = a[i];
                a[i] = b[i];
                b[i] = t;
            }
        }

        private static void Copy(byte* destination, byte* source, ulong bytes)
        {
            ulong i = 0;
            for (; i + 8 <= bytes; i += 8) *(ulong*)(destination + i) = *(ulong*)(source + i);
            for (; i < bytes; i++) destination[i] = source[i];
        }

        [RuntimeExport("abi_qsort")]
        internal static void Qsort(byte* array, ulong count, ulong size, delegate* unmanaged<void*, void*, int> compare)
        {
            SortContext c = default;
            c.Compare = compare;
            c.Size = size;
            Sort(array, count, &c);
        }

        [RuntimeExport("abi_qsort_r")]
        internal static void QsortR(byte* array, ulong count, ulong size, delegate* unmanaged<void*, void*, void*, int> compare, void* argument)
        {
            SortContext c = default;
            c.CompareWithArgument = compare;
            c.Argument = argument;
            c.Size = size;
            Sort(array, count, &c);
        }

        private static void Sort(byte* array, ulong count, SortContext* c, bool mayAllocate = true)
        {
            if (count < 2 || c->Size == 0) return;
            ulong size = c->Size;
            byte* buffer = stackalloc byte[SortBufferBytes];
            c->Buffer = buffer;
            c->BufferBytes = SortBufferBytes;
            // The shorter of two runs being merged is at most half the array: with that much buffer
            // every merge is a plain one. Like glibc, leave errno as it was even if malloc fails.
            byte* allocated = null;
            ulong half = (count / 2 + 1) * size;
            if (half > SortBufferBytes && mayAllocate && Allocate != null && Release != null)
            {
                int savedErrno = CurrentErrno();
                allocated = (byte*)Allocate(half);
                if (CanReadErrno) ReportErrno(savedErrno);
                if (allocated != null) { c->Buffer = allocated; c->BufferBytes = half; }
            }

            for (ulong first = 0; first < count; first += InsertionRun)
                InsertionSort(array + first * size, count - first < InsertionRun ? count - first : InsertionRun, c);
            for (ulong width = InsertionRun; width < count; width *= 2)
                for (ulong first = 0; first + width < count; first += 2 * width)
                {
                    ulong last = count - first < 2 * width ? count : first + 2 * width;
                    Merge(array + first * size, width, last - first - width, c);
                }
            if (allocated != null) Release(allocated);
        }

        // qsort without the malloc'd buffer: what happens when malloc fails (and for the tests).
        internal static void SortInPlace(byte* array, ulong count, ulong size, delegate* unmanaged<void*, void*, int> compare)
        {
            SortContext c = default;
            c.Compare = compare;
            c.Size = size;
            Sort(array, count, &c, false);
        }

        // Stable: an element moves left only past strictly greater ones.
        private static void InsertionSort(byte* first, ulong count, SortContext* c)
        {
            ulong size = c->Size;
            for (ulong i = 1; i < count; i++)
                for (ulong j = i; j > 0 && CompareElements(c, first + (j - 1) * size, first + j * size) > 0; j--)
                    Swap(first + (j - 1) * size, first + j * size, size);
        }

        // Merges the sorted runs [first, first + left) and [first + left, first + left + right); on
        // equal keys the left run's elements stay first.
        private static void Merge(byte* first, ulong left, ulong right, SortContext* c)
        {
            ulong size = c->Size;
            while (left != 0 && right != 0)
            {
                byte* middle = first + left * size;
                if (CompareElements(c, middle - size, middle) <= 0) return;   // already in order
                if (CompareElements(c, first, middle + (right - 1) * size) > 0)
                {
                    Rotate(first, left, right, size);                             // entirely out of order
                    return;
                }
                if (left * size <= c->BufferBytes) { MergeForward(first, left, right, c); return; }
                if (right * size <= c->BufferBytes) { MergeBackward(first, left, right, c); return; }

                if (left == 1 && right == 1) { Swap(first, middle, size); return; }

                // Split the longer run in half, find where its middle element goes in the other,
                // rotate the two inner pieces past each other, then merge each side. Both merges are
                // strictly smaller whatever the comparator answers, so this always ends.
                ulong leftCut, rightCut;
                if (left > right)
                {
                    leftCut = left / 2;
                    rightCut = LowerBound(middle, right, first + leftCut * size, c);
                }
                else
                {
                    rightCut = right / 2;
                    leftCut = UpperBound(first, left, middle + rightCut * size, c);
                }
                Rotate(first + leftCut * size, left - leftCut, rightCut, size);
                byte* second = first + (leftCut + rightCut) * size;
                ulong secondLeft = left - leftCut, secondRight = right - rightCut;
                // Recurse into the smaller merge and continue with the larger: O(log n) stack.
                if (leftCut + rightCut < secondLeft + secondRight)
                {
                    Merge(first, leftCut, rightCut, c);
                    first = second;
                    left = secondLeft;
                    right = secondRight;
                }
                else
                {
                    Merge(second, secondLeft, secondRight, c);
                    left = leftCut;
                    right = rightCut;
                }
            }
        }

        // The left run goes to the buffer and the merge fills the array from the front.
        private static void MergeForward(byte* first, ulong left, ulong right, SortContext* c)
        {
            ulong size = c->Size;
            byte* buffer = c->Buffer;
            Copy(buffer, first, left * size);
            byte* fromLeft = buffer, leftEnd = buffer + left * size;
            byte* fromRight = first + left * size, rightEnd = fromRight + right * size;
            byte* to = first;
            while (fromLeft < leftEnd && fromRight < rightEnd)
            {
                if (CompareElements(c, fromLeft, fromRight) <= 0) { Copy(to, fromLeft, size); fromLeft += size; }
                else { Copy(to, fromRight, size); fromRight += size; }
                to += size;
            }
            Copy(to, fromLeft, (ulong)(leftEnd - fromLeft));
        }

        // The right run goes to the buffer and the merge fills the array from the back.
        private static void MergeBackward(byte* first, ulong left, ulong right, SortContext* c)
        {
            ulong size = c->Size;
            byte* buffer = c->Buffer;
            byte* middle = first + left * size;
            Copy(buffer, middle, right * size);
            byte* fromLeft = middle, fromRight = buffer + right * size;
            byte* to = middle + right * size;
            while (fromLeft > first && fromRight > buffer)
            {
                to -= size;
                if (CompareElements(c, fromLeft - size, fromRight - size) > 0) { fromLeft -= size; Copy(to, fromLeft, size); }
                else { fromRight -= size; Copy(to, fromRight, size); }
            }
            Copy(first, buffer, (ulong)(fromRight - buffer));
        }

        // How many elements of the sorted run are less than key (equal ones stay after the key's run).
        private static ulong LowerBound(byte* run, ulong count, byte* key, SortContext* c)
        {
            ulong low = 0, high = count;
            while (low < high)
            {
                ulong middle = low + (high - low) / 2;
                if (CompareElements(c, run + middle * c->Size, key) < 0) low = middle + 1;
                else high = middle;
            }
            return low;
        }

        // How many elements of the sorted run are not greater than key.
        private static ulong UpperBound(byte* run, ulong count, byte* key, SortContext* c)
        {
            ulong low = 0, high = count;
            while (low < high)
            {
                ulong middle = low + (high - low) / 2;
                if (CompareElements(c, key, run + middle * c->Size) >= 0) low = middle + 1;
                else high = middle;
            }
            return low;
        }

        // Exchanges the adjacent blocks of `left` and `right` elements starting at first.
        private static void Rotate(byte* first, ulong left, ulong right, ulong size)
        {
            if (left == 0 || right == 0) return;
            Reverse(first, left, size);
            Reverse(first + left * size, right, size);
            Reverse(first, left + right, size);
        }

        private static void Reverse(byte* first, ulong count, ulong size)
        {
            for (ulong i = 0, j = count - 1; i < j; i++, j--) Swap(first + i * size, first + j * size, size);
        }

        [RuntimeExport("abi_bsearch")]
        internal static void* Bsearch(void* key, byte* array, ulong count, ulong size, delegate* unmanaged<void*, void*, int> compare)
        {
            ulong low = 0, high = count;
            while (low < high)
            {
                ulong middle = low + (high - low) / 2;
                byte* element = array + middle * size;
                int order = compare(key, element);
                if (order < 0) high = middle;
                else if (order > 0) low = middle + 1;
                else return element;
            }
            return null;
        }
    }
}
