// The printf engine of the kernel's glibc-compatible libc: vfprintf/vsnprintf in the C locale.
// Programs built against glibc compare, parse and hash what printf prints, so this reproduces
// glibc 2.36 byte for byte, including its quirks (unknown conversions echoed back, "(nil)", "-nan",
// positional arguments, %m/%#m, %b). Floating point is printed from the exact binary value with
// big-integer arithmetic in stack memory and rounded half-to-even, as glibc does in the default
// rounding mode. Nothing here allocates, throws or needs more of the BCL than our CoreLib has.
using System;

namespace Nimbus.Kernel.Libc.Stdio
{
    // Where formatted text goes. A function pointer and its context instead of an interface:
    // no allocation and no interface dispatch in the kernel.
    public unsafe struct FormatSink
    {
        public delegate*<void*, byte*, int, int> Write;   // (context, bytes, length) -> 0 ok, -1 error
        public void* Context;

        public FormatSink(delegate*<void*, byte*, int, int> write, void* context)
        {
            Write = write;
            Context = context;
        }
    }

    public static unsafe partial class Format
    {
        // %m needs errno and strerror, which belong to the libc around this engine: it installs them.
        // Without them %m prints "Unknown error N" (N = 0 without Errno) and %#m prints N.
        public static delegate*<int> Errno;
        public static delegate*<int, byte*> StrError;     // NUL-terminated text, or null
        public static delegate*<int, byte*> ErrorName;    // %#m: "ENOENT" for 2, null when unknown

        // At most this many distinct positional arguments (%N$); glibc has no fixed limit, but each
        // costs 11 bytes of stack here and real programs use a handful.
        public const int MaxPositionalArguments = 256;

        // vfprintf: formats into the sink and returns the number of bytes of the full output, or -1
        // when the sink failed, the format is invalid (ends inside a conversion, numbers overflow),
        // a wide character has no C-locale encoding, or the output would exceed INT_MAX bytes.
        public static int Printf(ref FormatSink sink, byte* format, VaList* args)
        {
            if (format == null) return -1;   // glibc would fault
            Output output = default;
            output.Write = sink.Write;
            output.Context = sink.Context;
            int status = Run(&output, format, args);
            Flush(&output);
            if (status < 0 || output.Failed || output.Total > int.MaxValue) return -1;
            return (int)output.Total;
        }

        // vsnprintf: at most size-1 bytes and a NUL go to buf (nothing when size is 0); the return
        // value is the length the full output has, so callers can detect truncation.
        public static int SPrintf(byte* buf, ulong size, byte* format, VaList* args)
        {
            BufferTarget target;
            target.Buffer = buf;
            target.Room = size > 0 ? size - 1 : 0;
            target.Used = 0;
            FormatSink sink = new FormatSink(&WriteToBuffer, &target);
            int length = Printf(ref sink, format, args);
            if (size > 0) buf[target.Used] = 0;
            return length;
        }

        private struct BufferTarget
        {
            public byte* Buffer;
            public ulong Room;
            public ulong Used;
        }

        private static int WriteToBuffer(void* context, byte* bytes, int length)
        {
            BufferTarget* target = (BufferTarget*)context;
            ulong left = target->Room - target->Used;
            ulong take = (ulong)length < left ? (ulong)length : left;
            byte* destination = target->Buffer + target->Used;
            for (ulong i = 0; i < take; i++) destination[i] = bytes[i];
            target->Used += take;
            return 0;
        }

        // ---------------------------------------------------------------------------------------------
        // Output: text is gathered in a small buffer so the sink sees few, large writes.

        private struct Output
        {
            public const int Capacity = 256;
            public fixed byte Buffer[Capacity];
            public int Used;
            public long Total;      // bytes of the full output so far (what printf returns)
            public bool Failed;     // the sink reported an error: stop writing
            public delegate*<void*, byte*, int, int> Write;
            public void* Context;
        }

