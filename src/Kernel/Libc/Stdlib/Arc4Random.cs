using System.Runtime;

namespace Nimbus.Kernel.Libc.Stdlib
{
    // arc4random (glibc 2.36, <stdlib.h>): random numbers from the kernel's generator, the CPU's
    // RDSEED/RDRAND when it has them (Fs.Vfs.Random, what /dev/urandom reads).
    internal static unsafe class Arc4Random
    {
        [RuntimeExport("abi_arc4random")]
        private static uint Next() { uint v; Fs.Vfs.Random((byte*)&v, 4); return v; }

        [RuntimeExport("abi_arc4random_buf")]
        private static void Buffer(byte* buffer, ulong length) => Fs.Vfs.Random(buffer, length);

        // Uniform in [0, bound) without modulo bias: values below 2^32 mod bound are drawn again.
        [RuntimeExport("abi_arc4random_uniform")]
        private static uint Uniform(uint bound)
        {
            if (bound < 2) return 0;
            uint min = (0u - bound) % bound;
            for (; ; )
            {
                uint v = Next();
                if (v >= min) return v % bound;
            }
        }
    }
}
