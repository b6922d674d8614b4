// The scanf engine of the kernel's libc: vsscanf, and the core a FILE-based fscanf plugs into through
// a ScanSource (a function that reads a byte and one that gives it back). Programs check exactly how
// many items scanf assigned and where it stopped, so this reproduces glibc 2.36 in the C locale,
// quirks included ("0x" alone reads as 0, %[ ranges, sticky end of input, "(nil)" for %p), plus what
// 2.38/2.39 added: %b, 0b prefixes for %i in the __isoc23 functions, and the %wN length modifiers.
// Numbers are converted by Numbers.cs, so scanf rounds and sets errno exactly as strtod does.
using System;
using System.Runtime;
using Nimbus.Kernel.Libc.Stdlib;

namespace Nimbus.Kernel.Libc
{
    // Where scanf's input comes from. Function pointers and a context instead of an interface: no
    // allocation and no interface dispatch in the kernel.
    public unsafe struct ScanSource
    {
        public delegate*<void*, int> Read;            // the next byte (0..255), or -1 at the end of the input
        public delegate*<void*, int, void> Unread;    // gives back the byte just read (never more than one)
        public void* Context;

        public ScanSource(delegate*<void*, int> read, delegate*<void*, int, void> unread, void* context)
        {
            Read = read;
            Unread = unread;
            Context = context;
        }
    }

    // Which glibc entry point is being served. Plain sscanf (GNU) reads "%as" as "malloc a string";
    // the __isoc99 ones read %a as a float; the __isoc23 ones also accept 0b prefixes for %i.
    public enum ScanMode { Gnu, IsoC99, IsoC23 }

    public static unsafe class Scanf
    {
        // %ms, %mc, %m[...] (and GNU %as) store strings from Numbers.Allocate (the libc's malloc);
        // without it they fail as if malloc had (the call returns EOF).
        private static delegate*<ulong, void*> Allocate => Numbers.Allocate;
        private static delegate*<void*, ulong, void*> Reallocate => Numbers.Reallocate;
        private static delegate*<void*, void> Release => Numbers.Release;

        private const int EOF = -1, EINVAL = 22, EILSEQ = 84;

        // Conversion flags, as glibc names them.
        private const int Long = 0x1, LongDouble = 0x2, Short = 0x4, Suppress = 0x8, Signed = 0x40,
            GnuMalloc = 0x100, Char = 0x200, ReadPointer = 0x1000, PosixMalloc = 0x2000, Malloc = GnuMalloc | PosixMalloc;

        // How a conversion ended: done, or which of glibc's error exits it takes.
        private const int Ok = 0, ConversionError = 1, InputError = 2, EncodingError = 3, OutOfMemory = 4;

        private const int MaxTrackedAllocations = 32;

        private struct Engine
        {
            public ScanSource Source;
            public int C;               // the byte read last; once -1 (end of input) it stays -1, as in glibc
            public int ErrnoAtEnd;      // errno when the input ended: every later read puts it back (glibc's inchar)
            public long Consumed;       // bytes read and not given back: what %n reports
            public VaList Sequential;   // the next argument in order
            public VaList* Arguments;   // the first argument, for %N$
            public ScanMode Mode;
            public int Done;            // items assigned
            public byte** Allocation;   // the char** of a %m conversion in progress
            public fixed ulong Allocated[MaxTrackedAllocations];   // the char** of finished %m conversions
            public int AllocatedCount;
        }

        public static int Scan(ref ScanSource source, byte* format, VaList* args) => Scan(ref source, format, args, ScanMode.IsoC99);

        // vfscanf: returns the number of items assigned, or EOF when the input ended (or failed) before
        // the first assignment.
        public static int Scan(ref ScanSource source, byte* format, VaList* args, ScanMode mode)
        {
            if (format == null) { Numbers.ReportErrno(EINVAL); return EOF; }
            Engine e;
            e.Source = source;
            e.C = 0;
            e.ErrnoAtEnd = 0;
            e.Consumed = 0;
            e.Sequential = *args;
            e.Arguments = args;
            e.Mode = mode;
            e.Done = 0;
            e.Allocation = null;
            e.AllocatedCount = 0;
            int status = Run(&e, format);
            return Finish(&e, status);
        }

        // vsscanf over a NUL-terminated string.
        public static int ScanString(byte* input, byte* format, VaList* args, ScanMode mode)
        {
            byte* cursor = input;
            ScanSource source = new ScanSource(&ReadString, &UnreadString, &cursor);
            return Scan(ref source, format, args, mode);
        }

