// printf's floating-point conversions (%f %e %g %a): exact decimal digits of the binary value with
// big-integer arithmetic in stack memory, rounded as glibc does (half to even, or in the current
// directed rounding mode).
using System;
using Nimbus.Kernel.Libc.Math;

namespace Nimbus.Kernel.Libc.Stdio
{
    public static unsafe partial class Format
    {
        // Floating point: value = Significand * 2^Exponent2.

        private const byte KindZero = 0, KindFinite = 1, KindInfinity = 2, KindNaN = 3;

        private struct FloatValue
        {
            public bool Negative;
            public byte Kind;
            public ulong Significand;
            public int Exponent2;
            public bool IsLongDouble;
        }

        private static void DecomposeDouble(ulong bits, FloatValue* v)
        {
            v->Negative = (bits >> 63) != 0;
            v->IsLongDouble = false;
            int biased = (int)((bits >> 52) & 0x7FF);
            ulong fraction = bits & ((1UL << 52) - 1);
            if (biased == 0x7FF)
            {
                v->Kind = fraction == 0 ? KindInfinity : KindNaN;
                return;
            }
            if (biased == 0)
            {
                v->Kind = fraction == 0 ? KindZero : KindFinite;
                v->Significand = fraction;
                v->Exponent2 = -1074;
                return;
            }
            v->Kind = KindFinite;
            v->Significand = fraction | (1UL << 52);
            v->Exponent2 = biased - 1075;
        }

        private static void DecomposeLongDouble(ulong significand, ushort signAndExponent, FloatValue* v)
        {
            v->Negative = (signAndExponent >> 15) != 0;
            v->IsLongDouble = true;
            int biased = signAndExponent & 0x7FFF;
            v->Significand = significand;
            if (biased == 0x7FFF)
            {
                // Only the integer bit alone is infinity; pseudo-infinities (no integer bit) are nan.
                v->Kind = significand == 0x8000000000000000UL ? KindInfinity : KindNaN;
                return;
            }
            if (biased == 0)
            {
                // Denormals (and pseudo-denormals, whose integer bit is set) have the minimum exponent.
                v->Kind = significand == 0 ? KindZero : KindFinite;
                v->Exponent2 = 1 - 16383 - 63;
                return;
            }
            // An "unnormal" (integer bit clear) is not a valid x87 number: printed as nan.
            v->Kind = (significand >> 63) != 0 ? KindFinite : KindNaN;
            v->Exponent2 = biased - 16383 - 63;
        }

        private static bool FormatFloat(Output* o, Spec* s, FloatValue* v)
        {
            byte c = s->Conversion;
            bool upper = c == 'E' || c == 'F' || c == 'G' || c == 'A';
            byte sign = 0;
            if (v->Negative) sign = (byte)'-';
            else if ((s->Flags & FlagPlus) != 0) sign = (byte)'+';
            else if ((s->Flags & FlagSpace) != 0) sign = (byte)' ';

            if (v->Kind == KindInfinity || v->Kind == KindNaN)
            {
                // Padded with spaces even with the '0' flag.
                ReadOnlySpan<byte> word = v->Kind == KindInfinity ? (upper ? "INF"u8 : "inf"u8) : (upper ? "NAN"u8 : "nan"u8);
                long length = 3 + (sign != 0 ? 1 : 0);
                PadBefore(o, s, length);
                if (sign != 0) Put(o, sign);
                PutText(o, word);
                PadAfter(o, s, length);
                return true;
            }
            if (c == 'a' || c == 'A') return FormatHexFloat(o, s, v, sign, upper);
            return FormatDecimalFloat(o, s, v, sign, upper);
        }

        // Pads a number whose text is `length` bytes: the '0' flag puts zeros after the sign (and
        // after "0x" for %a), otherwise spaces go before or after.
        private static long ZeroPadding(Spec* s, long length) =>
            (s->Flags & (FlagZero | FlagLeft)) == FlagZero && s->Width > length ? s->Width - length : 0;

