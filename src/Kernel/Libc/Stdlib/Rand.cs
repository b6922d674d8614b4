using System.Runtime;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Stdlib
{
    // Random numbers: rand (<stdlib.h>), getrandom (<sys/random.h>) and getentropy, the
    // last two from the kernel's generator behind /dev/urandom.
    internal static unsafe class Rand
    {
        // rand: the *rand48 family is in Rand48.cs.
        private static uint s_rand = 1;

        [RuntimeExport("abi_srand")]
        private static void Srand(uint seed) => s_rand = seed;

        // glibc's rand() is random() with its default TYPE_3 table; this simpler LCG is not the
        // same sequence (a program comparing rand() output with Linux will differ).
        [RuntimeExport("abi_rand")]
        private static int Next()
        {
            s_rand = s_rand * 1103515245 + 12345;
            return (int)((s_rand >> 1) & 0x7FFFFFFF);
        }

        [RuntimeExport("abi_getrandom")]
        private static long GetRandom(byte* buffer, ulong length, uint flags)
        {
            if ((flags & ~7u) != 0) return LibcErrno.Fail(-Errno.EINVAL);     // GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE
            if ((flags & 6u) == 6u) return LibcErrno.Fail(-Errno.EINVAL);     // GRND_RANDOM with GRND_INSECURE
            Fs.Vfs.Random(buffer, length);
            return (long)length;
        }

        [RuntimeExport("abi_getentropy")]
        private static int GetEntropy(byte* buffer, ulong length)
        {
            if (length > 256) return LibcErrno.Fail(-Errno.EIO);
            Fs.Vfs.Random(buffer, length);
            return 0;
        }
    }
}
