using System.Runtime.InteropServices;
using Nimbus.Kernel.Fs;

namespace Nimbus.Kernel.Libc
{
    // Descriptor-level calls with variadic C signatures (their trampolines are in Arch/X64/libc.S).
    internal static unsafe class Files
    {
        private const int AtFdCwd = -100;
        private const int FDupFd = 0, FGetFd = 1, FSetFd = 2, FGetFl = 3, FSetFl = 4, FDupFdCloExec = 1030;
        private const int ENOTTY = 25, EBADF = 9, EINVAL = 22, ENOSYS = 38;

        [UnmanagedCallersOnly(EntryPoint = "libc_openat_va")]
        private static int OpenAt(int dirFd, byte* path, int flags, VaList* args)
        {
            uint mode = (flags & Vfs.OCreat) != 0 ? (uint)args->NextGp() : 0;
            if (dirFd != AtFdCwd && path[0] != (byte)'/') return (int)Stdio.Result(-ENOSYS);   // relative to a directory fd: not yet
            return (int)Stdio.Result(Vfs.Open(path, flags, mode));
        }

        [UnmanagedCallersOnly(EntryPoint = "libc_fcntl_va")]
        private static int Fcntl(int fd, int command, VaList* args)
        {
            OpenFile* f = Vfs.Get(fd);
            if (f == null) return (int)Stdio.Result(-EBADF);
            switch (command)
            {
                case FDupFd:
                case FDupFdCloExec: return (int)Stdio.Result(Vfs.Dup(fd, (int)args->NextGp(), false));
                case FGetFd: return 0;
                case FSetFd: return 0;
                case FGetFl: return f->Flags;
                case FSetFl: f->Flags = (f->Flags & Vfs.OAccMode) | ((int)args->NextGp() & ~Vfs.OAccMode); return 0;
            }
            return (int)Stdio.Result(-EINVAL);
        }

        [UnmanagedCallersOnly(EntryPoint = "libc_ioctl_va")]
        private static int Ioctl(int fd, ulong request, VaList* args) =>
            (int)Stdio.Result(Vfs.Get(fd) == null ? -EBADF : -ENOTTY);   // no terminals: isatty() is false

        // syscall(2) for the numbers runtimes use; anything else fails with ENOSYS after naming itself.
        [UnmanagedCallersOnly(EntryPoint = "libc_syscall_va")]
        private static long Syscall(long number, VaList* args)
        {
            switch (number)
            {
                case 39: return 1;                                                   // getpid
                case 186: return Sched.Scheduler.CurrentId;                          // gettid
                case 1: { int fd = (int)args->NextGp(); byte* b = (byte*)args->NextGp(); return Stdio.Result(Vfs.Write(fd, b, args->NextGp())); }
            }
            Log.Line($"nimbus: syscall({number}) is not implemented: returning ENOSYS");
            return Stdio.Result(-ENOSYS);
        }
    }
}