        // %a: the significand in hexadecimal. Doubles print as 1.xxx (0.xxx for subnormals) with
        // exponent -1022 at least; x87 long doubles print their top nibble first (1.0L is 0x8p-3),
        // both exactly as glibc. The precision rounds half to even.
        private static bool FormatHexFloat(Output* o, Spec* s, FloatValue* v, byte sign, bool upper)
        {
            int fractionNibbles = v->IsLongDouble ? 15 : 13;
            ulong lead = 0, fraction = 0;
            long exponent = 0;
            if (v->Kind != KindZero)
            {
                int fractionBits = fractionNibbles * 4;
                lead = v->Significand >> fractionBits;
                fraction = v->Significand & ((1UL << fractionBits) - 1);
                exponent = v->Exponent2 + fractionBits;
            }

            int shownNibbles;         // hexadecimal digits after the point taken from `fraction`
            long extraZeros = 0;      // precision beyond the significand
            if (s->Precision < 0)
            {
                shownNibbles = fractionNibbles;
                while (shownNibbles > 0 && (fraction & 0xF) == 0)
                {
                    fraction >>= 4;
                    shownNibbles--;
                }
            }
            else if (s->Precision < fractionNibbles)
            {
                shownNibbles = s->Precision;
                int dropped = (fractionNibbles - shownNibbles) * 4;
                ulong kept = fraction >> dropped;
                ulong rest = fraction & ((1UL << dropped) - 1);
                ulong half = 1UL << (dropped - 1);
                bool odd = shownNibbles > 0 ? (kept & 1) != 0 : (lead & 1) != 0;
                if (rest > half || (rest == half && odd))
                {
                    if (shownNibbles == 0) lead++;
                    else
                    {
                        kept++;
                        if ((kept >> (shownNibbles * 4)) != 0)
                        {
                            kept = 0;
                            lead++;
                        }
                    }
                    if (lead == 16)
                    {
                        // Only an x87 top nibble can carry out (0xf.8 -> 0x10): glibc prints 0x1 and
                        // adds 4 to the exponent.
                        lead = 1;
                        exponent += 4;
                    }
                }
                fraction = kept;
            }
            else
            {
                shownNibbles = fractionNibbles;
                extraZeros = s->Precision - fractionNibbles;
            }

            byte* exponentDigits = stackalloc byte[20];
            int exponentLength = WriteDecimal(exponentDigits, (ulong)(exponent < 0 ? -exponent : exponent));
            bool point = shownNibbles > 0 || extraZeros > 0 || (s->Flags & FlagAlt) != 0;
            long length = (sign != 0 ? 1 : 0) + 2 + 1 + (point ? 1 : 0) + shownNibbles + extraZeros + 2 + exponentLength;
            long zeros = ZeroPadding(s, length);
            ReadOnlySpan<byte> hex = upper ? "0123456789ABCDEF"u8 : "0123456789abcdef"u8;

            PadBefore(o, s, length + zeros);
            if (sign != 0) Put(o, sign);
            Put(o, (byte)'0');
            Put(o, upper ? (byte)'X' : (byte)'x');
            Repeat(o, (byte)'0', zeros);
            Put(o, hex[(int)lead]);
            if (point) Put(o, (byte)'.');
            for (int i = shownNibbles - 1; i >= 0; i--) Put(o, hex[(int)((fraction >> (i * 4)) & 0xF)]);
            Repeat(o, (byte)'0', extraZeros);
            Put(o, upper ? (byte)'P' : (byte)'p');
            Put(o, exponent < 0 ? (byte)'-' : (byte)'+');
            PutBytes(o, exponentDigits, exponentLength);
            if ((s->Flags & (FlagLeft | FlagZero)) != (FlagLeft | FlagZero)) PadAfter(o, s, length + zeros);
            return true;
        }