        private static void Flush(Output* o)
        {
            if (o->Used > 0 && !o->Failed && o->Write != null && o->Write(o->Context, o->Buffer, o->Used) != 0)
                o->Failed = true;
            o->Used = 0;
        }

        private static void Put(Output* o, byte b)
        {
            if (o->Used == Output.Capacity) Flush(o);
            o->Buffer[o->Used++] = b;
            o->Total++;
        }

        // Room in the buffer for the next block. Once the output would pass INT_MAX bytes printf can
        // only return -1, so from there on nothing is written and only the count grows.
        private static int Room(Output* o, long count)
        {
            if (o->Total + count > int.MaxValue)
            {
                o->Total += count;
                return 0;
            }
            if (o->Used == Output.Capacity) Flush(o);
            int room = Output.Capacity - o->Used;
            return count < room ? (int)count : room;
        }

        private static void PutBytes(Output* o, byte* bytes, long count)
        {
            while (count > 0)
            {
                int n = Room(o, count);
                if (n == 0) return;
                byte* destination = o->Buffer + o->Used;
                for (int i = 0; i < n; i++) destination[i] = bytes[i];
                o->Used += n;
                o->Total += n;
                bytes += n;
                count -= n;
            }
        }

        private static void PutText(Output* o, ReadOnlySpan<byte> text)
        {
            for (int i = 0; i < text.Length; i++) Put(o, text[i]);
        }

        private static void Repeat(Output* o, byte b, long count)
        {
            while (count > 0)
            {
                int n = Room(o, count);
                if (n == 0) return;
                byte* destination = o->Buffer + o->Used;
                for (int i = 0; i < n; i++) destination[i] = b;
                o->Used += n;
                o->Total += n;
                count -= n;
            }
        }

        // Writes v in decimal at dst (room for 20 digits) and returns the number of digits.
        private static int WriteDecimal(byte* dst, ulong v)
        {
            byte* tmp = stackalloc byte[20];
            int n = 0;
            do { tmp[n++] = (byte)('0' + (int)(v % 10)); v /= 10; } while (v != 0);
            for (int i = 0; i < n; i++) dst[i] = tmp[n - 1 - i];
            return n;
        }

        // Padding around a conversion whose text is `length` bytes long.
        private static void PadBefore(Output* o, Spec* s, long length)
        {
            if ((s->Flags & FlagLeft) == 0 && s->Width > length) Repeat(o, (byte)' ', s->Width - length);
        }

        private static void PadAfter(Output* o, Spec* s, long length)
        {
            if ((s->Flags & FlagLeft) != 0 && s->Width > length) Repeat(o, (byte)' ', s->Width - length);
        }

        // ---------------------------------------------------------------------------------------------
        // Conversion specifications.

        private const int FlagAlt = 1, FlagGroup = 2, FlagPlus = 4, FlagSpace = 8, FlagLeft = 16, FlagZero = 32, FlagI18n = 64;

        // L and q are kept apart from ll: glibc's slow path treats them differently (see Spec.Slow).
        private enum Length : byte { None, Char, Short, Long, LongLong, IntMax, Size, PtrDiff, LongDouble }

        // How an argument travels in a va_list.
        private const byte ClassNone = 0, ClassGp = 1, ClassDouble = 2, ClassLongDouble = 3;

        private struct Spec
        {
            public int Flags;
            public int Width;
            public int Precision;       // -1: none
            public Length Length;
            public byte Conversion;
            public int WidthArg;        // argument index of a '*' width, -1 when none
            public int PrecisionArg;    // same for '.*'
            public int DataArg;         // argument index of the value, -1 when the conversion takes none
            public byte DataClass;
            public bool Positional;     // an N$ or *N$ form appeared
            // glibc has two interpreters: a fast one, and a slow one that takes over for the rest of
            // the format at the first positional argument, unknown conversion, or combination the
            // fast one does not handle (h with c s p m or a float). In the slow one, L and q no longer
            // make integers 64-bit nor %c/%s wide, and a format ending inside a conversion is echoed.
            public bool Slow;
        }

