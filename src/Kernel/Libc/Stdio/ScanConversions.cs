// scanf's conversions: %c %s %[ %d %i %u %o %x %b %p %n and the floating-point ones.
using System;
using System.Runtime;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Stdlib;

namespace Nimbus.Kernel.Libc.Stdio
{
    public static unsafe partial class Scanf
    {
        // %c: exactly `width` bytes (1 by default), white space included, no terminating NUL.
        private static int ScanChars(Engine* e, int flags, int width, int position)
        {
            if (width == -1) width = 1;
            Output o;
            int status = OpenOutput(e, &o, flags, position, (ulong)(width > 1024 ? 1024 : width), 1);
            if (status != Ok) return status;
            int c = Next(e);
            if (c == EOF) return InputError;
            while (true)
            {
                if ((flags & Suppress) == 0 && !Put(&o, (uint)c)) return OutOfMemory;
                if (--width <= 0) break;
                if ((c = Next(e)) == EOF) break;
            }
            if ((flags & Suppress) == 0) CloseOutput(e, &o);
            return Ok;
        }

        // The C locale's mbrtowc: ASCII bytes are their own wide character; NUL and bytes >= 0x80 are
        // not a (one-byte, nonzero) character.
        private static bool IsSingleWideChar(int c) => c > 0 && c < 0x80;

        // %lc / %C: like %c, each byte stored as a wchar_t.
        private static int ScanWideChars(Engine* e, int flags, int width, int position)
        {
            if (width == -1) width = 1;
            Output o;
            int status = OpenOutput(e, &o, flags, position, (ulong)(width > 1024 ? 1024 : width), 4);
            if (status != Ok) return status;
            int c = Next(e);
            if (c == EOF) return InputError;
            while (true)
            {
                if (!IsSingleWideChar(c)) return EncodingError;
                if ((flags & Suppress) == 0 && !Put(&o, (uint)c)) return OutOfMemory;
                if (--width <= 0) break;
                if ((c = Next(e)) == EOF) break;
            }
            if ((flags & Suppress) == 0) CloseOutput(e, &o);
            return Ok;
        }

        // %s (and %ls, %S when wide): a run of non-white-space bytes, then a NUL.
        private static int ScanWord(Engine* e, int flags, int width, int position, bool wide)
        {
            Output o;
            int status = OpenOutput(e, &o, flags, position, 100, wide ? 4 : 1);
            if (status != Ok) return status;
            int c = Next(e);
            if (c == EOF) return InputError;
            while (true)
            {
                if (IsSpace(c)) { Unget(e, c); break; }
                if (wide && !IsSingleWideChar(c)) return EncodingError;
                if ((flags & Suppress) == 0 && !Put(&o, (uint)c)) return OutOfMemory;
                if (width > 0 && --width == 0) break;
                if ((c = Next(e)) == EOF) break;
            }
            if ((flags & Suppress) == 0)
            {
                if (!Put(&o, 0)) return OutOfMemory;
                CloseOutput(e, &o);
            }
            return Ok;
        }

        // %[...]: the longest run of bytes in (or, with ^, not in) the set. A ] right after [ or [^
        // belongs to the set, as does a - first or last; a-z adds the range when a <= z.
        private static int ScanSet(Engine* e, ref byte* f, int flags, int width, int position)
        {
            bool wide = (flags & Long) != 0;
            Output o;
            int status = OpenOutput(e, &o, flags, position, 100, wide ? 4 : 1);
            if (status != Ok) return status;

            byte notIn = 0;
            if (*f == '^') { f++; notIn = 1; }
            byte* set = stackalloc byte[256];
            for (int i = 0; i < 256; i++) set[i] = 0;
            if (*f == ']' || *f == '-') set[*f++] = 1;
            int fc;
            while ((fc = *f++) != 0 && fc != ']')
            {
                if (fc == '-' && *f != 0 && *f != ']' && f[-2] <= *f)
                    for (int x = f[-2]; x < *f; x++) set[x] = 1;
                else
                    set[fc] = 1;
            }
            if (fc == 0) return ConversionError;

            long before = e->Consumed;
            int c = Next(e);
            if (c == EOF) return InputError;
            while (true)
            {
                if (set[c] == notIn) { Unget(e, c); break; }
                if ((flags & Suppress) == 0)
                {
                    // glibc's %l[ ignores mbrtowc failing (errno EILSEQ) and leaves that wchar_t unwritten.
                    bool valid = !wide || IsSingleWideChar(c) || c == 0;
                    if (!valid) Errno.Set(Errno.EILSEQ);
                    if (!(valid ? Put(&o, (uint)c) : Skip(&o))) return OutOfMemory;
                }
                if (width > 0 && --width == 0) break;
                if ((c = Next(e)) == EOF) break;
            }
            if (e->Consumed == before) return ConversionError;
            if ((flags & Suppress) == 0)
            {
                if (!Put(&o, 0)) return OutOfMemory;
                CloseOutput(e, &o);
            }
            return Ok;
        }

