using System.Runtime;
using Nimbus.Kernel.Sched;

namespace Nimbus.Kernel.Libc
{
    // errno at the ABI edge. Below the libc, kernel functions return a value >= 0 or -Errno.X; the
    // exported function turns that into the C convention (-1, or null, with errno set) here, once.
    internal static unsafe class LibcErrno
    {
        [RuntimeExport("abi___errno_location")]
        private static int* Location() => &Scheduler.Current->Errno;

        public static void Set(int errno) => Scheduler.Current->Errno = errno;
        public static int Get() => Scheduler.Current->Errno;

        // A kernel result as C returns it: r itself, or -1 with errno = -r.
        public static long Result(long r)
        {
            if (r >= 0) return r;
            Set((int)-r);
            return -1;
        }

        public static int Result(int r) => (int)Result((long)r);

        // A failure the libc found itself: errno = -negErrno, and -1.
        public static int Fail(int negErrno)
        {
            Set(-negErrno);
            return -1;
        }

        // For functions that return a pointer: true (errno set) when the kernel result is an error.
        public static bool Failed(long r)
        {
            if (r >= 0) return false;
            Set((int)-r);
            return true;
        }
    }
}