        private static bool IsDigit(byte c) => c >= '0' && c <= '9';

        // Reads a decimal number; -1 when it does not fit an int (glibc fails such formats with EOVERFLOW).
        private static int ReadNumber(ref byte* p)
        {
            long value = 0;
            bool overflow = false;
            while (IsDigit(*p))
            {
                if (!overflow)
                {
                    value = value * 10 + (*p - '0');
                    if (value > int.MaxValue) overflow = true;
                }
                p++;
            }
            return overflow ? -1 : (int)value;
        }

        // After a '*': the index of a "*N$" argument, or the next sequential one.
        private static bool ReadStarArgument(ref byte* p, Spec* s, ref int nextArg, out int index)
        {
            if (IsDigit(*p))
            {
                byte* q = p;
                int n = ReadNumber(ref q);
                if (*q == '$')
                {
                    if (n < 0) { index = -1; return false; }
                    if (n > 0)
                    {
                        index = n - 1;
                        s->Positional = true;
                        p = q + 1;
                        return true;
                    }
                }
            }
            index = nextArg++;
            return true;
        }

        private const int ParsedOk = 1, ParsedIncomplete = 0, ParsedOverflow = -1;

        // Parses one conversion; p points after the '%' and is left after the conversion character.
        // nextArg hands out sequential argument indices (in glibc's order: width, precision, value).
        // ParsedIncomplete when the format ends inside the conversion (the fields read so far are set).
        private static int ParseSpec(ref byte* p, Spec* s, ref int nextArg)
        {
            s->Flags = 0;
            s->Width = 0;
            s->Precision = -1;
            s->Length = Length.None;
            s->WidthArg = -1;
            s->PrecisionArg = -1;
            s->DataArg = -1;
            s->Positional = false;
            s->Slow = false;
            s->Conversion = 0;
            s->DataClass = ClassNone;

            int dataIndex = -1;
            if (IsDigit(*p))
            {
                byte* q = p;
                int n = ReadNumber(ref q);
                if (*q == '$')
                {
                    if (n < 0) return ParsedOverflow;
                    if (n > 0)
                    {
                        dataIndex = n - 1;
                        s->Positional = true;
                        p = q + 1;
                    }
                }
            }

            for (; ; p++)
            {
                byte c = *p;
                if (c == '-') { s->Flags |= FlagLeft; s->Flags &= ~FlagZero; }
                else if (c == '0') { if ((s->Flags & FlagLeft) == 0) s->Flags |= FlagZero; }
                else if (c == '+') s->Flags |= FlagPlus;
                else if (c == ' ') s->Flags |= FlagSpace;
                else if (c == '#') s->Flags |= FlagAlt;
                else if (c == '\'') s->Flags |= FlagGroup;   // no grouping in the C locale
                else if (c == 'I') s->Flags |= FlagI18n;     // locale digits: the C locale has none
                else break;
            }

            if (*p == '*')
            {
                p++;
                if (!ReadStarArgument(ref p, s, ref nextArg, out s->WidthArg)) return ParsedOverflow;
            }
            else if (IsDigit(*p))
            {
                s->Width = ReadNumber(ref p);
                if (s->Width < 0) return ParsedOverflow;
            }

            if (*p == '.')
            {
                p++;
                if (*p == '*')
                {
                    p++;
                    if (!ReadStarArgument(ref p, s, ref nextArg, out s->PrecisionArg)) return ParsedOverflow;
                }
                else
                {
                    s->Precision = ReadNumber(ref p);   // "." alone means 0
                    if (s->Precision < 0) return ParsedOverflow;
                }
            }

            switch (*p)
            {
                case (byte)'h':
                    p++;
                    if (*p == 'h') { p++; s->Length = Length.Char; }
                    else s->Length = Length.Short;
                    break;
                case (byte)'l':
                    p++;
                    if (*p == 'l') { p++; s->Length = Length.LongLong; }
                    else s->Length = Length.Long;
                    break;
                case (byte)'L': case (byte)'q': p++; s->Length = Length.LongDouble; break;
                case (byte)'j': p++; s->Length = Length.IntMax; break;
                case (byte)'z': case (byte)'Z': p++; s->Length = Length.Size; break;
                case (byte)'t': p++; s->Length = Length.PtrDiff; break;
            }

            byte conversion = *p;
            if (conversion == 0) return ParsedIncomplete;
            p++;
            s->Conversion = conversion;
            s->DataClass = ClassOf(conversion, s->Length);
            if (s->DataClass != ClassNone) s->DataArg = dataIndex >= 0 ? dataIndex : nextArg++;
            return ParsedOk;
        }