        // ---------------------------------------------------------------------------------------------
        // Exact decimal digits of Significand * 2^Exponent2, most significant first, from two parts:
        //  - the integer part, converted once into base-10^9 chunks (repeated division),
        //  - the fraction f < 1, kept as a big binary fraction and multiplied by 10^9 for each next
        //    nine digits; it ends (becomes 0) after at most -Exponent2 digits.
        // Reading is restartable (Start) because the formatter reads twice: once to decide rounding
        // and the layout, once to print. So no digit buffer is needed, whatever the precision.
        // Stack: a few hundred bytes for doubles, up to ~4.3 KB for the largest/smallest long doubles.

        private const uint ChunkBase = 1000000000;

        private struct DigitSource
        {
            public bool IsZero;
            public uint* Chunks;          // integer part, least significant chunk first
            public int ChunkCount;
            public int NextChunk;         // next chunk to read (counting down), -1 when done
            public uint* Fraction;        // little-endian limbs; fraction = value / 2^(32 * FractionLimbs)
            public int FractionLimbs;
            public int FractionLow;       // limbs below are zero (FractionLimbs: the fraction is 0)
            public int FractionHigh;      // limbs from here up are zero
            public ulong FractionBits;    // the fraction as Significand's low bits, to restart
            public int FractionShift;
            public fixed byte Pending[9]; // digit values of the current chunk
            public int PendingPos;
            public int PendingEnd;
            public int Exponent10;        // decimal exponent of the first digit
        }

        // uints of stack the digit source needs for a value with this binary exponent.
        private static int StorageFor(int exponent2)
        {
            if (exponent2 >= 0)
            {
                int limbs = (64 + exponent2) / 32 + 1;
                return limbs + limbs * 32 / 29 + 2;   // a 9-digit chunk holds more than 29 bits
            }
            return (-exponent2 + 31) / 32 + 3;
        }

        private static void Prepare(DigitSource* d, ulong significand, int exponent2, uint* storage)
        {
            d->IsZero = false;
            d->ChunkCount = 0;
            d->FractionLimbs = 0;
            d->FractionBits = 0;
            d->FractionShift = 0;
            if (exponent2 >= 0)
            {
                // A pure integer: significand << exponent2 as a big number, then to chunks.
                int limbs = (64 + exponent2) / 32 + 1;
                uint* big = storage;
                for (int i = 0; i < limbs; i++) big[i] = 0;
                int word = exponent2 / 32, shift = exponent2 % 32;
                ulong low = significand << shift;
                big[word] = (uint)low;
                big[word + 1] = (uint)(low >> 32);
                if (shift != 0 && word + 2 < limbs) big[word + 2] = (uint)(significand >> (64 - shift));
                d->Chunks = storage + limbs;
                int top = limbs - 1;
                while (top >= 0 && big[top] == 0) top--;
                while (top >= 0)
                {
                    ulong remainder = 0;
                    for (int i = top; i >= 0; i--)
                    {
                        ulong current = (remainder << 32) | big[i];
                        big[i] = (uint)(current / ChunkBase);
                        remainder = current % ChunkBase;
                    }
                    d->Chunks[d->ChunkCount++] = (uint)remainder;
                    while (top >= 0 && big[top] == 0) top--;
                }
                d->Fraction = storage;
                return;
            }

            int fractionBitCount = -exponent2;
            ulong integerPart = fractionBitCount < 64 ? significand >> fractionBitCount : 0;
            d->FractionBits = fractionBitCount < 64 ? significand & ((1UL << fractionBitCount) - 1) : significand;
            d->FractionLimbs = (fractionBitCount + 31) / 32;
            d->FractionShift = d->FractionLimbs * 32 - fractionBitCount;
            d->Fraction = storage;
            d->Chunks = storage + d->FractionLimbs;
            while (integerPart != 0)
            {
                d->Chunks[d->ChunkCount++] = (uint)(integerPart % ChunkBase);
                integerPart /= ChunkBase;
            }
        }

        private static int DecimalLength(uint v)
        {
            int n = 1;
            while (v >= 10) { v /= 10; n++; }
            return n;
        }

        private static void LoadChunk(DigitSource* d, uint chunk)
        {
            for (int i = 8; i >= 0; i--)
            {
                d->Pending[i] = (byte)(chunk % 10);
                chunk /= 10;
            }
            d->PendingPos = 0;
            d->PendingEnd = 9;
        }