        private static int ReadString(void* context)
        {
            byte** cursor = (byte**)context;
            byte b = **cursor;
            if (b == 0) return EOF;
            (*cursor)++;
            return b;
        }

        private static void UnreadString(void* context, int c) => (*(byte**)context)--;

        [RuntimeExport("abi_vsscanf")]
        internal static int Vsscanf(byte* s, byte* format, VaList* ap) => ScanString(s, format, ap, ScanMode.Gnu);
        [RuntimeExport("abi___isoc99_vsscanf")]
        internal static int Isoc99Vsscanf(byte* s, byte* format, VaList* ap) => ScanString(s, format, ap, ScanMode.IsoC99);
        [RuntimeExport("abi___isoc23_vsscanf")]
        internal static int Isoc23Vsscanf(byte* s, byte* format, VaList* ap) => ScanString(s, format, ap, ScanMode.IsoC23);

        // Targets of the variadic trampolines sscanf, __isoc99_sscanf and __isoc23_sscanf.
        [RuntimeExport("libc_sscanf_va")]
        internal static int SscanfVa(byte* s, byte* format, VaList* ap) => ScanString(s, format, ap, ScanMode.Gnu);
        [RuntimeExport("libc_isoc99_sscanf_va")]
        internal static int Isoc99SscanfVa(byte* s, byte* format, VaList* ap) => ScanString(s, format, ap, ScanMode.IsoC99);
        [RuntimeExport("libc_isoc23_sscanf_va")]
        internal static int Isoc23SscanfVa(byte* s, byte* format, VaList* ap) => ScanString(s, format, ap, ScanMode.IsoC23);

        // ---------------------------------------------------------------------------------------------
        // Input

        // glibc's inchar, errno handling included: reading past the end restores the errno the input
        // ended with, which can undo an ERANGE a conversion reported meanwhile.
        private static int Next(Engine* e)
        {
            if (e->C == EOF)
            {
                if (Numbers.CanReadErrno) Numbers.ReportErrno(e->ErrnoAtEnd);
                return EOF;
            }
            int c = e->Source.Read(e->Source.Context);
            e->C = c;
            if (c != EOF) e->Consumed++;
            else e->ErrnoAtEnd = Numbers.CurrentErrno();
            return c;
        }

        private static void Unget(Engine* e, int c)
        {
            if (c == EOF) return;
            e->Consumed--;
            e->Source.Unread(e->Source.Context, c);
        }

        private static bool IsSpace(int c) => Numbers.IsSpace(c);
        private static bool IsDigit(int c) => Numbers.IsDigit(c);
        private static int Lower(int c) => c >= 'A' && c <= 'Z' ? c + 32 : c;

        // ---------------------------------------------------------------------------------------------
        // The format

        // A decimal number in the format; -1 when it does not fit an int (glibc's read_int).
        private static int ReadInt(ref byte* f)
        {
            int value = *f++ - '0';
            for (; IsDigit(*f); f++)
            {
                if (value < 0) continue;
                int digit = *f - '0';
                value = value > (int.MaxValue - digit) / 10 ? -1 : value * 10 + digit;
            }
            return value;
        }

        private static void* NextArgument(Engine* e, int position)
        {
            if (position == 0) return (void*)e->Sequential.NextGp();
            VaList list = *e->Arguments;
            for (int i = 1; i < position; i++) list.NextGp();
            return (void*)list.NextGp();
        }

