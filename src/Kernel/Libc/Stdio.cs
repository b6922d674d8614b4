using System.Runtime.InteropServices;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Memory;

namespace Nimbus.Kernel.Libc
{
    // A C stdio stream (FILE). Applications only hold pointers to it; its layout is ours.
    internal unsafe struct CFile
    {
        public int Fd;
        public int Mode;                  // BufferFull, BufferLine, BufferNone
        public int Error, Eof;
        public byte* Buffer;
        public int Capacity;
        public int Pending;               // bytes written to the buffer, not yet to the file
        public int ReadPos, ReadLen;      // buffered input
        public int Unget;                 // -1: none
        public int Writable, Readable;
        public Sync.Mutex Lock;
    }

    // stdio over file descriptors: buffered streams, the printf family (the format engine is
    // Format.cs; variadic entry points are trampolines in Arch/X64/libc.S) and puts/fputs/fwrite.
    internal static unsafe class Stdio
    {
        public const int BufferFull = 0, BufferLine = 1, BufferNone = 2;
        private const int BufferSize = 4096;
        private const int MaxOpen = 256;
        private struct OpenStreams { public fixed ulong Files[MaxOpen]; }
        private static OpenStreams s_open;
        private static bool s_initialized;

        public static void Initialize()
        {
            if (s_initialized) return;
            s_initialized = true;
            var g = LibcData.Globals;
            g->Stdin = NewFile(0, true, false, BufferLine);
            g->Stdout = NewFile(1, false, true, BufferLine);
            g->Stderr = NewFile(2, false, true, BufferNone);
            Format.Errno = &Process.GetErrno;
        }

        private static CFile* NewFile(int fd, bool read, bool write, int mode)
        {
            var f = (CFile*)KernelHeap.AllocZeroed((ulong)sizeof(CFile));
            f->Fd = fd;
            f->Mode = mode;
            f->Unget = -1;
            f->Readable = read ? 1 : 0;
            f->Writable = write ? 1 : 0;
            f->Capacity = BufferSize;
            f->Buffer = (byte*)KernelHeap.Alloc(BufferSize);
            fixed (OpenStreams* o = &s_open)
                for (int i = 0; i < MaxOpen; i++) if (o->Files[i] == 0) { o->Files[i] = (ulong)f; break; }
            return f;
        }

        private static void Lock(CFile* f) => f->Lock.Lock();
        private static void Unlock(CFile* f) => f->Lock.Unlock();

        // Writes the buffered bytes out; false on a write error.
        private static bool FlushLocked(CFile* f)
        {
            int done = 0;
            while (done < f->Pending)
            {
                long r = Vfs.Write(f->Fd, f->Buffer + done, (ulong)(f->Pending - done));
                if (r <= 0) { f->Error = 1; f->Pending = 0; if (r < 0) Process.SetErrno((int)-r); return false; }
                done += (int)r;
            }
            f->Pending = 0;
            return true;
        }

        private static int WriteLocked(CFile* f, byte* data, int length)
        {
            if (f->Writable == 0) { f->Error = 1; Process.SetErrno(Vfs.EBADF); return -1; }
            if (f->Mode == BufferNone || length >= f->Capacity)
            {
                if (!FlushLocked(f)) return -1;
                long r = Vfs.Write(f->Fd, data, (ulong)length);
                if (r < 0) { f->Error = 1; Process.SetErrno((int)-r); return -1; }
                return 0;
            }
            if (f->Pending + length > f->Capacity && !FlushLocked(f)) return -1;
            Mem.Move(f->Buffer + f->Pending, data, (nuint)length);
            f->Pending += length;
            if (f->Mode == BufferLine)
                for (int i = 0; i < length; i++)
                    if (data[i] == (byte)'\n') return FlushLocked(f) ? 0 : -1;
            return 0;
        }

        public static int Write(CFile* f, byte* data, int length)
        {
            Lock(f);
            int r = WriteLocked(f, data, length);
            Unlock(f);
            return r;
        }

        public static void FlushAll()
        {
            if (!s_initialized) return;
            fixed (OpenStreams* o = &s_open)
                for (int i = 0; i < MaxOpen; i++)
                {
                    var f = (CFile*)o->Files[i];
                    if (f == null) continue;
                    Lock(f);
                    FlushLocked(f);
                    Unlock(f);
                }
        }

        private static int SinkWrite(void* context, byte* bytes, int length) => WriteLocked((CFile*)context, bytes, length);