        // Whether glibc's fast interpreter hands this conversion (and the rest) to the slow one.
        private static bool EntersSlowPath(Spec* s)
        {
            byte c = s->Conversion;
            if (s->Positional) return true;
            if (s->Length == Length.Short && (c == 'c' || c == 'C' || c == 's' || c == 'S' || c == 'p' || c == 'm' || s->DataClass == ClassDouble))
                return true;
            return s->DataClass == ClassNone && c != 'm' && c != '%';   // an unknown conversion
        }

        private static byte ClassOf(byte conversion, Length length)
        {
            switch (conversion)
            {
                case (byte)'d': case (byte)'i': case (byte)'u': case (byte)'o': case (byte)'x': case (byte)'X':
                case (byte)'b': case (byte)'B': case (byte)'c': case (byte)'C': case (byte)'s': case (byte)'S':
                case (byte)'p': case (byte)'n':
                    return ClassGp;
                case (byte)'e': case (byte)'E': case (byte)'f': case (byte)'F': case (byte)'g': case (byte)'G':
                case (byte)'a': case (byte)'A':
                    // glibc reads a long double for ll and q as well as L.
                    return length == Length.LongLong || length == Length.LongDouble ? ClassLongDouble : ClassDouble;
                default:
                    return ClassNone;
            }
        }

        // glibc treats every length that makes an integer "long" as asking for wide %c/%s.
        private static bool IsWide(Spec* s) =>
            s->Conversion == 'C' || s->Conversion == 'S' || (s->Length >= Length.Long && !(s->Length == Length.LongDouble && s->Slow));

        private static int IntegerBits(Spec* s)
        {
            switch (s->Length)
            {
                case Length.Char: return 8;
                case Length.Short: return 16;
                case Length.None: return 32;
                case Length.LongDouble: return s->Slow ? 32 : 64;
                default: return 64;
            }
        }

        // ---------------------------------------------------------------------------------------------
        // Arguments: read in order from the va_list, or, in positional mode, collected in advance.

        private struct Args
        {
            public VaList* List;
            public ulong* Values;        // positional: one value per index (a long double's significand)
            public ushort* Exponents;    // positional: a long double's sign and exponent
        }

        private static ulong GetGp(Args* a, int index) => a->Values != null ? a->Values[index] : a->List->NextGp();

        private static ulong GetDoubleBits(Args* a, int index) => a->Values != null ? a->Values[index] : a->List->NextDoubleBits();

        private static void GetLongDouble(Args* a, int index, out ulong significand, out ushort signAndExponent)
        {
            if (a->Values != null)
            {
                significand = a->Values[index];
                signAndExponent = a->Exponents[index];
            }
            else a->List->NextLongDouble(out significand, out signAndExponent);
        }

        // ---------------------------------------------------------------------------------------------
        // The main loops.

        private static int Run(Output* o, byte* format, VaList* list)
        {
            VaList atStart = *list;   // va_copy: positional mode re-reads the arguments from the start
            Args args = default;
            args.List = list;
            byte* resume;
            int status = PrintFrom(o, format, &args, 0, false, &resume);
            if (status != 1) return status;
            return RunPositional(o, format, resume, &atStart);
        }