        private static int Run(Engine* e, byte* f)
        {
            bool skipSpace = false;   // white space in the format: skip input white space before what comes next
            while (*f != 0)
            {
                // glibc asks mbrlen about a non-ASCII format byte; in the C locale that fails (EILSEQ)
                // and the byte is matched as it is.
                if (*f >= 0x80) Numbers.ReportErrno(EILSEQ);
                int fc = *f++;
                if (fc != '%')
                {
                    if (IsSpace(fc)) { skipSpace = true; continue; }
                    int c = Next(e);
                    if (c == EOF) return InputError;
                    if (skipSpace)
                    {
                        while (IsSpace(c))
                            if ((c = Next(e)) == EOF) return InputError;
                        skipSpace = false;
                    }
                    if (c != fc) { Unget(e, c); return ConversionError; }
                    continue;
                }

                int flags = 0, position = 0, width;
                if (IsDigit(*f))
                {
                    int number = ReadInt(ref f);
                    if (*f == '$')
                    {
                        f++;
                        if (number <= 0 || number > 65536) return ConversionError;   // glibc would walk off the arguments
                        position = number;
                    }
                    else
                    {
                        width = number;      // it was the field width
                        goto gotWidth;
                    }
                }
                while (*f == '*' || *f == '\'' || *f == 'I')   // ' and I change nothing in the C locale
                    if (*f++ == '*') flags |= Suppress;
                width = 0;
                if (IsDigit(*f)) width = ReadInt(ref f);
            gotWidth:
                if (width == 0) width = -1;   // no limit

                switch (*f++)
                {
                    case (byte)'h':
                        if (*f == 'h') { f++; flags |= Char; }
                        else flags |= Short;
                        break;
                    case (byte)'l':
                        if (*f == 'l') { f++; flags |= LongDouble | Long; }
                        else flags |= Long;
                        break;
                    case (byte)'q':
                    case (byte)'L':
                        flags |= LongDouble | Long;
                        break;
                    case (byte)'a':
                        if ((*f != 's' && *f != 'S' && *f != '[') || e->Mode != ScanMode.Gnu) { f--; break; }
                        flags |= GnuMalloc;
                        break;
                    case (byte)'m':
                        flags |= PosixMalloc;
                        if (*f == 'l') { f++; flags |= Long; }
                        break;
                    case (byte)'z':
                    case (byte)'j':
                    case (byte)'t':
                        flags |= Long;
                        break;
                    case (byte)'w':
                    {
                        bool fast = *f == 'f';
                        if (fast) f++;
                        int bits = IsDigit(*f) ? ReadInt(ref f) : 0;
                        if (fast && (bits == 16 || bits == 32)) bits = 64;   // int_fastN_t is long on x86-64
                        if (bits == 8) flags |= Char;
                        else if (bits == 16) flags |= Short;
                        else if (bits == 64) flags |= LongDouble | Long;
                        else if (bits != 32) { Numbers.ReportErrno(EINVAL); return ConversionError; }
                        break;
                    }
                    default:
                        f--;
                        break;
                }

                if (*f == 0) return ConversionError;
                fc = *f++;
                if (skipSpace || (fc != '[' && fc != 'c' && fc != 'C' && fc != 'n'))
                {
                    // glibc clears errno while skipping and then puts the caller's back.
                    bool trackErrno = Numbers.CanReadErrno;
                    int savedErrno = Numbers.CurrentErrno();
                    if (trackErrno) Numbers.ReportErrno(0);
                    do { if (e->C != EOF) Next(e); } while (IsSpace(e->C));
                    if (trackErrno) Numbers.ReportErrno(savedErrno);
                    Unget(e, e->C);
                    skipSpace = false;
                }

                int status;
                switch (fc)
                {
                    case '%':
                    {
                        int c = Next(e);
                        if (c == EOF) return InputError;
                        if (c != '%') { Unget(e, c); return ConversionError; }
                        status = Ok;
                        break;
                    }
                    case 'n':
                        if ((flags & Suppress) == 0) StoreInteger(NextArgument(e, position), flags, (ulong)e->Consumed);
                        status = Ok;
                        break;
                    case 'c':
                        status = (flags & Long) != 0 ? ScanWideChars(e, flags, width, position) : ScanChars(e, flags, width, position);
                        break;
                    case 'C':
                        status = ScanWideChars(e, flags, width, position);
                        break;
                    case 's':
                        status = ScanWord(e, flags, width, position, (flags & Long) != 0);
                        break;
                    case 'S':
                        status = ScanWord(e, flags, width, position, true);
                        break;
                    case 'x':
                    case 'X':
                        status = ScanInteger(e, flags, width, position, 16);
                        break;
                    case 'o':
                        status = ScanInteger(e, flags, width, position, 8);
                        break;
                    case 'b':
                        status = ScanInteger(e, flags, width, position, 2);
                        break;
                    case 'u':
                        status = ScanInteger(e, flags, width, position, 10);
                        break;
                    case 'd':
                        status = ScanInteger(e, flags | Signed, width, position, 10);
                        break;
                    case 'i':
                        status = ScanInteger(e, flags | Signed, width, position, 0);
                        break;
                    case 'p':
                        status = ScanInteger(e, (flags & ~(Short | LongDouble)) | Long | ReadPointer, width, position, 16);
                        break;
                    case 'e':
                    case 'E':
                    case 'f':
                    case 'F':
                    case 'g':
                    case 'G':
                    case 'a':
                    case 'A':
                        status = ScanFloat(e, flags, width, position);
                        break;
                    case '[':
                        status = ScanSet(e, ref f, flags, width, position);
                        break;
                    default:
                        status = ConversionError;
                        break;
                }
                if (status != Ok) return status;
            }

            // The format ended in white space: it still consumes the input's.
            if (skipSpace)
            {
                int c;
                do c = Next(e); while (IsSpace(c));
                Unget(e, c);
            }
            return Ok;
        }

