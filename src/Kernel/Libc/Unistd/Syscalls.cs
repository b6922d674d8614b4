using System.Runtime;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Console;
using Nimbus.Kernel.Libc.Dirent;
using Nimbus.Kernel.Libc.Unistd;

namespace Nimbus.Kernel.Libc.Unistd
{
    // syscall(2) for the numbers runtimes use; anything else fails with ENOSYS after naming itself
    // (the variadic trampoline is in Arch/X64/libc.S).
    internal static unsafe class Syscalls
    {
        [RuntimeExport("libc_syscall_va")]
        private static long Syscall(long number, VaList* args)
        {
            switch (number)
            {
                case 39: return 1;                                                   // getpid
                case 186: return Sched.Scheduler.CurrentId;                          // gettid
                case 1: { int fd = (int)args->NextGp(); byte* b = (byte*)args->NextGp(); return LibcErrno.Result(Vfs.Write(fd, b, args->NextGp())); }
                case 0: { int fd = (int)args->NextGp(); byte* b = (byte*)args->NextGp(); return LibcErrno.Result(Vfs.Read(fd, b, args->NextGp())); }
                case 3: return LibcErrno.Result(Vfs.Close((int)args->NextGp()));
                case 217: { int fd = (int)args->NextGp(); byte* b = (byte*)args->NextGp(); return LibcErrno.Result(DirStreams.GetDents(fd, b, args->NextGp())); }
                // membarrier: runtimes probe it and fall back (the .NET runtime to an mprotect, whose TLB
                // shootdown reaches every CPU): unsupported, without a message.
                case 324: return LibcErrno.Fail(-Errno.ENOSYS);
                case 239: return LibcErrno.Fail(-Errno.ENOSYS);                            // get_mempolicy: no NUMA, as runtimes expect
            }
            Log.Line($"nimbus: syscall({number}) is not implemented: returning ENOSYS");
            return LibcErrno.Fail(-Errno.ENOSYS);
        }
    }
}
