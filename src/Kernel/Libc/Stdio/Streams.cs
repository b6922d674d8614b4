using System.Runtime;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Errors;
using Nimbus.Kernel.Libc.Start;
using Nimbus.Kernel.Libc.Stdlib;
using Nimbus.Kernel.Libc.String;

namespace Nimbus.Kernel.Libc.Stdio
{
    // A C stdio stream (FILE). It starts like glibc's _IO_FILE because glibc's headers inline
    // getc_unlocked, putc_unlocked, feof_unlocked and ferror_unlocked on those fields: Flags holds
    // glibc's EOF (0x10) and error (0x20) bits; ReadPtr/ReadEnd are the buffered input, which
    // getc_unlocked consumes in place and __uflow refills; the write pointers stay null, so
    // putc_unlocked always calls __overflow. The rest of the layout is ours.
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct CFile
    {
        public int Flags, Pad0;
        public byte* ReadPtr, ReadEnd, ReadBase;         // _IO_read_ptr, _IO_read_end, _IO_read_base
        public byte* WriteBase, WritePtr, WriteEnd;      // always null
        public byte* BufBase, BufEnd;                    // always null
        public int Fd;
        public int Mode;                  // BufferFull, BufferLine, BufferNone
        public int Kind;                  // KindDescriptor, KindFixedMemory, KindDynamicMemory
        public int Writable, Readable, Append;
        public byte* Buffer;              // null until first use (setvbuf may still choose it)
        public int Capacity;
        public int OwnsBuffer;
        public int Pending;               // bytes written to the buffer, not yet to the file
        public byte ShortBuffer;          // the one-byte buffer of an unbuffered stream
        public MemoryStream Memory;       // fmemopen and open_memstream (MemoryStreams.cs)
        public Sync.Mutex Lock;

        public const int FlagEof = 0x10, FlagError = 0x20;
        public const int KindDescriptor = 0, KindFixedMemory = 1, KindDynamicMemory = 2;
        public bool AtEof => (Flags & FlagEof) != 0;
        public int Unread => (int)(ReadEnd - ReadPtr);
    }

    // stdio over file descriptors (and memory): the stream table, buffering, the output half and
    // the printf family (the format engine is Format.cs; variadic entry points are trampolines in
    // Arch/X64/libc.S). A stream's buffer holds either unread input or unwritten output, never
    // both: switching direction flushes the output or gives the unread input back to the file
    // (seeking back over it). Input is StreamInput.cs; opening, closing and positioning are
    // FileStreams.cs.
    internal static unsafe class Streams
    {
        public const int BufferFull = 0, BufferLine = 1, BufferNone = 2;
        public const int BufferSize = 4096;
        private const int MaxOpen = 1024;
        private struct OpenStreams { public fixed ulong Files[MaxOpen]; }
        private static OpenStreams s_open;
        private static Sync.Mutex s_openLock;
        private static bool s_initialized;

        public static void Initialize()
        {
            if (s_initialized) return;
            s_initialized = true;
            var g = LibcData.Globals;
            g->Stdin = NewFile(0, true, false, BufferLine);
            g->Stdout = NewFile(1, false, true, BufferLine);
            g->Stderr = NewFile(2, false, true, BufferNone);
            Errno.Sink = &LibcErrno.Set;
            Format.Errno = &LibcErrno.Get;
            Format.StrError = &ErrorMessages.Message;
            Format.ErrorName = &ErrorNames.ErrorName;            // %#m (issue 11)
            Format.WideIsUtf8 = &Locale.Locales.IsUtf8;          // %lc, %ls (issue 11)
            // The number parsers and scanf are pure code shared with the hosted tests: they reach
            // errno and the allocator through these.
            Numbers.GetErrno = &LibcErrno.Get;
            Numbers.Allocate = &Malloc.Allocate;
            Numbers.Reallocate = &Malloc.Reallocate;
            Numbers.Release = &Malloc.Free;
        }

