// The scanf engine of the kernel's libc: vsscanf, and the core a FILE-based fscanf plugs into through
// a ScanSource (a function that reads a byte and one that gives it back). Programs check exactly how
// many items scanf assigned and where it stopped, so this reproduces glibc 2.36 in the C locale,
// quirks included ("0x" alone reads as 0, %[ ranges, sticky end of input, "(nil)" for %p), plus what
// 2.38/2.39 added: %b, 0b prefixes for %i in the __isoc23 functions, and the %wN length modifiers.
// Numbers are converted by Stdlib/Numbers*.cs, so scanf rounds and sets errno exactly as strtod does.
using System;
using System.Runtime;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Stdlib;

namespace Nimbus.Kernel.Libc.Stdio
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

    public static unsafe partial class Scanf
    {
        // %ms, %mc, %m[...] (and GNU %as) store strings from Numbers.Allocate (the libc's malloc);
        // without it they fail as if malloc had (the call returns EOF).
        private static delegate*<ulong, void*> Allocate => Numbers.Allocate;
        private static delegate*<void*, ulong, void*> Reallocate => Numbers.Reallocate;
        private static delegate*<void*, void> Release => Numbers.Release;

        private const int EOF = -1;

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
            if (format == null) { Errno.Set(Errno.EINVAL); return EOF; }
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

        // ---------------------------------------------------------------------------------------------
        // Input

        // glibc's inchar, errno handling included: reading past the end restores the errno the input
        // ended with, which can undo an ERANGE a conversion reported meanwhile.
        private static int Next(Engine* e)
        {
            if (e->C == EOF)
            {
                if (Numbers.CanReadErrno) Errno.Set(e->ErrnoAtEnd);
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
                if (*f >= 0x80) Errno.Set(Errno.EILSEQ);
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
                        else if (bits != 32) { Errno.Set(Errno.EINVAL); return ConversionError; }
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
                    if (trackErrno) Errno.Set(0);
                    do { if (e->C != EOF) Next(e); } while (IsSpace(e->C));
                    if (trackErrno) Errno.Set(savedErrno);
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
            if (status == EncodingError) Errno.Set(Errno.EILSEQ);
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
    }
}