        public static int VfPrintf(CFile* f, byte* format, VaList* args)
        {
            Lock(f);
            var sink = new FormatSink(&SinkWrite, f);
            int r = Format.Printf(ref sink, format, args);
            Unlock(f);
            return r;
        }

        private static int Strlen(byte* s) { int n = 0; while (s[n] != 0) n++; return n; }

        [UnmanagedCallersOnly(EntryPoint = "abi_vfprintf")]
        private static int VfPrintfExport(CFile* f, byte* format, VaList* args) => VfPrintf(f, format, args);

        [UnmanagedCallersOnly(EntryPoint = "abi_vprintf")]
        private static int VPrintf(byte* format, VaList* args) => VfPrintf(LibcData.Globals->Stdout, format, args);

        [UnmanagedCallersOnly(EntryPoint = "abi_vsnprintf")]
        private static int VsnPrintf(byte* buffer, ulong size, byte* format, VaList* args) => Format.SPrintf(buffer, size, format, args);

        [UnmanagedCallersOnly(EntryPoint = "abi_vsprintf")]
        private static int VsPrintf(byte* buffer, byte* format, VaList* args) => Format.SPrintf(buffer, int.MaxValue, format, args);

        [UnmanagedCallersOnly(EntryPoint = "abi_vdprintf")]
        private static int VdPrintf(int fd, byte* format, VaList* args)
        {
            var sink = new FormatSink(&FdWrite, (void*)(long)fd);
            return Format.Printf(ref sink, format, args);
        }

        private static int FdWrite(void* context, byte* bytes, int length) => Vfs.Write((int)(long)context, bytes, (ulong)length) < 0 ? -1 : 0;

        [UnmanagedCallersOnly(EntryPoint = "abi_vasprintf")]
        private static int VasPrintf(byte** result, byte* format, VaList* args)
        {
            VaList copy = *args;
            int n = Format.SPrintf(null, 0, format, &copy);
            if (n < 0) return -1;
            byte* buf = (byte*)Memory.Malloc((ulong)n + 1);
            if (buf == null) return -1;
            *result = buf;
            return Format.SPrintf(buf, (ulong)n + 1, format, args);
        }

        // The _FORTIFY_SOURCE variants: the flag and object sizes only add checks.
        [UnmanagedCallersOnly(EntryPoint = "libc_printf_chk")]
        private static int PrintfChk(int flag, byte* format, VaList* args) => VfPrintf(LibcData.Globals->Stdout, format, args);
        [UnmanagedCallersOnly(EntryPoint = "libc_fprintf_chk")]
        private static int FprintfChk(CFile* f, int flag, byte* format, VaList* args) => VfPrintf(f, format, args);
        [UnmanagedCallersOnly(EntryPoint = "libc_sprintf_chk")]
        private static int SprintfChk(byte* s, int flag, ulong size, byte* format, VaList* args) => Checked(Format.SPrintf(s, size, format, args), size);
        [UnmanagedCallersOnly(EntryPoint = "libc_snprintf_chk")]
        private static int SnprintfChk(byte* s, ulong max, int flag, ulong size, byte* format, VaList* args)
        {
            if (max > size) Process.Die("buffer overflow detected (__snprintf_chk)", 134);
            return Format.SPrintf(s, max, format, args);
        }
        [UnmanagedCallersOnly(EntryPoint = "abi___vfprintf_chk")]
        private static int VfprintfChk(CFile* f, int flag, byte* format, VaList* args) => VfPrintf(f, format, args);
        [UnmanagedCallersOnly(EntryPoint = "abi___vsnprintf_chk")]
        private static int VsnprintfChk(byte* s, ulong max, int flag, ulong size, byte* format, VaList* args) => Format.SPrintf(s, max, format, args);

        private static int Checked(int n, ulong size)
        {
            if (n >= 0 && (ulong)n >= size) Process.Die("buffer overflow detected (__sprintf_chk)", 134);
            return n;
        }

        [UnmanagedCallersOnly(EntryPoint = "abi_puts")]
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

        [UnmanagedCallersOnly(EntryPoint = "abi_fputs")]
        private static int Fputs(byte* s, CFile* f) => Write(f, s, Strlen(s)) < 0 ? -1 : 1;

