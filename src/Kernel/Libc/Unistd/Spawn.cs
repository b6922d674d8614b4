using System.Runtime;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Libc.Unistd
{
    // Creating processes (fork, exec*, system, waitpid): one application per VM, so there is nothing
    // to fork or exec; each call says so on the console and fails with ENOSYS (waitpid: ECHILD).
    internal static unsafe class Spawn
    {
        // No processes to create.
        private static int NoProcesses(string call)
        {
            Log.Error($"nimbus: {call}() is not supported (one application per VM, no processes): ENOSYS");
            return LibcErrno.Fail(-Errno.ENOSYS);
        }

        [RuntimeExport("abi_fork")]
        private static int Fork() => NoProcesses("fork");
        [RuntimeExport("abi_vfork")]
        private static int Vfork() => NoProcesses("vfork");
        [RuntimeExport("abi_execv")]
        private static int Execv(byte* path, byte** argv) => NoProcesses("execv");
        [RuntimeExport("abi_execve")]
        private static int Execve(byte* path, byte** argv, byte** envp) => NoProcesses("execve");
        [RuntimeExport("abi_execvp")]
        private static int Execvp(byte* path, byte** argv) => NoProcesses("execvp");
        // The variadic exec forms fail before reading their argument list, so they need no trampoline.
        [RuntimeExport("abi_execl")]
        private static int Execl(byte* path, byte* arg0) => NoProcesses("execl");
        [RuntimeExport("abi_execlp")]
        private static int Execlp(byte* file, byte* arg0) => NoProcesses("execlp");
        [RuntimeExport("abi_execle")]
        private static int Execle(byte* path, byte* arg0) => NoProcesses("execle");
        [RuntimeExport("abi_wait")]
        private static int Wait(int* status) => LibcErrno.Fail(-Errno.ECHILD);
        [RuntimeExport("abi_waitpid")]
        private static int Waitpid(int pid, int* status, int options) => LibcErrno.Fail(-Errno.ECHILD);
        [RuntimeExport("abi_system")]
        private static int SystemCall(byte* command) => command == null ? 0 : NoProcesses("system");

        // fork fails (there is one process), so fork handlers never run; registering them succeeds.
        [RuntimeExport("abi_pthread_atfork")]
        private static int AtFork(void* prepare, void* parent, void* child) => 0;
        [RuntimeExport("abi___register_atfork")]
        private static int RegisterAtFork(void* prepare, void* parent, void* child, void* dso) => 0;
    }
}
