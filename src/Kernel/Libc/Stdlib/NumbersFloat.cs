// strtod, strtof and (for scanf's %Lf) the x87 extended format, in the C locale, correctly rounded:
// easy inputs take a floating-point shortcut that is exact, the rest are settled with exact
// big-integer arithmetic in stack memory. Nothing here throws or allocates.
using System;
using System.Runtime;
using Nimbus.Kernel.Abi;

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

    internal static unsafe partial class Numbers
    {

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
        // strtold returns its value in the x87 st(0), which C# cannot do: this half parses into the
        // 10-byte x87 layout (FloatBits: significand, then sign and exponent) and abi_strtold
        // (Arch/X64/longdouble.S) loads it with fld.
        [RuntimeExport("libc_strtold_bits")]
        internal static void StrtoldBits(byte* s, byte** e, FloatBits* result) => *result = ParseFloat(s, e, FloatKind.Extended);

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

            if (leadingExponent >= OverflowDecimalExponent(kind)) { Errno.Set(Errno.ERANGE); return Infinity(kind, negative); }
            if (leadingExponent <= UnderflowDecimalExponent(kind)) { Errno.Set(Errno.ERANGE); return Zero(kind, negative); }

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
            if (tiny && inexact) Errno.Set(Errno.ERANGE);
            if (kept == 0) return Zero(kind, negative);

            bool normal = (kept >> (precision - 1)) != 0;
            long exponentOfTop = ulp + precision - 1;
            if (normal && exponentOfTop > maxExponent) { Errno.Set(Errno.ERANGE); return Infinity(kind, negative); }

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

    }
}