        // A stream on fd (or, with fd -1, on memory the caller sets up), registered for exit's flush.
        // Null when the table is full.
        public static CFile* NewFile(int fd, bool read, bool write, int mode)
        {
            var f = (CFile*)KernelHeap.AllocZeroed((ulong)sizeof(CFile));
            f->Fd = fd;
            f->Mode = mode;
            f->Readable = read ? 1 : 0;
            f->Writable = write ? 1 : 0;
            bool stored = false;
            fixed (Sync.Mutex* m = &s_openLock)
            {
                m->Lock();
                fixed (OpenStreams* o = &s_open)
                    for (int i = 0; i < MaxOpen && !stored; i++)
                        if (o->Files[i] == 0) { o->Files[i] = (ulong)f; stored = true; }
                m->Unlock();
            }
            if (stored) return f;
            KernelHeap.Free(f);
            return null;
        }

        // Unregisters and frees a stream (fclose, after flushing and closing).
        public static void FreeFile(CFile* f)
        {
            fixed (Sync.Mutex* m = &s_openLock)
            {
                m->Lock();
                fixed (OpenStreams* o = &s_open)
                    for (int i = 0; i < MaxOpen; i++)
                        if (o->Files[i] == (ulong)f) { o->Files[i] = 0; break; }
                m->Unlock();
            }
            if (f->OwnsBuffer != 0) KernelHeap.Free(f->Buffer);
            KernelHeap.Free(f);
        }

        [RuntimeExport("abi_flockfile")]
        public static void Lock(CFile* f) => f->Lock.Lock();
        [RuntimeExport("abi_funlockfile")]
        public static void Unlock(CFile* f) => f->Lock.Unlock();

        // The buffer, made on first use: BUFSIZ-like for buffered streams, one byte for unbuffered ones.
        public static void EnsureBuffer(CFile* f)
        {
            if (f->Buffer != null) return;
            if (f->Mode == BufferNone) { f->Buffer = &f->ShortBuffer; f->Capacity = 1; return; }
            f->Buffer = (byte*)KernelHeap.Alloc(BufferSize);
            f->Capacity = BufferSize;
            f->OwnsBuffer = 1;
        }

        public static void SetError(CFile* f, long negativeErrno)
        {
            f->Flags |= CFile.FlagError;
            LibcErrno.Failed(negativeErrno);
        }

        // The backend: a descriptor or memory. Results as system calls (>= 0 or -errno).
        public static long RawRead(CFile* f, byte* data, ulong count) =>
            f->Kind == CFile.KindDescriptor ? Vfs.Read(f->Fd, data, count) : MemoryStreams.Read(f, data, count);

        public static long RawWrite(CFile* f, byte* data, ulong count) =>
            f->Kind == CFile.KindDescriptor ? Vfs.Write(f->Fd, data, count) : MemoryStreams.Write(f, data, count);

        public static long RawSeek(CFile* f, long offset, int whence) =>
            f->Kind == CFile.KindDescriptor ? Vfs.Seek(f->Fd, offset, whence) : MemoryStreams.Seek(f, offset, whence);

        // Writes the buffered bytes out; false on a write error (the bytes are dropped, as glibc does).
        public static bool FlushLocked(CFile* f)
        {
            int done = 0;
            while (done < f->Pending)
            {
                long r = RawWrite(f, f->Buffer + done, (ulong)(f->Pending - done));
                if (r <= 0) { SetError(f, r == 0 ? -Errno.ENOSPC : r); f->Pending = 0; return false; }   // nothing taken: the file is full
                done += (int)r;
            }
            f->Pending = 0;
            if (f->Kind == CFile.KindDynamicMemory) MemoryStreams.Publish(f);
            return true;
        }

        // Ends the reading direction: unread input goes back to the file (the descriptor seeks back
        // over it), so the file position is where the program thinks it is.
        public static void DropInput(CFile* f)
        {
            int unread = f->Unread;
            f->ReadPtr = f->ReadEnd = f->ReadBase = null;
            if (unread > 0) RawSeek(f, -unread, 1);
        }

        // Output or input pending goes out or back: the stream is then in neither direction.
        public static bool SettleLocked(CFile* f)
        {
            if (f->ReadEnd != null) { DropInput(f); return true; }
            return FlushLocked(f);
        }

        public static int WriteLocked(CFile* f, byte* data, int length)
        {
            if (f->Writable == 0) { SetError(f, -Errno.EBADF); return -1; }
            if (f->ReadEnd != null) DropInput(f);
            EnsureBuffer(f);
            if (f->Mode == BufferNone || length >= f->Capacity)
            {
                if (!FlushLocked(f)) return -1;
                return WriteDirect(f, data, length);
            }
            if (f->Pending + length > f->Capacity && !FlushLocked(f)) return -1;
            Mem.Move(f->Buffer + f->Pending, data, (nuint)length);
            f->Pending += length;
            if (f->Mode == BufferLine)
                for (int i = 0; i < length; i++)
                    if (data[i] == (byte)'\n') return FlushLocked(f) ? 0 : -1;
            return 0;
        }