        // Copies literal text and converts specifications from p on. Returns 0 at the end of the
        // format, -1 on error, or (when not yet positional) 1 with *resume at the first specification
        // that uses N$: like glibc, everything before it has been printed with sequential arguments.
        private static int PrintFrom(Output* o, byte* p, Args* args, int nextArg, bool positional, byte** resume)
        {
            bool slow = positional;
            while (true)
            {
                while (*p != 0 && *p != '%') Put(o, *p++);
                if (*p == 0) return 0;
                byte* start = p;
                p++;
                Spec spec;
                int parsed = ParseSpec(ref p, &spec, ref nextArg);
                if (parsed == ParsedOverflow) return -1;
                if (spec.Positional && !positional)
                {
                    *resume = start;
                    return 1;
                }
                if (parsed == ParsedIncomplete)
                {
                    // The fast interpreter fails; the slow one echoes what it read and stops.
                    if (!slow) return -1;
                    spec.Slow = true;
                    if (!ResolveStars(&spec, args)) return -1;
                    EchoUnknown(o, &spec, false);
                    return o->Failed ? -1 : 0;
                }
                if (!slow && EntersSlowPath(&spec)) slow = true;
                spec.Slow = slow;
                if (!Convert(o, &spec, args)) return -1;
                if (o->Failed || o->Total > int.MaxValue) return -1;
            }
        }

        private static int RunPositional(Output* o, byte* format, byte* resume, VaList* list)
        {
            // First the type of every argument, from every specification of the format.
            byte* classes = stackalloc byte[MaxPositionalArguments];
            for (int i = 0; i < MaxPositionalArguments; i++) classes[i] = ClassNone;
            int count = 0;
            int nextArg = 0;
            int nextArgAtResume = 0;
            byte* p = format;
            while (true)
            {
                while (*p != 0 && *p != '%') p++;
                if (*p == 0) break;
                if (p == resume) nextArgAtResume = nextArg;
                p++;
                Spec spec;
                if (ParseSpec(ref p, &spec, ref nextArg) != ParsedOk) break;   // printing stops there
                if (!NoteArgument(classes, ref count, spec.WidthArg, ClassGp)) return -1;
                if (!NoteArgument(classes, ref count, spec.PrecisionArg, ClassGp)) return -1;
                if (!NoteArgument(classes, ref count, spec.DataArg, spec.DataClass)) return -1;
            }

            // Then all of them, in order; an index no conversion mentions is taken as an integer.
            ulong* values = stackalloc ulong[count + 1];
            ushort* exponents = stackalloc ushort[count + 1];
            for (int i = 0; i < count; i++)
            {
                exponents[i] = 0;
                if (classes[i] == ClassDouble) values[i] = list->NextDoubleBits();
                else if (classes[i] == ClassLongDouble) list->NextLongDouble(out values[i], out exponents[i]);
                else values[i] = list->NextGp();
            }

            Args args = default;
            args.Values = values;
            args.Exponents = exponents;
            byte* unused;
            return PrintFrom(o, resume, &args, nextArgAtResume, true, &unused);
        }

        private static bool NoteArgument(byte* classes, ref int count, int index, byte argumentClass)
        {
            if (index < 0) return true;
            if (index >= MaxPositionalArguments) return false;
            classes[index] = argumentClass;
            if (index + 1 > count) count = index + 1;
            return true;
        }

        // Takes '*' width and precision from the arguments. False for a width of INT_MIN.
        private static bool ResolveStars(Spec* s, Args* args)
        {
            if (s->WidthArg >= 0)
            {
                int width = (int)GetGp(args, s->WidthArg);
                if (width < 0)
                {
                    if (width == int.MinValue) return false;
                    // A negative '*' width is the '-' flag. The fast interpreter also drops '0'; the
                    // slow one keeps it, which gives %e/%f/%g zeros on the right and %a no padding.
                    s->Flags |= FlagLeft;
                    if (!s->Slow) s->Flags &= ~FlagZero;
                    width = -width;
                }
                s->Width = width;
            }
            if (s->PrecisionArg >= 0)
            {
                int precision = (int)GetGp(args, s->PrecisionArg);
                s->Precision = precision < 0 ? -1 : precision;   // negative: as if omitted
            }
            return true;
        }

