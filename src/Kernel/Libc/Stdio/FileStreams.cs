using System.Runtime;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Stdlib;

namespace Nimbus.Kernel.Libc.Stdio
{
    // Opening, closing and positioning streams: fopen, fdopen, freopen, fclose, fseek/ftell and
    // their variants, fgetpos/fsetpos, tmpfile/tmpnam, the stdio_ext queries, and popen (refused:
    // there are no processes).
    internal static unsafe class FileStreams
    {
        private const int Eof = -1;

        // fopen's mode string: r, w or a, then any of + b x e m c (and ",ccs=..." ignored).
        public static bool ParseMode(byte* mode, out int flags)
        {
            flags = 0;
            if (mode == null) return false;
            switch (mode[0])
            {
                case (byte)'r': flags = Vfs.ORdOnly; break;
                case (byte)'w': flags = Vfs.OWrOnly | Vfs.OCreat | Vfs.OTrunc; break;
                case (byte)'a': flags = Vfs.OWrOnly | Vfs.OCreat | Vfs.OAppend; break;
                default: return false;
            }
            for (byte* c = mode + 1; *c != 0 && *c != (byte)','; c++)
            {
                if (*c == (byte)'+') flags = (flags & ~Vfs.OAccMode) | Vfs.ORdWr;
                else if (*c == (byte)'x') flags |= Vfs.OExcl;
                else if (*c == (byte)'e') flags |= Vfs.OCloExec;
            }
            return true;
        }

        private static bool Reads(int flags) => (flags & Vfs.OAccMode) != Vfs.OWrOnly;
        private static bool Writes(int flags) => (flags & Vfs.OAccMode) != Vfs.ORdOnly;

        [RuntimeExport("abi_fopen")]
        private static CFile* Open(byte* path, byte* mode)
        {
            if (!ParseMode(mode, out int flags)) { LibcErrno.Set(Errno.EINVAL); return null; }
            int fd = Vfs.Open(path, flags, 0x1B6);
            if (LibcErrno.Failed(fd)) return null;
            return OnDescriptor(fd, flags);
        }

        private static CFile* OnDescriptor(int fd, int flags)
        {
            CFile* f = Streams.NewFile(fd, Reads(flags), Writes(flags), Streams.BufferFull);
            if (f == null) { Vfs.Close(fd); LibcErrno.Set(Errno.EMFILE); return null; }
            f->Append = (flags & Vfs.OAppend) != 0 ? 1 : 0;
            return f;
        }

        // fdopen: the stream adopts fd; "a" turns on O_APPEND, as glibc does. The mode must not ask
        // for an access the descriptor lacks.
        [RuntimeExport("abi_fdopen")]
        private static CFile* Fdopen(int fd, byte* mode)
        {
            if (!ParseMode(mode, out int flags)) { LibcErrno.Set(Errno.EINVAL); return null; }
            OpenFile* o = Vfs.Acquire(fd);
            if (o == null) { LibcErrno.Set(Errno.EBADF); return null; }
            int access = o->Flags & Vfs.OAccMode;
            bool ok = access == Vfs.ORdWr || (access == Vfs.ORdOnly ? !Writes(flags) : !Reads(flags));
            if (ok && (flags & Vfs.OAppend) != 0) o->Flags |= Vfs.OAppend;
            Vfs.Put(o);
            if (!ok) { LibcErrno.Set(Errno.EINVAL); return null; }
            CFile* f = Streams.NewFile(fd, Reads(flags), Writes(flags), Streams.BufferFull);
            if (f == null) { LibcErrno.Set(Errno.EMFILE); return null; }
            f->Append = (flags & Vfs.OAppend) != 0 ? 1 : 0;
            return f;
        }

        // freopen: the same FILE on a new file (or, with a null path, the same descriptor in a new mode).
        [RuntimeExport("abi_freopen")]
        private static CFile* Reopen(byte* path, byte* mode, CFile* f)
        {
            if (!ParseMode(mode, out int flags)) { LibcErrno.Set(Errno.EINVAL); return null; }
            Streams.Lock(f);
            Streams.SettleLocked(f);
            int fd = f->Fd;
            if (path != null)
            {
                if (f->Kind == CFile.KindDescriptor) Vfs.Close(fd);
                fd = Vfs.Open(path, flags, 0x1B6);
            }
            else if (f->Kind == CFile.KindDescriptor)
            {
                OpenFile* o = Vfs.Acquire(fd);
                if (o != null) { o->Flags = (o->Flags & ~Vfs.OAppend) | (flags & Vfs.OAppend); Vfs.Put(o); }
            }
            if (fd < 0 || f->Kind != CFile.KindDescriptor)
            {
                Streams.Unlock(f);
                Close(f);
                LibcErrno.Failed(fd < 0 ? fd : -Errno.EBADF);
                return null;
            }
            f->Fd = fd;
            f->Flags = 0;
            f->Readable = Reads(flags) ? 1 : 0;
            f->Writable = Writes(flags) ? 1 : 0;
            f->Append = (flags & Vfs.OAppend) != 0 ? 1 : 0;
            Streams.Unlock(f);
            return f;
        }

        // Output goes out (input back), the descriptor is closed, the FILE freed.
        [RuntimeExport("abi_fclose")]
        private static int Close(CFile* f)
        {
            Streams.Lock(f);
            bool ok = Streams.SettleLocked(f);
            if (f->Kind == CFile.KindDescriptor) { if (Vfs.Close(f->Fd) < 0 && ok) { ok = false; LibcErrno.Set(Errno.EBADF); } }
            else MemoryStreams.Close(f);
            Streams.Unlock(f);
            Streams.FreeFile(f);
            return ok ? 0 : Eof;
        }