        private static int WriteDirect(CFile* f, byte* data, int length)
        {
            while (length > 0)
            {
                long r = RawWrite(f, data, (ulong)length);
                if (r <= 0) { SetError(f, r == 0 ? -Errno.ENOSPC : r); return -1; }
                data += r;
                length -= (int)r;
            }
            if (f->Kind == CFile.KindDynamicMemory) MemoryStreams.Publish(f);
            return 0;
        }

        public static int Write(CFile* f, byte* data, int length)
        {
            Lock(f);
            int r = WriteLocked(f, data, length);
            Unlock(f);
            return r;
        }

        // exit and fflush(NULL): every stream's output goes out.
        public static void FlushAll()
        {
            if (!s_initialized) return;
            fixed (OpenStreams* o = &s_open)
                for (int i = 0; i < MaxOpen; i++)
                {
                    var f = (CFile*)o->Files[i];
                    if (f == null || f->Pending == 0) continue;
                    Lock(f);
                    FlushLocked(f);
                    Unlock(f);
                }
        }

        // Before reading from a line-buffered or unbuffered stream, line-buffered output goes out
        // (a prompt appears before the program waits for its answer), as glibc does. A stream another
        // thread holds is skipped: waiting for it while holding ours could deadlock.
        public static void FlushLineBuffered()
        {
            fixed (OpenStreams* o = &s_open)
                for (int i = 0; i < MaxOpen; i++)
                {
                    var f = (CFile*)o->Files[i];
                    if (f == null || f->Mode != BufferLine || f->Pending == 0 || !f->Lock.TryLock()) continue;
                    FlushLocked(f);
                    Unlock(f);
                }
        }

        private static int SinkWrite(void* context, byte* bytes, int length) => WriteLocked((CFile*)context, bytes, length);

        [RuntimeExport("abi_vfprintf")]
        public static int VfPrintf(CFile* f, byte* format, VaList* args)
        {
            Lock(f);
            var sink = new FormatSink(&SinkWrite, f);
            int r = Format.Printf(ref sink, format, args);
            Unlock(f);
            return r;
        }

        private static int Strlen(byte* s) => (int)Strings.Length(s);

        [RuntimeExport("abi_vprintf")]
        private static int VPrintf(byte* format, VaList* args) => VfPrintf(LibcData.Globals->Stdout, format, args);

        [RuntimeExport("abi_vsnprintf")]
        private static int VsnPrintf(byte* buffer, ulong size, byte* format, VaList* args) => Format.SPrintf(buffer, size, format, args);

        [RuntimeExport("abi_vsprintf")]
        private static int VsPrintf(byte* buffer, byte* format, VaList* args) => Format.SPrintf(buffer, int.MaxValue, format, args);

        [RuntimeExport("abi_vdprintf")]
        internal static int VdPrintf(int fd, byte* format, VaList* args)
        {
            var sink = new FormatSink(&FdWrite, (void*)(long)fd);
            return Format.Printf(ref sink, format, args);
        }

        private static int FdWrite(void* context, byte* bytes, int length) => Vfs.Write((int)(long)context, bytes, (ulong)length) < 0 ? -1 : 0;

        [RuntimeExport("abi_vasprintf")]
        internal static int VasPrintf(byte** result, byte* format, VaList* args)
        {
            VaList copy = *args;
            int n = Format.SPrintf(null, 0, format, &copy);
            if (n < 0) return -1;
            byte* buf = (byte*)Malloc.Allocate((ulong)n + 1);
            if (buf == null) return -1;
            *result = buf;
            return Format.SPrintf(buf, (ulong)n + 1, format, args);
        }

        [RuntimeExport("abi_puts")]
        private static int Puts(byte* s)
        {
            CFile* f = LibcData.Globals->Stdout;
            Lock(f);
            int r = WriteLocked(f, s, Strlen(s));
            byte nl = (byte)'\n';
            if (r == 0) r = WriteLocked(f, &nl, 1);
            Unlock(f);
            return r < 0 ? -1 : 1;
        }