        // One conversion. False fails the whole printf.
        private static bool Convert(Output* o, Spec* s, Args* args)
        {
            if (!ResolveStars(s, args)) return false;
            byte c = s->Conversion;
            switch (c)
            {
                case (byte)'d':
                case (byte)'i':
                {
                    ulong raw = GetGp(args, s->DataArg);
                    int bits = IntegerBits(s);
                    long value = bits == 8 ? (sbyte)raw : bits == 16 ? (short)raw : bits == 32 ? (int)raw : (long)raw;
                    bool negative = value < 0;
                    ulong magnitude = negative ? 0UL - (ulong)value : (ulong)value;
                    FormatInteger(o, s, magnitude, negative, true, 10, false, false);
                    return true;
                }
                case (byte)'u': case (byte)'o': case (byte)'x': case (byte)'X': case (byte)'b': case (byte)'B':
                {
                    ulong raw = GetGp(args, s->DataArg);
                    int bits = IntegerBits(s);
                    if (bits < 64) raw &= (1UL << bits) - 1;
                    int radix = c == 'u' ? 10 : c == 'o' ? 8 : (c == 'x' || c == 'X') ? 16 : 2;
                    FormatInteger(o, s, raw, false, false, radix, c == 'X' || c == 'B', false);
                    return true;
                }
                case (byte)'p':
                {
                    ulong pointer = GetGp(args, s->DataArg);
                    if (pointer == 0) FormatText(o, s, "(nil)"u8);
                    else FormatInteger(o, s, pointer, false, true, 16, false, true);
                    return true;
                }
                case (byte)'c':
                case (byte)'C':
                {
                    ulong raw = GetGp(args, s->DataArg);
                    if (IsWide(s)) return FormatWideChar(o, s, (uint)raw);
                    byte b = (byte)raw;
                    PadBefore(o, s, 1);
                    Put(o, b);
                    PadAfter(o, s, 1);
                    return true;
                }
                case (byte)'s':
                case (byte)'S':
                {
                    ulong pointer = GetGp(args, s->DataArg);
                    if (pointer == 0)
                    {
                        // glibc prints "(null)" only when the precision lets all of it through.
                        if (s->Precision >= 0 && s->Precision < 6) FormatText(o, s, default);
                        else FormatText(o, s, "(null)"u8);
                        return true;
                    }
                    if (IsWide(s)) return FormatWideString(o, s, (uint*)pointer);
                    FormatCString(o, s, (byte*)pointer);
                    return true;
                }
                case (byte)'n':
                {
                    ulong pointer = GetGp(args, s->DataArg);
                    if (pointer == 0) return true;   // glibc would fault; ignoring is kinder
                    long written = o->Total;
                    int bits = IntegerBits(s);
                    if (bits == 8) *(byte*)pointer = (byte)written;
                    else if (bits == 16) *(short*)pointer = (short)written;
                    else if (bits == 32) *(int*)pointer = (int)written;
                    else *(long*)pointer = written;
                    return true;
                }
                case (byte)'m':
                    FormatErrno(o, s);
                    return true;
                case (byte)'%':
                    Put(o, (byte)'%');   // glibc ignores flags and width here
                    return true;
                case (byte)'e': case (byte)'E': case (byte)'f': case (byte)'F': case (byte)'g': case (byte)'G':
                case (byte)'a': case (byte)'A':
                {
                    FloatValue v;
                    if (s->DataClass == ClassLongDouble)
                    {
                        GetLongDouble(args, s->DataArg, out ulong significand, out ushort signAndExponent);
                        DecomposeLongDouble(significand, signAndExponent, &v);
                    }
                    else DecomposeDouble(GetDoubleBits(args, s->DataArg), &v);
                    return FormatFloat(o, s, &v);
                }
                default:
                    EchoUnknown(o, s, true);
                    return true;
            }
        }

