using System.Runtime;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Unistd
{
    internal struct IoVec { public unsafe byte* Base; public ulong Length; }

    // <unistd.h> I/O on descriptors: read, write, close, lseek, dup, pipe, positioned and vectored
    // I/O, sendfile, sizes, syncing and locking (one process: locks always succeed).
    internal static unsafe class DescriptorIo
    {
        [RuntimeExport("abi_dup")]
        private static int Dup(int fd) => (int)LibcErrno.Result(Vfs.Dup(fd, 0, false));
        [RuntimeExport("abi_dup2")]
        private static int Dup2(int fd, int target) => (int)LibcErrno.Result(Vfs.Dup(fd, target, true));
        [RuntimeExport("abi_dup3")]
        private static int Dup3(int fd, int target, int flags)
        {
            if (fd == target || (flags & ~Vfs.OCloExec) != 0) return LibcErrno.Fail(-Errno.EINVAL);
            return (int)LibcErrno.Result(Vfs.Dup(fd, target, true, (flags & Vfs.OCloExec) != 0));
        }

        [RuntimeExport("abi_pipe")]
        private static int Pipe(int* fds) => MakePipe(fds, 0);

        [RuntimeExport("abi_pipe2")]
        private static int MakePipe(int* fds, int flags)
        {
            if ((flags & ~(Vfs.OCloExec | Vfs.ONonBlock | 0x4000)) != 0) return LibcErrno.Fail(-Errno.EINVAL);   // O_DIRECT accepted
            if (fds == null) return LibcErrno.Fail(-Errno.EFAULT);
            Pipes.Create(flags, out OpenFile* readEnd, out OpenFile* writeEnd);
            bool cloexec = (flags & Vfs.OCloExec) != 0;
            int r = Vfs.Allocate(readEnd, 0, cloexec);
            if (r < 0) { Vfs.Put(writeEnd); return (int)LibcErrno.Result(r); }
            int w = Vfs.Allocate(writeEnd, 0, cloexec);
            if (w < 0) { Vfs.Close(r); return (int)LibcErrno.Result(w); }
            fds[0] = r;
            fds[1] = w;
            return 0;
        }

        [RuntimeExport("abi_pread")]
        internal static long Pread(int fd, byte* b, ulong n, long offset) => LibcErrno.Result(Vfs.ReadAt(fd, b, n, (ulong)offset, true));
        [RuntimeExport("abi_pwrite")]
        private static long Pwrite(int fd, byte* b, ulong n, long offset) => LibcErrno.Result(Vfs.WriteAt(fd, b, n, (ulong)offset, true));

        [RuntimeExport("abi_readv")]
        private static long Readv(int fd, IoVec* v, int count) => LibcErrno.Result(Vectored(fd, v, count, 0, false, false));
        [RuntimeExport("abi_writev")]
        private static long Writev(int fd, IoVec* v, int count) => LibcErrno.Result(Vectored(fd, v, count, 0, false, true));
        [RuntimeExport("abi_preadv")]
        private static long Preadv(int fd, IoVec* v, int count, long offset) => LibcErrno.Result(Vectored(fd, v, count, offset, true, false));
        [RuntimeExport("abi_pwritev")]
        private static long Pwritev(int fd, IoVec* v, int count, long offset) => LibcErrno.Result(Vectored(fd, v, count, offset, true, true));

        // One buffer after another; a short transfer ends the call (as the kernel's loop does).
        private static long Vectored(int fd, IoVec* v, int count, long offset, bool positioned, bool write)
        {
            if (count < 0 || count > 1024) return -Errno.EINVAL;
            OpenFile* f = Vfs.Acquire(fd);
            if (f == null) return -Errno.EBADF;
            long total = 0;
            for (int i = 0; i < count; i++)
            {
                if (v[i].Length == 0) continue;
                ulong at = (ulong)(offset + total);
                long r = write ? Vfs.WriteFile(f, v[i].Base, v[i].Length, at, positioned) : Vfs.ReadFile(f, v[i].Base, v[i].Length, at, positioned);
                if (r < 0) { if (total == 0) total = r; break; }
                total += r;
                if ((ulong)r < v[i].Length) break;
            }
            Vfs.Put(f);
            return total;
        }

        [RuntimeExport("abi_sendfile")]
        private static long Sendfile(int outFd, int inFd, long* offset, ulong count) => LibcErrno.Result(Copy(inFd, offset, outFd, null, count));
        [RuntimeExport("abi_copy_file_range")]
        private static long CopyFileRange(int inFd, long* inOffset, int outFd, long* outOffset, ulong count, uint flags) =>
            LibcErrno.Result(flags != 0 ? -Errno.EINVAL : Copy(inFd, inOffset, outFd, outOffset, count));

        // sendfile/copy_file_range: through a kernel buffer. A given offset is used and advanced
        // instead of the descriptor's own. Returns the bytes copied (short at end of input) or -errno.
        private static long Copy(int inFd, long* inOffset, int outFd, long* outOffset, ulong count)
        {
            OpenFile* input = Vfs.Acquire(inFd);
            OpenFile* output = Vfs.Acquire(outFd);
            long done = input == null || output == null ? -Errno.EBADF : 0;
            byte* buffer = done == 0 ? (byte*)Nimbus.Kernel.Memory.KernelHeap.Alloc(65536) : null;
            while (done >= 0 && (ulong)done < count)
            {
                ulong chunk = count - (ulong)done < 65536 ? count - (ulong)done : 65536;
                long r = Vfs.ReadFile(input, buffer, chunk, inOffset != null ? (ulong)(*inOffset) : 0, inOffset != null);
                if (r > 0) r = Vfs.WriteFile(output, buffer, (ulong)r, outOffset != null ? (ulong)(*outOffset) : 0, outOffset != null);
                if (r <= 0) { if (done == 0) done = r; break; }
                if (inOffset != null) *inOffset += r;
                if (outOffset != null) *outOffset += r;
                done += r;
                if ((ulong)r < chunk) break;
            }
            if (buffer != null) Nimbus.Kernel.Memory.KernelHeap.Free(buffer);
            if (input != null) Vfs.Put(input);
            if (output != null) Vfs.Put(output);
            return done;
        }

        [RuntimeExport("abi_ftruncate")]
        private static int Ftruncate(int fd, long length) => (int)LibcErrno.Result(Truncate(fd, length));

        private static int Truncate(int fd, long length)
        {
            if (length < 0) return -Errno.EINVAL;
            OpenFile* f = Vfs.Acquire(fd);
            if (f == null) return -Errno.EBADF;
            int r = -Errno.EINVAL;
            if ((f->Flags & Vfs.OAccMode) != Vfs.ORdOnly && (f->Flags & Vfs.OPath) == 0)
            {
                RamFs.Lock();
                r = Names.TruncateNode(f->Node, length);
                RamFs.Unlock();
                if (r == -Errno.EISDIR) r = -Errno.EINVAL;
            }
            Vfs.Put(f);
            return r;
        }

        [RuntimeExport("abi_fallocate")]
        private static int Fallocate(int fd, int mode, long offset, long length) => (int)LibcErrno.Result(Allocate(fd, mode, offset, length));
        // posix_fallocate returns the error number instead of setting errno.
        [RuntimeExport("abi_posix_fallocate")]
        private static int PosixFallocate(int fd, long offset, long length) => -Allocate(fd, 0, offset, length);

        // Mode 0 grows the file to offset + length; FALLOC_FL_KEEP_SIZE (1) has nothing to reserve.
        private static int Allocate(int fd, int mode, long offset, long length)
        {
            if (offset < 0 || length <= 0) return -Errno.EINVAL;
            if ((mode & ~1) != 0) return -Errno.EOPNOTSUPP;
            OpenFile* f = Vfs.Acquire(fd);
            if (f == null) return -Errno.EBADF;
            FsNode* n = f->Node;
            int r = 0;
            if ((f->Flags & Vfs.OAccMode) == Vfs.ORdOnly) r = -Errno.EBADF;
            else if (RamFs.TypeOf(n) == RamFs.TypeFifo) r = -Errno.ESPIPE;
            else if (RamFs.TypeOf(n) == RamFs.TypeDirectory) r = -Errno.EISDIR;
            else if (RamFs.TypeOf(n) != RamFs.TypeRegular) r = -Errno.ENODEV;
            else if (mode == 0)
            {
                RamFs.Lock();
                if ((ulong)(offset + length) > n->Size) r = RamFs.Truncate(n, (ulong)(offset + length));
                RamFs.Unlock();
            }
            Vfs.Put(f);
            return r;
        }

        [RuntimeExport("abi_posix_fadvise")]
        private static int PosixFadvise(int fd, long offset, long length, int advice) => Advise(fd, advice);

        // Advice is only a hint; the errors are posix_fadvise's (returned, not in errno).
        private static int Advise(int fd, int advice)
        {
            OpenFile* f = Vfs.Get(fd);
            if (f == null) return Errno.EBADF;
            if (RamFs.TypeOf(f->Node) == RamFs.TypeFifo) return Errno.ESPIPE;
            return advice < 0 || advice > 5 ? Errno.EINVAL : 0;
        }

        // Nothing is ever dirty: there is no disk behind the file system.
        [RuntimeExport("abi_fsync")]
        private static int Fsync(int fd) => (int)LibcErrno.Result(Vfs.Get(fd) == null ? -Errno.EBADF : 0);
        [RuntimeExport("abi_syncfs")]
        private static int Syncfs(int fd) => (int)LibcErrno.Result(Vfs.Get(fd) == null ? -Errno.EBADF : 0);
        [RuntimeExport("abi_sync")]
        private static void Sync() { }

        // One process: advisory locks never conflict.
        [RuntimeExport("abi_flock")]
        private static int Flock(int fd, int operation)
        {
            if (Vfs.Get(fd) == null) return LibcErrno.Fail(-Errno.EBADF);
            int op = operation & ~4;                                           // LOCK_NB
            return op == 1 || op == 2 || op == 8 ? 0 : LibcErrno.Fail(-Errno.EINVAL);        // LOCK_SH, LOCK_EX, LOCK_UN
        }

        [RuntimeExport("abi_lockf")]
        private static int Lockf(int fd, int command, long length) => (int)LibcErrno.Result(Vfs.Get(fd) == null ? -Errno.EBADF : 0);

        [RuntimeExport("abi_write")]
        private static long WriteFd(int fd, byte* data, ulong count) => LibcErrno.Result(Vfs.Write(fd, data, count));
        [RuntimeExport("abi_read")]
        private static long ReadFd(int fd, byte* data, ulong count) => LibcErrno.Result(Vfs.Read(fd, data, count));
        [RuntimeExport("abi_close")]
        private static int CloseFd(int fd) => (int)LibcErrno.Result(Vfs.Close(fd));
        [RuntimeExport("abi_lseek")]
        private static long Lseek(int fd, long offset, int whence) => LibcErrno.Result(Vfs.Seek(fd, offset, whence));
    }
}