        // Integers: an optional sign, a 0x (or 0b) prefix where the base allows it, then digits, all
        // within the width. The value and its range errors are strtol's (or strtoul's) on that text.
        private static int ScanInteger(Engine* e, int flags, int width, int position, int radix)
        {
            int c = Next(e);
            if (c == EOF) return InputError;
            int accepted = 0;           // characters of the number text, sign included
            bool negative = false, hasSign = false;
            if (c == '-' || c == '+')
            {
                negative = c == '-';
                hasSign = true;
                accepted++;
                if (width > 0) width--;
                c = Next(e);
            }
            if (width != 0 && c == '0')
            {
                if (width > 0) width--;
                accepted++;
                c = Next(e);
                if (width != 0 && Lower(c) == 'x')
                {
                    if (radix == 0) radix = 16;
                    if (radix == 16)
                    {
                        if (width > 0) width--;
                        c = Next(e);
                    }
                }
                else if (width != 0 && Lower(c) == 'b' && (radix == 2 || (radix == 0 && e->Mode == ScanMode.IsoC23)))
                {
                    radix = 2;
                    if (width > 0) width--;
                    c = Next(e);
                }
                else if (radix == 0) radix = 8;
            }
            if (radix == 0) radix = 10;

            ulong magnitude = 0;
            bool overflow = false;
            ulong limit = ulong.MaxValue / (ulong)radix, lastDigit = ulong.MaxValue % (ulong)radix;
            while (c != EOF && width != 0)
            {
                if (radix == 16 ? !Numbers.IsHexDigit(c) : !IsDigit(c) || c - '0' >= radix) break;
                ulong d = (ulong)(IsDigit(c) ? c - '0' : Lower(c) - 'a' + 10);
                if (magnitude > limit || (magnitude == limit && d > lastDigit)) overflow = true;
                else magnitude = magnitude * (ulong)radix + d;
                accepted++;
                if (width > 0) width--;
                c = Next(e);
            }

            if (accepted == 0 || (accepted == 1 && hasSign))
            {
                // No number; %p also reads glibc's "(nil)" as a null pointer.
                bool nil = accepted == 0 && (flags & ReadPointer) != 0 && (width < 0 || width >= 5) && c == '('
                    && Lower(Next(e)) == 'n' && Lower(Next(e)) == 'i' && Lower(Next(e)) == 'l' && Next(e) == ')';
                if (!nil) { Unget(e, e->C); return ConversionError; }
            }
            else Unget(e, c);

            ulong value = (flags & Signed) != 0
                ? (ulong)Numbers.ClampSigned(magnitude, negative, overflow)
                : Numbers.ClampUnsigned(magnitude, negative, overflow);
            if ((flags & Suppress) == 0)
            {
                StoreInteger(NextArgument(e, position), flags, value);
                e->Done++;
            }
            return Ok;
        }

        // Stores by the length modifier: l (and ll, L, j, z, t, and %p) 8 bytes, h 2, hh 1, else 4.
        private static void StoreInteger(void* target, int flags, ulong value)
        {
            if ((flags & Long) != 0) *(ulong*)target = value;
            else if ((flags & Short) != 0) *(ushort*)target = (ushort)value;
            else if ((flags & Char) == 0) *(uint*)target = (uint)value;
            else *(byte*)target = (byte)value;
        }

        // ---------------------------------------------------------------------------------------------
        // Floating point. The accepted text is kept as typed while it is short; a longer one (hundreds
        // of digits) is kept as what decides its value, the leading significant digits, whether a
        // nonzero digit was dropped, and the exponents, and rebuilt as an equivalent shorter text.

        private const int RawCapacity = 256;
        private const int KeptCapacity = 800;