        // glibc prints an unknown conversion back in a normalised form: '%', the flags that took
        // effect in a fixed order, width and precision as numbers, no length, the character.
        private static void EchoUnknown(Output* o, Spec* s, bool withConversion)
        {
            byte* number = stackalloc byte[20];
            Put(o, (byte)'%');
            if ((s->Flags & FlagAlt) != 0) Put(o, (byte)'#');
            if ((s->Flags & FlagGroup) != 0) Put(o, (byte)'\'');
            if ((s->Flags & FlagPlus) != 0) Put(o, (byte)'+');
            else if ((s->Flags & FlagSpace) != 0) Put(o, (byte)' ');
            if ((s->Flags & FlagLeft) != 0) Put(o, (byte)'-');
            if ((s->Flags & FlagZero) != 0) Put(o, (byte)'0');
            if ((s->Flags & FlagI18n) != 0) Put(o, (byte)'I');
            if (s->Width != 0) PutBytes(o, number, WriteDecimal(number, (ulong)s->Width));
            if (s->Precision >= 0)
            {
                Put(o, (byte)'.');
                PutBytes(o, number, WriteDecimal(number, (ulong)s->Precision));
            }
            if (withConversion) Put(o, s->Conversion);
        }

        // Fixed text padded with spaces (never zeros); the precision does not cut it.
        private static void FormatText(Output* o, Spec* s, ReadOnlySpan<byte> text)
        {
            PadBefore(o, s, text.Length);
            PutText(o, text);
            PadAfter(o, s, text.Length);
        }

        // The calling thread's locale is UTF-8 (set by the libc; without it, the C locale's ASCII).
        public static delegate*<bool> WideIsUtf8;

        private static bool Utf8Locale => WideIsUtf8 != null && WideIsUtf8();

        // %lc: the character in the locale's multibyte form (EILSEQ when it has none); the width
        // counts bytes, as glibc's.
        private static bool FormatWideChar(Output* o, Spec* s, uint wide)
        {
            byte* bytes = stackalloc byte[8];
            ulong n = Wchar.Utf8.Encode(bytes, wide, Utf8Locale);
            if (n == Wchar.Utf8.Invalid) return false;
            PadBefore(o, s, (long)n);
            for (ulong i = 0; i < n; i++) Put(o, bytes[i]);
            PadAfter(o, s, (long)n);
            return true;
        }

        // %ls: 4-byte wchar_t converted to the locale's multibyte form; a character without one
        // fails (EILSEQ). The precision counts output bytes (a character that would cross it is
        // left out), and characters past it are never looked at.
        private static bool FormatWideString(Output* o, Spec* s, uint* text)
        {
            bool utf8 = Utf8Locale;
            byte* bytes = stackalloc byte[8];
            long length = 0, count = 0;
            while (text[count] != 0 && (s->Precision < 0 || length < s->Precision))
            {
                ulong n = Wchar.Utf8.Encode(bytes, text[count], utf8);
                if (n == Wchar.Utf8.Invalid) return false;
                if (s->Precision >= 0 && length + (long)n > s->Precision) break;
                length += (long)n;
                count++;
            }
            PadBefore(o, s, length);
            for (long i = 0; i < count; i++)
            {
                ulong n = Wchar.Utf8.Encode(bytes, text[i], utf8);
                for (ulong k = 0; k < n; k++) Put(o, bytes[k]);
            }
            PadAfter(o, s, length);
            return true;
        }

