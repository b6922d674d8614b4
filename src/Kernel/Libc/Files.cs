using System.Runtime;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Libc
{
    // Descriptor-level calls with variadic C signatures (their trampolines are in Arch/X64/libc.S),
    // and the fortified/non-variadic open variants.
    internal static unsafe class Files
    {
        private const int FDupFd = 0, FGetFd = 1, FSetFd = 2, FGetFl = 3, FSetFl = 4, FGetLk = 5, FSetLk = 6, FSetLkW = 7,
            FSetOwn = 8, FGetOwn = 9, FOfdGetLk = 36, FOfdSetLk = 37, FOfdSetLkW = 38, FDupFdCloExec = 1030,
            FSetPipeSize = 1031, FGetPipeSize = 1032;
        private const int FdCloExec = 1, FUnlck = 2;
        private const ulong Tcgets = 0x5401, Fionread = 0x541B, Fionbio = 0x5421, Fionclex = 0x5450, Fioclex = 0x5451;
        private const int ENOTTY = 25, EBADF = 9, EINVAL = 22, ENOSYS = 38;

        [RuntimeExport("libc_openat_va")]
        private static int OpenAt(int dirFd, byte* path, int flags, VaList* args)
        {
            uint mode = (flags & (Vfs.OCreat | Vfs.OTmpFile)) != 0 ? (uint)args->NextGp() : 0;
            return (int)Stdio.Result(Vfs.OpenAt(dirFd, path, flags, mode));
        }

        // _FORTIFY_SOURCE's open without a mode (the compiler proved O_CREAT absent).
        [RuntimeExport("abi___open_2")]
        private static int Open2(byte* path, int flags) => (int)Stdio.Result(Vfs.Open(path, flags, 0));
        [RuntimeExport("abi___open64_2")]
        private static int Open64_2(byte* path, int flags) => (int)Stdio.Result(Vfs.Open(path, flags, 0));
        [RuntimeExport("abi___openat_2")]
        private static int OpenAt2(int dirFd, byte* path, int flags) => (int)Stdio.Result(Vfs.OpenAt(dirFd, path, flags, 0));
        [RuntimeExport("abi___openat64_2")]
        private static int OpenAt64_2(int dirFd, byte* path, int flags) => (int)Stdio.Result(Vfs.OpenAt(dirFd, path, flags, 0));

        [RuntimeExport("abi_creat")]
        private static int Creat(byte* path, uint mode) => (int)Stdio.Result(Vfs.Open(path, Vfs.OCreat | Vfs.OWrOnly | Vfs.OTrunc, mode));
        [RuntimeExport("abi_creat64")]
        private static int Creat64(byte* path, uint mode) => (int)Stdio.Result(Vfs.Open(path, Vfs.OCreat | Vfs.OWrOnly | Vfs.OTrunc, mode));

        [RuntimeExport("libc_fcntl_va")]
        private static int Fcntl(int fd, int command, VaList* args)
        {
            OpenFile* f = Vfs.Acquire(fd);
            if (f == null) return (int)Stdio.Result(-EBADF);
            long r = Control(fd, f, command, args);
            Vfs.Put(f);
            return (int)Stdio.Result(r);
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
                    if (lk == null) return -14;
                    lk[0] = FUnlck;
                    return 0;
                case FSetLk: case FSetLkW: case FOfdSetLk: case FOfdSetLkW: return args->NextGp() == 0 ? -14 : 0;
                case FSetOwn: return 0;
                case FGetOwn: return 0;
                case FGetPipeSize:
                case FSetPipeSize: return RamFs.TypeOf(f->Node) == RamFs.TypeFifo ? Pipes.Capacity : -EBADF;
            }
            return -EINVAL;
        }

        [RuntimeExport("libc_ioctl_va")]
        private static int Ioctl(int fd, ulong request, VaList* args)
        {
            OpenFile* f = Vfs.Acquire(fd);
            if (f == null) return (int)Stdio.Result(-EBADF);
            long r = DeviceControl(fd, f, request, args);
            Vfs.Put(f);
            return (int)Stdio.Result(r);
        }

        // No terminals (the console is a serial line without a TTY layer): terminal requests fail
        // with ENOTTY, so isatty() is false. The generic descriptor requests work.
        private static long DeviceControl(int fd, OpenFile* f, ulong request, VaList* args)
        {
            switch (request)
            {
                case Fionread:
                    int* count = (int*)args->NextGp();
                    if (count == null) return -14;
                    *count = Available(f);
                    return 0;
                case Fionbio:
                    int* on = (int*)args->NextGp();
                    if (on == null) return -14;
                    f->Flags = *on != 0 ? f->Flags | Vfs.ONonBlock : f->Flags & ~Vfs.ONonBlock;
                    return 0;
                case Fioclex: return Vfs.SetCloseOnExec(fd, true);
                case Fionclex: return Vfs.SetCloseOnExec(fd, false);
            }
            return -ENOTTY;
        }

        private static int Available(OpenFile* f)
        {
            FsNode* n = f->Node;
            uint type = RamFs.TypeOf(n);
            if (type == RamFs.TypeFifo) return Pipes.Available(n);
            if (type != RamFs.TypeRegular) return 0;
            ulong size = f->Snapshot != null ? f->SnapshotSize : n->Size;
            return f->Offset >= size ? 0 : (int)(size - f->Offset > int.MaxValue ? int.MaxValue : size - f->Offset);
        }

        // syscall(2) for the numbers runtimes use; anything else fails with ENOSYS after naming itself.
        [RuntimeExport("libc_syscall_va")]
        private static long Syscall(long number, VaList* args)
        {
            switch (number)
            {
                case 39: return 1;                                                   // getpid
                case 186: return Sched.Scheduler.CurrentId;                          // gettid
                case 1: { int fd = (int)args->NextGp(); byte* b = (byte*)args->NextGp(); return Stdio.Result(Vfs.Write(fd, b, args->NextGp())); }
                case 0: { int fd = (int)args->NextGp(); byte* b = (byte*)args->NextGp(); return Stdio.Result(Vfs.Read(fd, b, args->NextGp())); }
                case 3: return Stdio.Result(Vfs.Close((int)args->NextGp()));
                case 217: { int fd = (int)args->NextGp(); byte* b = (byte*)args->NextGp(); return Stdio.Result(Descriptors.GetDents(fd, b, args->NextGp())); }
                // membarrier: runtimes probe it and fall back (the .NET runtime to an mprotect, whose TLB
                // shootdown reaches every CPU): unsupported, without a message.
                case 324: return Stdio.Result(-ENOSYS);
                case 239: return Stdio.Result(-ENOSYS);                            // get_mempolicy: no NUMA, as runtimes expect
            }
            Log.Line($"nimbus: syscall({number}) is not implemented: returning ENOSYS");
            return Stdio.Result(-ENOSYS);
        }
    }
}