        // The next nine fraction digits: fraction *= 10^9, the part that crosses the point.
        private static uint NextFractionChunk(DigitSource* d)
        {
            ulong carry = 0;
            uint* limbs = d->Fraction;
            for (int i = d->FractionLow; i < d->FractionHigh; i++)
            {
                ulong product = (ulong)limbs[i] * ChunkBase + carry;
                limbs[i] = (uint)product;
                carry = product >> 32;
            }
            if (carry != 0 && d->FractionHigh < d->FractionLimbs)
            {
                limbs[d->FractionHigh++] = (uint)carry;
                carry = 0;
            }
            while (d->FractionLow < d->FractionHigh && limbs[d->FractionLow] == 0) d->FractionLow++;
            if (d->FractionLow == d->FractionHigh) d->FractionLow = d->FractionHigh = d->FractionLimbs;
            return (uint)carry;
        }

        // Positions the source on the first significant digit and sets Exponent10.
        private static void Start(DigitSource* d)
        {
            d->PendingPos = d->PendingEnd = 0;
            if (d->IsZero)
            {
                d->NextChunk = -1;
                d->FractionLow = d->FractionHigh = d->FractionLimbs = 0;
                d->Exponent10 = 0;
                return;
            }

            int limbCount = d->FractionLimbs;
            uint* limbs = d->Fraction;
            for (int i = 0; i < limbCount; i++) limbs[i] = 0;
            ulong low = d->FractionBits << d->FractionShift;
            uint high = d->FractionShift == 0 ? 0 : (uint)(d->FractionBits >> (64 - d->FractionShift));
            // The fraction is below 1, so parts beyond FractionLimbs are zero.
            if (limbCount > 0) limbs[0] = (uint)low;
            if (limbCount > 1) limbs[1] = (uint)(low >> 32);
            if (limbCount > 2) limbs[2] = high;
            d->FractionLow = 0;
            d->FractionHigh = limbCount < 3 ? limbCount : 3;
            while (d->FractionLow < d->FractionHigh && limbs[d->FractionLow] == 0) d->FractionLow++;
            if (d->FractionLow == d->FractionHigh) d->FractionLow = d->FractionHigh = limbCount;

            if (d->ChunkCount > 0)
            {
                uint top = d->Chunks[d->ChunkCount - 1];
                int topDigits = DecimalLength(top);
                LoadChunk(d, top);
                d->PendingPos = 9 - topDigits;
                d->NextChunk = d->ChunkCount - 2;
                d->Exponent10 = (d->ChunkCount - 1) * 9 + topDigits - 1;
                return;
            }

            // No integer part: skip the fraction's leading zeros.
            d->NextChunk = -1;
            int zeros = 0;
            while (true)
            {
                uint chunk = NextFractionChunk(d);
                if (chunk == 0)
                {
                    zeros += 9;
                    continue;
                }
                LoadChunk(d, chunk);
                while (d->Pending[d->PendingPos] == 0) d->PendingPos++;
                zeros += d->PendingPos;
                break;
            }
            d->Exponent10 = -(zeros + 1);
        }

        // True when every digit still to come is 0 (the exact expansion has ended).
        private static bool Exhausted(DigitSource* d) =>
            d->PendingPos == d->PendingEnd && d->NextChunk < 0 && d->FractionLow >= d->FractionLimbs;

        private static int NextDigit(DigitSource* d)
        {
            if (d->PendingPos == d->PendingEnd)
            {
                if (d->NextChunk >= 0) LoadChunk(d, d->Chunks[d->NextChunk--]);
                else if (d->FractionLow < d->FractionLimbs) LoadChunk(d, NextFractionChunk(d));
                else return 0;
            }
            return d->Pending[d->PendingPos++];
        }

        private static bool RestIsZero(DigitSource* d)
        {
            for (int i = d->PendingPos; i < d->PendingEnd; i++)
                if (d->Pending[i] != 0) return false;
            for (int i = d->NextChunk; i >= 0; i--)
                if (d->Chunks[i] != 0) return false;
            return d->FractionLow >= d->FractionLimbs;
        }