        // Settles the buffer (output written, unread input given back), then seeks; clears EOF.
        [RuntimeExport("abi_fseek")]
        public static int Seek(CFile* f, long offset, int whence)
        {
            if (whence < 0 || whence > 2) return LibcErrno.Fail(-Errno.EINVAL);
            Streams.Lock(f);
            long r = Streams.SettleLocked(f) ? Streams.RawSeek(f, offset, whence) : -1;
            if (r >= 0) f->Flags &= ~CFile.FlagEof;
            Streams.Unlock(f);
            if (r < -1) LibcErrno.Failed(r);
            return r < 0 ? -1 : 0;
        }

        // The position the program sees: the file's, less unread input, plus unwritten output.
        [RuntimeExport("abi_ftell")]
        public static long Tell(CFile* f)
        {
            Streams.Lock(f);
            if (f->Append != 0 && f->Pending > 0) Streams.FlushLocked(f);
            long r = Streams.RawSeek(f, 0, 1);
            if (r >= 0) r = r - f->Unread + f->Pending;
            Streams.Unlock(f);
            return LibcErrno.Result(r);
        }

        [RuntimeExport("abi_rewind")]
        private static void Rewind(CFile* f)
        {
            Seek(f, 0, 0);
            f->Flags &= ~CFile.FlagError;
        }

        // fpos_t: the offset, then a conversion state (zero: no multibyte state is kept).
        [RuntimeExport("abi_fsetpos")]
        private static int Fsetpos(CFile* f, long* position) => Seek(f, position[0], 0);

        [RuntimeExport("abi_fgetpos")]
        private static int GetPosition(CFile* f, long* position)
        {
            long p = Tell(f);
            if (p < 0) return -1;
            position[0] = p;
            position[1] = 0;
            return 0;
        }

        // tmpfile: a file in /tmp that has no name from the start.
        [RuntimeExport("abi_tmpfile")]
        private static CFile* TemporaryFile()
        {
            byte* name = stackalloc byte[32];
            Copy(name, "/tmp/tmpfXXXXXX\0"u8);
            int fd = TempFiles.TempFile(name, 0, 0);
            if (LibcErrno.Failed(fd)) return null;
            Names.Unlink(Vfs.AtFdCwd, name, 0);
            return OnDescriptor(fd, Vfs.ORdWr);
        }

        private struct NameBuffer { public fixed byte Bytes[20]; }        // L_tmpnam
        private static NameBuffer s_tmpnam;

        [RuntimeExport("abi_tmpnam")]
        private static byte* Tmpnam(byte* s)
        {
            if (s == null) fixed (NameBuffer* b = &s_tmpnam) s = b->Bytes;
            return TemporaryName(s);
        }

        [RuntimeExport("abi_tmpnam_r")]
        private static byte* TmpnamR(byte* s) => s == null ? null : TemporaryName(s);

        private static byte* TemporaryName(byte* s)
        {
            Copy(s, "/tmp/fileXXXXXX\0"u8);
            int r = TempFiles.UnusedName(s);
            if (LibcErrno.Failed(r)) return null;
            return s;
        }

        private static void Copy(byte* to, System.ReadOnlySpan<byte> from)
        {
            for (int i = 0; i < from.Length; i++) to[i] = from[i];
        }

        // popen needs a second process: refused, once said why.
        [RuntimeExport("abi_popen")]
        private static CFile* Popen(byte* command, byte* mode)
        {
            var msg = "nimbus: popen is not supported (one process, no shell): failing with ENOSYS\n"u8;
            fixed (byte* m = msg) Streams.Write(LibcData.Globals->Stderr, m, msg.Length);
            LibcErrno.Set(Errno.ENOSYS);
            return null;
        }

        [RuntimeExport("abi_pclose")]
        private static int Pclose(CFile* f)
        {
            return LibcErrno.Fail(-Errno.ECHILD);
        }

        // <stdio_ext.h>, which gnulib-based programs use.
        [RuntimeExport("abi___fpending")]
        private static ulong Fpending(CFile* f) => (ulong)f->Pending;
        [RuntimeExport("abi___freading")]
        private static int Freading(CFile* f) => f->Writable == 0 || f->ReadEnd != null ? 1 : 0;
        [RuntimeExport("abi___fwriting")]
        private static int Fwriting(CFile* f) => f->Readable == 0 || f->Pending > 0 ? 1 : 0;
        [RuntimeExport("abi___freadable")]
        private static int Freadable(CFile* f) => f->Readable;
        [RuntimeExport("abi___fwritable")]
        private static int Fwritable(CFile* f) => f->Writable;
        [RuntimeExport("abi___flbf")]
        private static int Flbf(CFile* f) => f->Mode == Streams.BufferLine ? 1 : 0;
        [RuntimeExport("abi___fbufsize")]
        private static ulong Fbufsize(CFile* f) => (ulong)f->Capacity;
        [RuntimeExport("abi___fsetlocking")]
        private static int Fsetlocking(CFile* f, int type) => 1;          // FSETLOCKING_INTERNAL: we always lock
        [RuntimeExport("abi__flushlbf")]
        private static void Flushlbf() => Streams.FlushLineBuffered();
        [RuntimeExport("abi_fpurge")]
        private static int Fpurge(CFile* f) { Purge(f); return 0; }

        [RuntimeExport("abi___fpurge")]
        private static void Purge(CFile* f)
        {
            Streams.Lock(f);
            f->Pending = 0;
            f->ReadPtr = f->ReadEnd = f->ReadBase = null;
            Streams.Unlock(f);
        }
    }
}
