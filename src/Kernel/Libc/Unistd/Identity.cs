using System.Runtime;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Unistd
{
    // Who and where the program runs. One application per VM: its pid is 1 (OSv keeps it constant
    // too), it runs as root, the host name is the kernel's; prctl names the calling thread.
    internal static unsafe class Identity
    {
        // One process: its id is constant, as in OSv.
        public const int ProcessId = 1;
        [RuntimeExport("abi_getpid")]
        private static int GetPid() => ProcessId;
        [RuntimeExport("abi_getppid")]
        private static int GetPpid() => 0;
        [RuntimeExport("abi_gettid")]
        private static int GetTid() => Scheduler.CurrentId;
        // getuid and the other credentials: Credentials.cs.

        // struct utsname: six 65-byte fields.
        [RuntimeExport("abi_uname")]
        private static int Uname(byte* u)
        {
            Field(u, 0, "Linux"u8);
            Field(u, 1, "nimbus"u8);
            Field(u, 2, "5.15.0-nimbus"u8);
            Field(u, 3, "#1 SMP Nimbus"u8);
            Field(u, 4, "x86_64"u8);
            Field(u, 5, "(none)"u8);
            return 0;
        }

        private static void Field(byte* u, int index, System.ReadOnlySpan<byte> value)
        {
            byte* f = u + index * 65;
            for (int i = 0; i < 65; i++) f[i] = i < value.Length ? value[i] : (byte)0;
        }

        [RuntimeExport("abi_gethostname")]
        internal static int GetHostname(byte* name, ulong size)
        {
            var h = "nimbus"u8;
            if ((ulong)h.Length + 1 > size) return LibcErrno.Fail(-Errno.ENAMETOOLONG);
            for (int i = 0; i < h.Length; i++) name[i] = h[i];
            name[h.Length] = 0;
            return 0;
        }

        [RuntimeExport("abi_prctl")]
        private static int Prctl(int option, ulong a2, ulong a3, ulong a4, ulong a5)
        {
            KThread* t = Scheduler.Current;
            switch (option)
            {
                case 15:                                           // PR_SET_NAME
                {
                    byte* name = (byte*)a2;
                    int i = 0;
                    for (; i < 15 && i < KThread.MaxName && name[i] != 0; i++) t->Name[i] = name[i];
                    t->Name[i] = 0;
                    return 0;
                }
                case 16:                                           // PR_GET_NAME
                {
                    byte* buf = (byte*)a2;
                    int i = 0;
                    for (; i < 15 && t->Name[i] != 0; i++) buf[i] = t->Name[i];
                    buf[i] = 0;
                    return 0;
                }
                case 4: case 3: case 38: return 0;                 // PR_SET/GET_DUMPABLE, PR_SET_NO_NEW_PRIVS
            }
            return LibcErrno.Fail(-Errno.EINVAL);
        }
    }
}