        // How the first Kept digits round, decided on a first reading; the second reading then
        // produces the rounded digits one by one (digit LastNonNine + 1, zeros after it).
        private struct Rounding
        {
            public bool Up;
            public bool AllNines;       // rounding up carries out: the digits become 1000...
            public long LastNonNine;
            public long LastNonZero;    // after rounding; -1 when all kept digits are 0
            public long Index;          // second reading: digits produced so far
        }

        // The current rounding mode (fesetround) decides, as glibc's round_away: to nearest, half to
        // even; upward and downward away from zero on one side only; toward zero never.
        private static void PlanRounding(DigitSource* d, long kept, Rounding* r, bool negative)
        {
            r->Up = false;
            r->AllNines = false;
            r->LastNonNine = -1;
            r->LastNonZero = -1;
            r->Index = 0;
            if (d->IsZero) return;
            int mode = MathHardware.RoundingMode();
            bool away = mode == RoundUpward ? !negative : mode == RoundDownward && negative;
            if (kept < 0)
            {
                // Below a unit of the last place: 0, or that unit in a directed mode.
                if (away) { r->Up = true; r->AllNines = true; r->LastNonZero = 0; }
                return;
            }
            int last = 0;
            for (long i = 0; i < kept; i++)
            {
                if (Exhausted(d)) return;   // only zeros remain: no rounding
                last = NextDigit(d);
                if (last != 9) r->LastNonNine = i;
                if (last != 0) r->LastNonZero = i;
            }
            if (Exhausted(d)) return;
            int next = NextDigit(d);
            bool odd = kept > 0 && (last & 1) != 0;
            bool up = mode == RoundToNearest ? next > 5 || (next == 5 && (odd || !RestIsZero(d)))
                : away && (next != 0 || !RestIsZero(d));
            if (up)
            {
                r->Up = true;
                r->AllNines = r->LastNonNine < 0;
                r->LastNonZero = r->AllNines ? 0 : r->LastNonNine;
            }
        }

        private const int RoundToNearest = 0, RoundDownward = 0x400, RoundUpward = 0x800;

        private static bool RemainingAreZero(DigitSource* d, Rounding* r)
        {
            if (!r->Up) return d->IsZero || Exhausted(d);
            return r->AllNines ? r->Index >= 1 : r->Index > r->LastNonNine;
        }

        private static int NextRoundedDigit(DigitSource* d, Rounding* r)
        {
            long i = r->Index++;
            if (!r->Up) return NextDigit(d);
            if (r->AllNines) return i == 0 ? 1 : 0;
            if (i < r->LastNonNine) return NextDigit(d);
            if (i == r->LastNonNine) return NextDigit(d) + 1;
            return 0;
        }

        private static void EmitDigits(Output* o, DigitSource* d, Rounding* r, long count)
        {
            while (count > 0)
            {
                if (RemainingAreZero(d, r))
                {
                    Repeat(o, (byte)'0', count);
                    return;
                }
                Put(o, (byte)('0' + NextRoundedDigit(d, r)));
                count--;
            }
        }