        private struct FloatText
        {
            public fixed byte Raw[RawCapacity];
            public int RawLength;
            public bool Overflowed;         // Raw is incomplete: use the digits below
            public long Length;             // characters accepted (glibc's buffer size)
            public int Last;                // the character accepted last
            public bool Negative, Hex, PointSeen;
            public long IntegerDigits;      // mantissa digits before the point, leading zeros included
            public long LeadingZeros;       // zeros before the first nonzero mantissa digit
            public long SignificantDigits;
            public fixed byte SmallKept[KeptCapacity];
            public byte* Kept;              // SmallKept, or a larger stack block for long double
            public int KeptCount, KeptLimit;
            public bool NonZeroDropped;
            public bool ExponentNegative;
            public long Exponent;           // saturated
        }

        private static void Append(FloatText* t, int c)
        {
            if (t->RawLength < RawCapacity - 1) t->Raw[t->RawLength++] = (byte)c;
            else t->Overflowed = true;
            t->Length++;
            t->Last = c;
        }

        private static void AppendMantissaDigit(FloatText* t, int c)
        {
            Append(t, c);
            if (!t->PointSeen) t->IntegerDigits++;
            if (t->SignificantDigits == 0 && c == '0') { t->LeadingZeros++; return; }
            t->SignificantDigits++;
            if (t->KeptCount < t->KeptLimit) t->Kept[t->KeptCount++] = (byte)c;
            else if (c != '0') t->NonZeroDropped = true;
        }

        private static void AppendExponentDigit(FloatText* t, int c)
        {
            Append(t, c);
            if (t->Exponent < 1_000_000_000_000L) t->Exponent = t->Exponent * 10 + (c - '0');
        }

        private static int ScanFloat(Engine* e, int flags, int width, int position)
        {
            FloatKind kind = (flags & LongDouble) != 0 ? FloatKind.Extended : (flags & Long) != 0 ? FloatKind.Double : FloatKind.Single;
            FloatText text;
            FloatText* t = &text;
            t->RawLength = 0;
            t->Overflowed = false;
            t->Length = 0;
            t->Last = 0;
            t->Negative = t->Hex = t->PointSeen = false;
            t->IntegerDigits = t->LeadingZeros = t->SignificantDigits = 0;
            t->Kept = t->SmallKept;
            t->KeptCount = 0;
            t->KeptLimit = KeptCapacity;
            t->NonZeroDropped = false;
            t->ExponentNegative = false;
            t->Exponent = 0;

            int c = Next(e);
            if (width > 0) width--;
            if (c == EOF) return InputError;
            bool gotDigit = false, gotDot = false, gotE = false, gotSign = false;

            if (c == '-' || c == '+')
            {
                gotSign = true;
                t->Negative = c == '-';
                Append(t, c);
                if (width == 0 || Next(e) == EOF) return ConversionError;
                c = e->C;
                if (width > 0) width--;
            }

            if (Lower(c) == 'n')
            {
                Append(t, c);
                if (!AcceptLetter(e, t, ref width, 'a') || !AcceptLetter(e, t, ref width, 'n')) return ConversionError;
                return ConvertFloat(e, t, flags, position, kind);
            }
            if (Lower(c) == 'i')
            {
                Append(t, c);
                if (!AcceptLetter(e, t, ref width, 'n') || !AcceptLetter(e, t, ref width, 'f')) return ConversionError;
                if (width != 0 && Next(e) != EOF)
                {
                    if (Lower(e->C) == 'i')
                    {
                        if (width > 0) width--;
                        Append(t, e->C);
                        if (!AcceptLetter(e, t, ref width, 'n') || !AcceptLetter(e, t, ref width, 'i')
                            || !AcceptLetter(e, t, ref width, 't') || !AcceptLetter(e, t, ref width, 'y'))
                            return ConversionError;
                    }
                    else Unget(e, e->C);
                }
                return ConvertFloat(e, t, flags, position, kind);
            }

            int exponentChar = 'e';
            if (width != 0 && c == '0')
            {
                AppendMantissaDigit(t, c);
                c = Next(e);
                if (width > 0) width--;
                if (width != 0 && Lower(c) == 'x')
                {
                    Append(t, c);
                    t->Hex = true;
                    exponentChar = 'p';
                    c = Next(e);
                    if (width > 0) width--;
                }
                else gotDigit = true;
            }

            while (true)
            {
                if (t->KeptCount == KeptCapacity && kind == FloatKind.Extended && t->Kept == t->SmallKept)
                {
                    // An x87 halfway point can need ~11,500 digits: room for them only when it comes to that.
                    int limit = Numbers.SignificantDigits(FloatKind.Extended);
#pragma warning disable CA2014 // at most once per conversion: Kept no longer points to SmallKept after it
                    byte* big = stackalloc byte[limit];
#pragma warning restore CA2014
                    for (int i = 0; i < KeptCapacity; i++) big[i] = t->SmallKept[i];
                    t->Kept = big;
                    t->KeptLimit = limit;
                }
                if (IsDigit(c) && !gotE) { AppendMantissaDigit(t, c); gotDigit = true; }
                else if (IsDigit(c)) { AppendExponentDigit(t, c); gotDigit = true; }
                else if (!gotE && t->Hex && Numbers.IsHexDigit(c)) { AppendMantissaDigit(t, c); gotDigit = true; }
                else if (gotE && t->Last == exponentChar && (c == '-' || c == '+')) { Append(t, c); t->ExponentNegative = c == '-'; }
                else if (gotDigit && !gotE && Lower(c) == exponentChar) { Append(t, exponentChar); gotE = gotDot = true; }
                else if (!gotDot && c == '.') { Append(t, c); gotDot = true; t->PointSeen = true; }
                else { Unget(e, c); break; }
                if (width == 0 || Next(e) == EOF) break;
                c = e->C;
                if (width > 0) width--;
            }

            // Nothing but a sign, or only "0x": not a number.
            if (t->Length == (gotSign ? 1 : 0) || (t->Hex && t->Length == 2 + (gotSign ? 1 : 0))) return ConversionError;
            return ConvertFloat(e, t, flags, position, kind);
        }