        [UnmanagedCallersOnly(EntryPoint = "abi_fputc")]
        private static int Fputc(int c, CFile* f) => PutChar(c, f);
        [UnmanagedCallersOnly(EntryPoint = "abi_putc")]
        private static int Putc(int c, CFile* f) => PutChar(c, f);
        [UnmanagedCallersOnly(EntryPoint = "abi_putchar")]
        private static int Putchar(int c) => PutChar(c, LibcData.Globals->Stdout);

        private static int PutChar(int c, CFile* f)
        {
            byte b = (byte)c;
            return Write(f, &b, 1) < 0 ? -1 : b;
        }

        [UnmanagedCallersOnly(EntryPoint = "abi_fwrite")]
        private static ulong Fwrite(byte* data, ulong size, ulong count, CFile* f)
        {
            ulong total = size * count;
            if (total == 0) return 0;
            return Write(f, data, (int)total) < 0 ? 0 : count;
        }

        [UnmanagedCallersOnly(EntryPoint = "abi_fflush")]
        private static int Fflush(CFile* f)
        {
            if (f == null) { FlushAll(); return 0; }
            Lock(f);
            bool ok = FlushLocked(f);
            Unlock(f);
            return ok ? 0 : -1;
        }

        [UnmanagedCallersOnly(EntryPoint = "abi_setvbuf")]
        private static int Setvbuf(CFile* f, byte* buffer, int mode, ulong size)
        {
            if (mode < 0 || mode > 2) return -1;
            Lock(f);
            FlushLocked(f);
            f->Mode = mode;
            Unlock(f);
            return 0;
        }

        [UnmanagedCallersOnly(EntryPoint = "abi_setbuf")]
        private static void Setbuf(CFile* f, byte* buffer)
        {
            Lock(f);
            FlushLocked(f);
            f->Mode = buffer == null ? BufferNone : BufferFull;
            Unlock(f);
        }

        [UnmanagedCallersOnly(EntryPoint = "abi_ferror")]
        private static int Ferror(CFile* f) => f->Error;
        [UnmanagedCallersOnly(EntryPoint = "abi_feof")]
        private static int Feof(CFile* f) => f->Eof;
        [UnmanagedCallersOnly(EntryPoint = "abi_clearerr")]
        private static void Clearerr(CFile* f) { f->Error = 0; f->Eof = 0; }
        [UnmanagedCallersOnly(EntryPoint = "abi_fileno")]
        private static int Fileno(CFile* f) => f->Fd;

        [UnmanagedCallersOnly(EntryPoint = "abi_perror")]
        private static void Perror(byte* s)
        {
            int e = Process.GetErrno();
            CFile* f = LibcData.Globals->Stderr;
            if (s != null && *s != 0) { Write(f, s, Strlen(s)); Write(f, (byte*)Lit(": "u8), 2); }
            byte* msg = Errors.Message(e);
            Write(f, msg, Strlen(msg));
            Write(f, (byte*)Lit("\n"u8), 1);
        }

        private static byte* Lit(System.ReadOnlySpan<byte> s) { fixed (byte* p = s) return p; }

        // Raw descriptors.
        [UnmanagedCallersOnly(EntryPoint = "abi_write")]
        private static long WriteFd(int fd, byte* data, ulong count) => Result(Vfs.Write(fd, data, count));
        [UnmanagedCallersOnly(EntryPoint = "abi_read")]
        private static long ReadFd(int fd, byte* data, ulong count) => Result(Vfs.Read(fd, data, count));
        [UnmanagedCallersOnly(EntryPoint = "abi_close")]
        private static int CloseFd(int fd) => (int)Result(Vfs.Close(fd));
        [UnmanagedCallersOnly(EntryPoint = "abi_lseek")]
        private static long Lseek(int fd, long offset, int whence) => Result(Vfs.Seek(fd, offset, whence));
        [UnmanagedCallersOnly(EntryPoint = "abi_lseek64")]
        private static long Lseek64(int fd, long offset, int whence) => Result(Vfs.Seek(fd, offset, whence));

        [UnmanagedCallersOnly(EntryPoint = "libc_open_va")]
        private static int OpenVa(byte* path, int flags, VaList* args)
        {
            uint mode = (flags & Vfs.OCreat) != 0 ? (uint)args->NextGp() : 0;
            return (int)Result(Vfs.Open(path, flags, mode));
        }

        // A negative errno becomes -1 with errno set, as libc's system call wrappers do.
        public static long Result(long r)
        {
            if (r >= 0) return r;
            Process.SetErrno((int)-r);
            return -1;
        }
    }
}
