using System.Runtime;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Libc.Poll;
using Nimbus.Kernel.Libc.Unistd;

namespace Nimbus.Kernel.Libc.Fortify
{
    // The _FORTIFY_SOURCE variants of the calls that fill a caller's buffer: the length asked for
    // must fit the object the compiler measured (bufferSize), else the program ends (Fortify.Fail).
    internal static unsafe class FortifiedIo
    {
        private static void Check(ulong length, ulong bufferSize) { if (length > bufferSize) Fortify.Fail(); }

        [RuntimeExport("abi___read_chk")]
        private static long ReadChk(int fd, byte* b, ulong n, ulong size) { Check(n, size); return LibcErrno.Result(Vfs.Read(fd, b, n)); }
        // __pread_chk is an alias (Libc/Aliases.txt): off_t is 64 bits.
        [RuntimeExport("abi___pread64_chk")]
        private static long PreadChk(int fd, byte* b, ulong n, long offset, ulong size) { Check(n, size); return DescriptorIo.Pread(fd, b, n, offset); }

        [RuntimeExport("abi___readlink_chk")]
        private static long ReadlinkChk(byte* p, byte* b, ulong n, ulong size) { Check(n, size); return FileNames.Readlinkat(Vfs.AtFdCwd, p, b, n); }
        [RuntimeExport("abi___readlinkat_chk")]
        private static long ReadlinkatChk(int dirFd, byte* p, byte* b, ulong n, ulong size) { Check(n, size); return FileNames.Readlinkat(dirFd, p, b, n); }

        [RuntimeExport("abi___getcwd_chk")]
        private static byte* GetcwdChk(byte* buffer, ulong size, ulong bufferSize) { Check(size, bufferSize); return FileNames.CurrentDirectory(buffer, size); }

        // getwd is getcwd into a buffer of PATH_MAX; here the compiler told its real size.
        [RuntimeExport("abi___getwd_chk")]
        private static byte* GetwdChk(byte* buffer, ulong bufferSize)
        {
            byte* r = FileNames.CurrentDirectory(buffer, bufferSize);
            if (r == null && Sched.Scheduler.Current->Errno == Abi.Errno.ERANGE) Fortify.Fail();
            return r;
        }

        // realpath writes up to PATH_MAX bytes, so the buffer must hold that many.
        [RuntimeExport("abi___realpath_chk")]
        private static byte* RealpathChk(byte* path, byte* resolved, ulong size) { if (resolved != null) Check(4096, size); return FileNames.Resolve(path, resolved); }

        [RuntimeExport("abi___poll_chk")]
        private static int PollChk(Polling.PollFd* fds, ulong count, int timeoutMs, ulong size) { CheckPollFds(count, size); return Polling.PollExport(fds, count, timeoutMs); }
        [RuntimeExport("abi___ppoll_chk")]
        private static int PpollChk(Polling.PollFd* fds, ulong count, long* timeout, void* mask, ulong size) { CheckPollFds(count, size); return Polling.Ppoll(fds, count, timeout, mask); }
        private static void CheckPollFds(ulong count, ulong size) { if (size / (ulong)sizeof(Polling.PollFd) < count) Fortify.Fail(); }

        [RuntimeExport("abi___gethostname_chk")]
        private static int GethostnameChk(byte* name, ulong n, ulong size) { Check(n, size); return Identity.GetHostname(name, n); }
        [RuntimeExport("abi___ttyname_r_chk")]
        private static int TtynameRChk(int fd, byte* buffer, ulong n, ulong size) { Check(n, size); return Terminals.TtynameR(fd, buffer, n); }
    }
}