        // One more letter of "nan", "inf" or "infinity" (any case); false ends the conversion.
        private static bool AcceptLetter(Engine* e, FloatText* t, ref int width, int lowercase)
        {
            if (width == 0 || Next(e) == EOF || Lower(e->C) != lowercase) return false;
            if (width > 0) width--;
            Append(t, e->C);
            return true;
        }

        // strtod on the accepted text, as glibc does: it may take only a prefix ("0x.p1" is 0), or none.
        private static int ConvertFloat(Engine* e, FloatText* t, int flags, int position, FloatKind kind)
        {
            FloatBits value;
            bool converted;
            if (!t->Overflowed)
            {
                byte* raw = t->Raw;
                raw[t->RawLength] = 0;
                byte* end;
                value = Numbers.ParseFloat(raw, &end, kind);
                converted = end != raw;
            }
            else
            {
                byte* rebuilt = stackalloc byte[t->KeptCount + 48];
                int n = 0;
                if (t->Negative) rebuilt[n++] = (byte)'-';
                if (t->Hex) { rebuilt[n++] = (byte)'0'; rebuilt[n++] = (byte)'x'; }
                for (int i = 0; i < t->KeptCount; i++) rebuilt[n++] = t->Kept[i];
                long digits = t->KeptCount;
                if (t->NonZeroDropped) { rebuilt[n++] = (byte)'1'; digits++; }
                if (digits == 0) rebuilt[n++] = (byte)'0';
                // value = digits * base^(IntegerDigits - LeadingZeros - digits) * (10 or 2)^exponent
                long shift = t->IntegerDigits - t->LeadingZeros - digits;
                long exponent = (t->ExponentNegative ? -t->Exponent : t->Exponent) + (t->Hex ? 4 * shift : shift);
                rebuilt[n++] = (byte)(t->Hex ? 'p' : 'e');
                n += WriteSigned(rebuilt + n, exponent);
                rebuilt[n] = 0;
                value = Numbers.ParseFloat(rebuilt, null, kind);
                converted = true;
            }
            if ((flags & Suppress) == 0 && converted)
            {
                byte* target = (byte*)NextArgument(e, position);
                if (kind == FloatKind.Single) *(uint*)target = (uint)value.Bits;
                else if (kind == FloatKind.Double) *(ulong*)target = value.Bits;
                else { *(ulong*)target = value.Bits; *(ushort*)(target + 8) = value.SignExponent; }   // the 10 bytes gcc stores
            }
            if (!converted) return ConversionError;
            if ((flags & Suppress) == 0) e->Done++;
            return Ok;
        }

        private static int WriteSigned(byte* p, long v)
        {
            int n = 0;
            ulong magnitude = v < 0 ? 0 - (ulong)v : (ulong)v;
            if (v < 0) p[n++] = (byte)'-';
            byte* digits = stackalloc byte[20];
            int count = 0;
            do { digits[count++] = (byte)('0' + (int)(magnitude % 10)); magnitude /= 10; } while (magnitude != 0);
            while (count > 0) p[n++] = digits[--count];
            return n;
        }
    }
}