        // %e %f %g.
        private static bool FormatDecimalFloat(Output* o, Spec* s, FloatValue* v, byte sign, bool upper)
        {
            byte lower = (byte)(s->Conversion | 0x20);
            bool alt = (s->Flags & FlagAlt) != 0;
            long precision = s->Precision < 0 ? 6 : s->Precision;

            int storage = v->Kind == KindZero ? 1 : StorageFor(v->Exponent2);
            uint* memory = stackalloc uint[storage];
            DigitSource source;
            DigitSource* d = &source;
            if (v->Kind == KindZero)
            {
                d->IsZero = true;
                d->ChunkCount = 0;
                d->FractionLimbs = 0;
            }
            else Prepare(d, v->Significand, v->Exponent2, memory);
            Start(d);

            long exponent = d->Exponent10;
            Rounding rounding;
            Rounding* r = &rounding;
            bool exponentStyle;
            long fractionDigits;     // digits printed after the point

            if (lower == 'f')
            {
                long kept = exponent + 1 + precision;
                PlanRounding(d, kept, r, v->Negative);
                if (kept <= 0 && !r->Up)
                {
                    d->IsZero = true;    // rounds to 0: print 0.000...
                    exponent = 0;
                }
                else if (kept < 0) exponent = -precision;   // rounded away to one unit of the last place
                else if (r->Up && r->AllNines) exponent++;
                exponentStyle = false;
                fractionDigits = precision;
            }
            else if (lower == 'e')
            {
                PlanRounding(d, precision + 1, r, v->Negative);
                if (r->Up && r->AllNines) exponent++;
                exponentStyle = true;
                fractionDigits = precision;
            }
            else
            {
                // %g: P significant digits; %e style if the exponent is < -4 or >= P.
                long significant = precision == 0 ? 1 : precision;
                PlanRounding(d, significant, r, v->Negative);
                bool exponentStyleBeforeRounding = exponent < -4 || exponent >= significant;
                if (r->Up && r->AllNines) exponent++;
                exponentStyle = exponent < -4 || exponent >= significant;
                fractionDigits = exponentStyle ? significant - 1 : significant - 1 - exponent;
                // glibc quirk: when rounding carries %f style into %e style (999.6 with %#.3g), it
                // prints no fraction digits: "1.e+03", not "1.00e+03".
                if (exponentStyle && !exponentStyleBeforeRounding) fractionDigits = 0;
                if (!alt)
                {
                    // Trailing zeros go (with the point when nothing follows it).
                    long lastNonZero = r->LastNonZero < 0 ? 0 : r->LastNonZero;
                    long needed = exponentStyle ? lastNonZero : lastNonZero - exponent;
                    if (needed < 0) needed = 0;
                    if (needed < fractionDigits) fractionDigits = needed;
                }
            }

            byte* exponentDigits = stackalloc byte[20];
            int exponentLength = 0;
            long integerDigits = 1;
            if (exponentStyle)
            {
                exponentLength = WriteDecimal(exponentDigits, (ulong)(exponent < 0 ? -exponent : exponent));
                if (exponentLength < 2)
                {
                    exponentDigits[1] = exponentDigits[0];
                    exponentDigits[0] = (byte)'0';
                    exponentLength = 2;
                }
            }
            else if (exponent > 0) integerDigits = exponent + 1;

            bool point = fractionDigits > 0 || alt;
            long length = (sign != 0 ? 1 : 0) + integerDigits + (point ? 1 : 0) + fractionDigits
                + (exponentStyle ? 2 + exponentLength : 0);
            if (length > int.MaxValue) return false;
            long zeros = ZeroPadding(s, length);

            // Second reading: print.
            Start(d);
            PadBefore(o, s, length + zeros);
            if (sign != 0) Put(o, sign);
            Repeat(o, (byte)'0', zeros);
            if (exponentStyle)
            {
                EmitDigits(o, d, r, 1);
                if (point) Put(o, (byte)'.');
                EmitDigits(o, d, r, fractionDigits);
                Put(o, upper ? (byte)'E' : (byte)'e');
                Put(o, exponent < 0 ? (byte)'-' : (byte)'+');
                PutBytes(o, exponentDigits, exponentLength);
            }
            else
            {
                if (exponent >= 0) EmitDigits(o, d, r, exponent + 1);
                else Put(o, (byte)'0');
                if (point) Put(o, (byte)'.');
                long leadingZeros = exponent < -1 ? -exponent - 1 : 0;
                if (leadingZeros > fractionDigits) leadingZeros = fractionDigits;
                Repeat(o, (byte)'0', leadingZeros);
                EmitDigits(o, d, r, fractionDigits - leadingZeros);
            }
            if ((s->Flags & (FlagLeft | FlagZero)) == (FlagLeft | FlagZero))
            {
                if (s->Width > length) Repeat(o, (byte)'0', s->Width - length);
            }
            else PadAfter(o, s, length + zeros);
            return true;
        }
    }
}
