// <stdlib.h> number conversions of the kernel's libc, in the C locale: the strtol family, atoi, abs
// and div here, strtod and its siblings in NumbersFloat.cs. Programs compare what they parse with
// what they print and check errno and the end pointer, so these follow glibc 2.36 (plus the __isoc23
// names of 2.38) to the bit. Nothing here throws or allocates managed memory.
using System;
using System.Runtime;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Stdlib
{

    [StructLayout(LayoutKind.Sequential)]
    public struct IntQuotient { public int Quot, Rem; }      // div_t: 8 bytes, returned in RAX

    [StructLayout(LayoutKind.Sequential)]
    public struct LongQuotient { public long Quot, Rem; }    // ldiv_t, lldiv_t, imaxdiv_t: RAX:RDX

    internal static unsafe partial class Numbers
    {
        // errno is set through Abi.Errno.Set. scanf and qsort also read it (glibc saves and restores
        // it around their reads and mallocs): the libc installs GetErrno at start; while null, errno
        // reads as 0 and is not restored.
        public static delegate*<int> GetErrno;

        // The malloc family, for qsort's merge buffer and scanf's %m strings (glibc mallocs both).
        // While null, qsort merges in place and %m conversions fail as if malloc had.
        public static delegate*<ulong, void*> Allocate;
        public static delegate*<void*, ulong, void*> Reallocate;
        public static delegate*<void*, void> Release;

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
            if (radix < 0 || radix == 1 || radix > 36) { Errno.Set(Errno.EINVAL); return false; }
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
                if (overflow || magnitude > 1UL << 63) { Errno.Set(Errno.ERANGE); return long.MinValue; }
                return (long)(0 - magnitude);
            }
            if (overflow || magnitude > long.MaxValue) { Errno.Set(Errno.ERANGE); return long.MaxValue; }
            return (long)magnitude;
        }

        // strtoul's: a minus sign negates modulo 2^64; only more than 64 bits is out of range.
        public static ulong ClampUnsigned(ulong magnitude, bool negative, bool overflow)
        {
            if (overflow) { Errno.Set(Errno.ERANGE); return ulong.MaxValue; }
            return negative ? 0 - magnitude : magnitude;
        }

        public static long ToSigned(byte* s, byte** end, int radix, bool binaryPrefix = false) =>
            ReadInteger(s, end, radix, binaryPrefix, out ulong m, out bool negative, out bool overflow) ? ClampSigned(m, negative, overflow) : 0;

        public static ulong ToUnsigned(byte* s, byte** end, int radix, bool binaryPrefix = false) =>
            ReadInteger(s, end, radix, binaryPrefix, out ulong m, out bool negative, out bool overflow) ? ClampUnsigned(m, negative, overflow) : 0;

        [RuntimeExport("abi_strtol")] internal static long Strtol(byte* s, byte** e, int b) => ToSigned(s, e, b);
        [RuntimeExport("abi_strtoul")] internal static ulong Strtoul(byte* s, byte** e, int b) => ToUnsigned(s, e, b);

        // glibc 2.38 names (C23: "0b" prefixes too) that programs built against newer headers import.
        [RuntimeExport("abi___isoc23_strtol")] internal static long Isoc23Strtol(byte* s, byte** e, int b) => ToSigned(s, e, b, true);
        [RuntimeExport("abi___isoc23_strtoul")] internal static ulong Isoc23Strtoul(byte* s, byte** e, int b) => ToUnsigned(s, e, b, true);

        // strtoll, strtoimax, the locale variants (only the C locale exists) and the internal names old
        // binaries import are aliases of these (Libc/Aliases.txt): long long is long on x86-64.

        // glibc's atoi is (int) strtol(s, NULL, 10): it truncates, and errno still reports overflow.
        [RuntimeExport("abi_atoi")] internal static int Atoi(byte* s) => (int)ToSigned(s, null, 10);
        [RuntimeExport("abi_atol")] internal static long Atol(byte* s) => ToSigned(s, null, 10);

        // =============================================================================================
        // abs and div. Dividing by zero faults as in glibc (SIGFPE); MIN / -1 wraps instead of trapping.

        [RuntimeExport("abi_abs")] internal static int Abs(int v) => v < 0 ? -v : v;
        [RuntimeExport("abi_labs")] internal static long Labs(long v) => v < 0 ? -v : v;

        [RuntimeExport("abi_div")]
        internal static IntQuotient Div(int numerator, int denominator)
        {
            IntQuotient r;
            if (denominator == -1) { r.Quot = -numerator; r.Rem = 0; }
            else { r.Quot = numerator / denominator; r.Rem = numerator % denominator; }
            return r;
        }

        [RuntimeExport("abi_ldiv")]
        internal static LongQuotient Ldiv(long numerator, long denominator)
        {
            LongQuotient r;
            if (denominator == -1) { r.Quot = -numerator; r.Rem = 0; }
            else { r.Quot = numerator / denominator; r.Rem = numerator % denominator; }
            return r;
        }
    }
}
