using System.Runtime;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Stat;
using Nimbus.Kernel.Libc.Stdlib;

namespace Nimbus.Kernel.Libc.Stdlib
{
    // Temporary files and directories (<stdlib.h>): mkstemp and its variants, mkdtemp, mktemp, and
    // the unused names tmpnam and tmpfile (Stdio/FileStreams.cs) also use.
    internal static unsafe class TempFiles
    {
        [RuntimeExport("abi_mkstemp")]
        private static int Mkstemp(byte* template) => (int)LibcErrno.Result(TempFile(template, 0, 0));
        [RuntimeExport("abi_mkostemp")]
        private static int Mkostemp(byte* template, int flags) => (int)LibcErrno.Result(TempFile(template, 0, flags));
        [RuntimeExport("abi_mkstemps")]
        private static int Mkstemps(byte* template, int suffix) => (int)LibcErrno.Result(TempFile(template, suffix, 0));
        [RuntimeExport("abi_mkostemps")]
        private static int Mkostemps(byte* template, int suffix, int flags) => (int)LibcErrno.Result(TempFile(template, suffix, flags));

        // Replaces the six X before `suffix` trailing bytes with random letters and digits and
        // creates the file exclusively (0600), trying new names while they exist.
        public static int TempFile(byte* template, int suffix, int flags)
        {
            byte* x = Xs(template, suffix);
            if (x == null) return -Errno.EINVAL;
            int flagsOk = flags & (Vfs.OAppend | Vfs.OCloExec | 0x1000 | 0x4000 | 0x40000);   // O_SYNC, O_DIRECT, O_NOATIME
            for (int attempt = 0; attempt < 1000; attempt++)
            {
                Fill(x);
                int fd = Vfs.Open(template, Vfs.ORdWr | Vfs.OCreat | Vfs.OExcl | flagsOk, 0x180);
                if (fd != -Errno.EEXIST) return fd;
            }
            return -Errno.EEXIST;
        }

        [RuntimeExport("abi_mkdtemp")]
        private static byte* Mkdtemp(byte* template)
        {
            byte* x = Xs(template, 0);
            if (x == null) { LibcErrno.Set(Errno.EINVAL); return null; }
            for (int attempt = 0; attempt < 1000; attempt++)
            {
                Fill(x);
                int r = Names.Mkdir(Vfs.AtFdCwd, template, 0x1C0);
                if (r == 0) return template;
                if (r != -Errno.EEXIST && LibcErrno.Failed(r)) return null;
            }
            LibcErrno.Set(Errno.EEXIST);
            return null;
        }

        // mktemp: only the name (racy by design; kept for old programs).
        [RuntimeExport("abi_mktemp")]
        private static byte* Mktemp(byte* template)
        {
            int r = UnusedName(template);
            if (LibcErrno.Failed(r)) template[0] = 0;
            return template;
        }

        // Fills the template's XXXXXX with a name nothing has yet: 0 or a negative errno.
        public static int UnusedName(byte* template)
        {
            byte* x = Xs(template, 0);
            if (x == null) return -Errno.EINVAL;
            LinuxStat s;
            for (int attempt = 0; attempt < 1000; attempt++)
            {
                Fill(x);
                if (FileStatus.StatAt(Vfs.AtFdCwd, template, &s, Names.AtSymlinkNoFollow) == -Errno.ENOENT) return 0;
            }
            return -Errno.EEXIST;
        }

        private static byte* Xs(byte* template, int suffix)
        {
            if (template == null || suffix < 0) return null;
            int n = 0;
            while (template[n] != 0) n++;
            if (n < 6 + suffix) return null;
            byte* x = template + n - suffix - 6;
            for (int i = 0; i < 6; i++) if (x[i] != (byte)'X') return null;
            return x;
        }

        private static void Fill(byte* x)
        {
            System.ReadOnlySpan<byte> chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"u8;
            byte* random = stackalloc byte[6];
            Vfs.Random(random, 6);
            for (int i = 0; i < 6; i++) x[i] = chars[random[i] % chars.Length];
        }
    }
}