        [RuntimeExport("abi_fputs")]
        private static int Fputs(byte* s, CFile* f) => Write(f, s, Strlen(s)) < 0 ? -1 : 1;

        [RuntimeExport("abi_putchar")]
        private static int Putchar(int c) => PutChar(c, LibcData.Globals->Stdout);

        // What putc_unlocked calls when its (always empty) write area is full; EOF only flushes.
        [RuntimeExport("abi___overflow")]
        private static int Overflow(CFile* f, int c)
        {
            if (c != -1) return PutChar(c, f);
            Lock(f);
            bool ok = FlushLocked(f);
            Unlock(f);
            return ok ? 0 : -1;
        }

        [RuntimeExport("abi_fputc")]
        private static int PutChar(int c, CFile* f)
        {
            byte b = (byte)c;
            return Write(f, &b, 1) < 0 ? -1 : b;
        }

        [RuntimeExport("abi_fwrite")]
        private static ulong WriteItems(byte* data, ulong size, ulong count, CFile* f)
        {
            ulong total = size * count;
            if (total == 0) return 0;
            return Write(f, data, (int)total) < 0 ? 0 : count;
        }

        // fflush(NULL): all output; an output stream: its buffer; an input stream: its unread input
        // is discarded and the file positioned after what the program consumed.
        [RuntimeExport("abi_fflush")]
        private static int Flush(CFile* f)
        {
            if (f == null) { FlushAll(); return 0; }
            Lock(f);
            bool ok = SettleLocked(f);
            Unlock(f);
            return ok ? 0 : -1;
        }

        [RuntimeExport("abi_setbuf")]
        private static void Setbuf(CFile* f, byte* buffer) => SetBuffer(f, buffer, buffer == null ? BufferNone : BufferFull, 8192);
        [RuntimeExport("abi_setbuffer")]
        private static void Setbuffer(CFile* f, byte* buffer, ulong size) => SetBuffer(f, buffer, buffer == null ? BufferNone : BufferFull, size);
        [RuntimeExport("abi_setlinebuf")]
        private static void Setlinebuf(CFile* f) => SetBuffer(f, null, BufferLine, 0);

        // setvbuf: the mode, and the caller's buffer when given (it stays the caller's).
        [RuntimeExport("abi_setvbuf")]
        private static int SetBuffer(CFile* f, byte* buffer, int mode, ulong size)
        {
            if (mode < 0 || mode > 2) return LibcErrno.Fail(-Errno.EINVAL);
            Lock(f);
            SettleLocked(f);
            if (f->OwnsBuffer != 0) KernelHeap.Free(f->Buffer);
            f->Buffer = null;
            f->OwnsBuffer = 0;
            f->Mode = mode;
            if (buffer != null && mode != BufferNone && size > 0)
            {
                f->Buffer = buffer;
                f->Capacity = size > int.MaxValue ? int.MaxValue : (int)size;
            }
            Unlock(f);
            return 0;
        }

        [RuntimeExport("abi_ferror")]
        private static int Ferror(CFile* f) => (f->Flags & CFile.FlagError) != 0 ? 1 : 0;
        [RuntimeExport("abi_feof")]
        private static int Feof(CFile* f) => f->AtEof ? 1 : 0;
        [RuntimeExport("abi_clearerr")]
        private static void Clearerr(CFile* f) => f->Flags &= ~(CFile.FlagError | CFile.FlagEof);

        [RuntimeExport("abi_fileno")]
        private static int FileNumber(CFile* f)
        {
            if (f->Kind == CFile.KindDescriptor) return f->Fd;
            return LibcErrno.Fail(-Errno.EBADF);
        }

        // The stream's own (recursive) lock, which every call takes: flockfile and funlockfile are
        // Lock and Unlock.
        [RuntimeExport("abi_ftrylockfile")]
        private static int Ftrylockfile(CFile* f) => f->Lock.TryLock() ? 0 : 1;

        [RuntimeExport("abi_perror")]
        private static void Perror(byte* s)
        {
            int e = LibcErrno.Get();
            CFile* f = LibcData.Globals->Stderr;
            if (s != null && *s != 0) { Write(f, s, Strlen(s)); Write(f, Strings.Literal(": "u8), 2); }
            byte* msg = ErrorMessages.Message(e);
            Write(f, msg, Strlen(msg));
            Write(f, Strings.Literal("\n"u8), 1);
        }
    }
}
