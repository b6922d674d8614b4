using System.Runtime;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Fcntl
{
    // <fcntl.h>: open, openat, creat and fcntl (open, openat and fcntl are variadic: their
    // trampolines are in Arch/X64/libc.S), and the fortified open variants.
    internal static unsafe class FileControl
    {
        private const int FDupFd = 0, FGetFd = 1, FSetFd = 2, FGetFl = 3, FSetFl = 4, FGetLk = 5, FSetLk = 6, FSetLkW = 7,
            FSetOwn = 8, FGetOwn = 9, FOfdGetLk = 36, FOfdSetLk = 37, FOfdSetLkW = 38, FDupFdCloExec = 1030,
            FSetPipeSize = 1031, FGetPipeSize = 1032;
        private const int FdCloExec = 1, FUnlck = 2;

        [RuntimeExport("libc_openat_va")]
        private static int OpenAt(int dirFd, byte* path, int flags, VaList* args)
        {
            uint mode = (flags & (Vfs.OCreat | Vfs.OTmpFile)) != 0 ? (uint)args->NextGp() : 0;
            return (int)LibcErrno.Result(Vfs.OpenAt(dirFd, path, flags, mode));
        }

        // _FORTIFY_SOURCE's open without a mode (the compiler proved O_CREAT absent).
        [RuntimeExport("abi___open_2")]
        private static int Open2(byte* path, int flags) => (int)LibcErrno.Result(Vfs.Open(path, flags, 0));
        [RuntimeExport("abi___openat_2")]
        private static int OpenAt2(int dirFd, byte* path, int flags) => (int)LibcErrno.Result(Vfs.OpenAt(dirFd, path, flags, 0));

        [RuntimeExport("abi_creat")]
        private static int Creat(byte* path, uint mode) => (int)LibcErrno.Result(Vfs.Open(path, Vfs.OCreat | Vfs.OWrOnly | Vfs.OTrunc, mode));

        [RuntimeExport("libc_fcntl_va")]
        private static int Fcntl(int fd, int command, VaList* args)
        {
            OpenFile* f = Vfs.Acquire(fd);
            if (f == null) return LibcErrno.Fail(-Errno.EBADF);
            long r = Control(fd, f, command, args);
            Vfs.Put(f);
            return (int)LibcErrno.Result(r);
        }

        private static long Control(int fd, OpenFile* f, int command, VaList* args)
        {
            switch (command)
            {
                case FDupFd: return Vfs.Dup(fd, (int)args->NextGp(), false);
                case FDupFdCloExec: return Vfs.Dup(fd, (int)args->NextGp(), false, true);
                case FGetFd: return Vfs.GetCloseOnExec(fd);
                case FSetFd: return Vfs.SetCloseOnExec(fd, ((int)args->NextGp() & FdCloExec) != 0);
                case FGetFl: return f->Flags;
                case FSetFl:
                    int flags = (int)args->NextGp();
                    f->Flags = (f->Flags & ~Vfs.SettableFlags) | (flags & Vfs.SettableFlags);
                    return 0;
                case FGetLk:
                case FOfdGetLk:
                    // One process: no lock can ever conflict, so every lock is reported free.
                    short* lk = (short*)args->NextGp();
                    if (lk == null) return -Errno.EFAULT;
                    lk[0] = FUnlck;
                    return 0;
                case FSetLk: case FSetLkW: case FOfdSetLk: case FOfdSetLkW: return args->NextGp() == 0 ? -Errno.EFAULT : 0;
                case FSetOwn: return 0;
                case FGetOwn: return 0;
                case FGetPipeSize:
                case FSetPipeSize: return RamFs.TypeOf(f->Node) == RamFs.TypeFifo ? Pipes.Capacity : -Errno.EBADF;
            }
            return -Errno.EINVAL;
        }

        [RuntimeExport("libc_open_va")]
        private static int OpenVa(byte* path, int flags, VaList* args)
        {
            uint mode = (flags & (Vfs.OCreat | Vfs.OTmpFile)) != 0 ? (uint)args->NextGp() : 0;
            return (int)LibcErrno.Result(Vfs.Open(path, flags, mode));
        }
    }
}