        private static void FormatErrno(Output* o, Spec* s)
        {
            int error = Errno != null ? Errno() : 0;
            if ((s->Flags & FlagAlt) != 0)
            {
                // %#m: the errno name, or the number formatted as %d when the value has no name.
                byte* name = ErrorName != null ? ErrorName(error) : null;
                if (name != null)
                {
                    FormatCString(o, s, name);
                    return;
                }
                bool negative = error < 0;
                FormatInteger(o, s, negative ? 0UL - (ulong)(long)error : (ulong)error, negative, true, 10, false, false);
                return;
            }
            byte* message = StrError != null ? StrError(error) : null;
            if (message != null)
            {
                FormatCString(o, s, message);
                return;
            }
            byte* fallback = stackalloc byte[40];
            ReadOnlySpan<byte> prefix = "Unknown error "u8;
            int length = 0;
            for (; length < prefix.Length; length++) fallback[length] = prefix[length];
            if (error < 0) fallback[length++] = (byte)'-';
            length += WriteDecimal(fallback + length, error < 0 ? 0UL - (ulong)(long)error : (ulong)error);
            fallback[length] = 0;
            FormatCString(o, s, fallback);
        }

        // A NUL-terminated string, cut by the precision (bytes past it are never read).
        private static void FormatCString(Output* o, Spec* s, byte* text)
        {
            long length = 0;
            while ((s->Precision < 0 || length < s->Precision) && text[length] != 0) length++;
            PadBefore(o, s, length);
            PutBytes(o, text, length);
            PadAfter(o, s, length);
        }

        // ---------------------------------------------------------------------------------------------
        // Integers: [spaces] [sign] [0x/0b] [zeros] digits [spaces].

        private static void FormatInteger(Output* o, Spec* s, ulong magnitude, bool negative, bool signedConversion,
            int radix, bool upper, bool pointer)
        {
            ReadOnlySpan<byte> digitChars = upper ? "0123456789ABCDEF"u8 : "0123456789abcdef"u8;
            byte* buffer = stackalloc byte[68];
            byte* end = buffer + 68;
            byte* first = end;
            // An explicit precision of 0 prints no digit for 0.
            if (!(s->Precision == 0 && magnitude == 0))
            {
                ulong m = magnitude;
                do
                {
                    *--first = digitChars[(int)(m % (ulong)radix)];
                    m /= (ulong)radix;
                } while (m != 0);
            }
            int digits = (int)(end - first);
            bool alt = (s->Flags & FlagAlt) != 0;
            // '#' with octal: the first digit must be 0, unless precision zeros already give one.
            if (radix == 8 && alt && (digits == 0 || *first != '0') && s->Precision <= digits)
            {
                *--first = (byte)'0';
                digits++;
            }

            byte sign = 0;
            if (negative) sign = (byte)'-';
            else if (signedConversion && (s->Flags & FlagPlus) != 0) sign = (byte)'+';
            else if (signedConversion && (s->Flags & FlagSpace) != 0) sign = (byte)' ';

            byte prefixLetter = 0;   // the x of 0x, or the b of 0b
            if (magnitude != 0 && (pointer || alt))
            {
                if (radix == 16) prefixLetter = pointer ? (byte)'x' : upper ? (byte)'X' : (byte)'x';
                else if (radix == 2) prefixLetter = upper ? (byte)'B' : (byte)'b';
            }

            long zeros = s->Precision > digits ? s->Precision - digits : 0;
            long length = (sign != 0 ? 1 : 0) + (prefixLetter != 0 ? 2 : 0) + zeros + digits;
            if (s->Precision < 0 && (s->Flags & (FlagZero | FlagLeft)) == FlagZero && s->Width > length)
            {
                zeros += s->Width - length;
                length = s->Width;
            }
            PadBefore(o, s, length);
            if (sign != 0) Put(o, sign);
            if (prefixLetter != 0)
            {
                Put(o, (byte)'0');
                Put(o, prefixLetter);
            }
            Repeat(o, (byte)'0', zeros);
            PutBytes(o, first, digits);
            PadAfter(o, s, length);
        }
    }
}