        private static int Finish(Engine* e, int status)
        {
            if (status == InputError && e->Done == 0) e->Done = EOF;
            if (status == EncodingError) Numbers.ReportErrno(EILSEQ);
            if (status == OutOfMemory) e->Done = EOF;
            // A %m string that did not complete is freed; on EOF the completed ones are too.
            if (e->Allocation != null) ReleaseAllocation(e->Allocation);
            if (e->Done == EOF)
                for (int i = 0; i < e->AllocatedCount; i++) ReleaseAllocation((byte**)e->Allocated[i]);
            return e->Done;
        }

        private static void ReleaseAllocation(byte** slot)
        {
            if (*slot != null && Release != null) Release(*slot);
            *slot = null;
        }

        // ---------------------------------------------------------------------------------------------
        // Storing strings: into the caller's buffer, or a malloc'd one that grows (for %m).

        private struct Output
        {
            public byte* Cursor;        // null: the conversion is suppressed
            public byte** Slot;         // %m: where the block's address lives
            public ulong Capacity;      // %m: elements the block holds
            public int ElementSize;     // 1, or 4 for wchar_t
        }

        private static int OpenOutput(Engine* e, Output* o, int flags, int position, ulong initialElements, int elementSize)
        {
            o->Cursor = null;
            o->Slot = null;
            o->Capacity = 0;
            o->ElementSize = elementSize;
            if ((flags & Suppress) != 0) return Ok;
            if ((flags & Malloc) != 0)
            {
                byte** slot = (byte**)NextArgument(e, position);
                if (slot == null) return ConversionError;
                byte* block = Allocate != null ? (byte*)Allocate(initialElements * (ulong)elementSize) : null;
                *slot = block;
                if (block == null) return (flags & PosixMalloc) != 0 ? OutOfMemory : ConversionError;
                e->Allocation = slot;
                o->Slot = slot;
                o->Capacity = initialElements;
                o->Cursor = block;
                return Ok;
            }
            o->Cursor = (byte*)NextArgument(e, position);
            return o->Cursor == null ? ConversionError : Ok;
        }

        // Makes room for one more element (only a %m block ever needs it).
        private static bool Reserve(Output* o)
        {
            if (o->Slot == null) return true;
            ulong used = (ulong)(o->Cursor - *o->Slot) / (ulong)o->ElementSize;
            if (used < o->Capacity) return true;
            if (Reallocate == null) return false;
            ulong capacity = o->Capacity * 2;
            byte* block = (byte*)Reallocate(*o->Slot, capacity * (ulong)o->ElementSize);
            if (block == null)
            {
                capacity = o->Capacity + 1;
                block = (byte*)Reallocate(*o->Slot, capacity * (ulong)o->ElementSize);
                if (block == null) return false;
            }
            *o->Slot = block;
            o->Cursor = block + used * (ulong)o->ElementSize;
            o->Capacity = capacity;
            return true;
        }

        private static bool Put(Output* o, uint value)
        {
            if (!Reserve(o)) return false;
            if (o->ElementSize == 1) *o->Cursor = (byte)value;
            else *(uint*)o->Cursor = value;
            o->Cursor += o->ElementSize;
            return true;
        }

        // Moves past an element without writing it (glibc's %l[ does this for an invalid byte).
        private static bool Skip(Output* o)
        {
            if (!Reserve(o)) return false;
            o->Cursor += o->ElementSize;
            return true;
        }

        // Completes a stored string: trims a %m block to its length and counts the item.
        private static void CloseOutput(Engine* e, Output* o)
        {
            if (o->Slot != null)
            {
                ulong length = (ulong)(o->Cursor - *o->Slot);
                if (length != o->Capacity * (ulong)o->ElementSize && Reallocate != null && length != 0)
                {
                    byte* trimmed = (byte*)Reallocate(*o->Slot, length);
                    if (trimmed != null) *o->Slot = trimmed;
                }
                if (e->AllocatedCount < MaxTrackedAllocations) e->Allocated[e->AllocatedCount++] = (ulong)o->Slot;
                e->Allocation = null;
            }
            e->Done++;
        }

        // ---------------------------------------------------------------------------------------------
        // Conversions

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
                    if (!valid) Numbers.ReportErrno(EILSEQ);
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
                    byte* big = stackalloc byte[limit];
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
