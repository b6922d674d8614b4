using System.Runtime;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Stdlib
{
    // Random numbers: rand (<stdlib.h>), getrandom (<sys/random.h>) and getentropy, the
    // last two from the kernel's generator behind /dev/urandom.
    internal static unsafe class Rand
    {
        // rand and random: glibc's additive feedback generator with its default TYPE_3 state (31
        // words, separation 3), seeded by a Park-Miller LCG and run 310 steps, so the sequences are
        // glibc's (rand() is random()). Unseeded, it is as if srandom(1). The *rand48 family is in
        // Rand48.cs. Like glibc, one lock keeps concurrent callers from corrupting the state.
        private const int Degree = 31, Separation = 3;
        private struct State { public fixed int Words[Degree]; }
        private static State s_state;
        private static int s_front = Separation, s_rear, s_seeded;
        private static Sync.Mutex s_lock;

        [RuntimeExport("abi_srandom")]
        private static void Srandom(uint seed)
        {
            fixed (Sync.Mutex* m = &s_lock)
            {
                m->Lock();
                Seed(seed);
                m->Unlock();
            }
        }

        [RuntimeExport("abi_random")]
        private static long Random()
        {
            fixed (Sync.Mutex* m = &s_lock)
            {
                m->Lock();
                if (s_seeded == 0) Seed(1);
                int r = Step();
                m->Unlock();
                return r;
            }
        }

        [RuntimeExport("abi_srand")]
        private static void Srand(uint seed) => Srandom(seed);

        [RuntimeExport("abi_rand")]
        private static int Next() => (int)Random();

        private static void Seed(uint seed)
        {
            fixed (State* st = &s_state)
            {
                int* r = st->Words;
                if (seed == 0) seed = 1;
                r[0] = (int)seed;
                long word = (int)seed;
                for (int i = 1; i < Degree; i++)
                {
                    // 16807 * word % (2^31 - 1) without overflow (Schrage), as glibc computes it.
                    long hi = word / 127773, lo = word % 127773;
                    word = 16807 * lo - 2836 * hi;
                    if (word < 0) word += 2147483647;
                    r[i] = (int)word;
                }
            }
            s_front = Separation;
            s_rear = 0;
            s_seeded = 1;
            for (int i = 0; i < Degree * 10; i++) Step();
        }

        private static int Step()
        {
            fixed (State* st = &s_state)
            {
                int* r = st->Words;
                uint value = (uint)r[s_front] + (uint)r[s_rear];
                r[s_front] = (int)value;
                if (++s_front >= Degree) { s_front = 0; s_rear++; }
                else if (++s_rear >= Degree) s_rear = 0;
                return (int)(value >> 1);
            }
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
