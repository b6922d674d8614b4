using System.Runtime;
using System.Runtime.InteropServices;

namespace Nimbus.Kernel.Libc.Stdlib
{
    // glibc's struct drand48_data: the 48-bit state X, the saved state seed48 returns, the addend
    // c and the multiplier a. Until something seeds it, the state is zero and a, c are POSIX's.
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct Drand48Data
    {
        public fixed ushort X[3];
        public fixed ushort OldX[3];
        public ushort C;
        public ushort Init;
        public ulong A;
    }

    // The POSIX *rand48 generators exactly as glibc computes them: X' = (a·X + c) mod 2^48, with
    // a = 0x5DEECE66D and c = 0xB unless lcong48 changed them; the functions without a state
    // argument share one global state, and those taking xsubi[3] step the caller's state with the
    // global a and c. The _r forms take a struct drand48_data.
    public static unsafe class Rand48
    {
        private const ulong DefaultA = 0x5DEECE66D;
        private const ushort DefaultC = 0xB;
        private static Drand48Data s_global;

        private static Drand48Data* Global { get { fixed (Drand48Data* d = &s_global) return d; } }

        // One step of X in xsubi (least significant 16 bits first); the new X is returned.
        private static ulong Step(ushort* xsubi, Drand48Data* d)
        {
            if (d->Init == 0) { d->A = DefaultA; d->C = DefaultC; d->Init = 1; }
            ulong x = (ulong)xsubi[2] << 32 | (ulong)xsubi[1] << 16 | xsubi[0];
            x = (x * d->A + d->C) & 0xFFFF_FFFF_FFFF;
            xsubi[0] = (ushort)x;
            xsubi[1] = (ushort)(x >> 16);
            xsubi[2] = (ushort)(x >> 32);
            return x;
        }

        // [0, 1): the 48 bits of X as the top of a double's mantissa.
        private static double ToDouble(ulong x) { ulong bits = 0x3FF0_0000_0000_0000UL | x << 4; return *(double*)&bits - 1.0; }

        [RuntimeExport("abi_erand48_r")]
        public static int Erand48R(ushort* xsubi, Drand48Data* d, double* result) { *result = ToDouble(Step(xsubi, d)); return 0; }
        [RuntimeExport("abi_nrand48_r")]
        public static int Nrand48R(ushort* xsubi, Drand48Data* d, long* result) { *result = (long)(Step(xsubi, d) >> 17); return 0; }
        [RuntimeExport("abi_jrand48_r")]
        public static int Jrand48R(ushort* xsubi, Drand48Data* d, long* result) { *result = (int)(uint)(Step(xsubi, d) >> 16); return 0; }
        [RuntimeExport("abi_drand48_r")]
        public static int Drand48R(Drand48Data* d, double* result) => Erand48R(d->X, d, result);
        [RuntimeExport("abi_lrand48_r")]
        public static int Lrand48R(Drand48Data* d, long* result) => Nrand48R(d->X, d, result);
        [RuntimeExport("abi_mrand48_r")]
        public static int Mrand48R(Drand48Data* d, long* result) => Jrand48R(d->X, d, result);

        // Only the low 32 bits of the seed count, as on Linux.
        [RuntimeExport("abi_srand48_r")]
        public static int Srand48R(long seed, Drand48Data* d)
        {
            d->X[2] = (ushort)((ulong)seed >> 16);
            d->X[1] = (ushort)seed;
            d->X[0] = 0x330E;
            d->A = DefaultA;
            d->C = DefaultC;
            d->Init = 1;
            return 0;
        }

        [RuntimeExport("abi_seed48_r")]
        public static int Seed48R(ushort* seed, Drand48Data* d)
        {
            for (int i = 0; i < 3; i++) { d->OldX[i] = d->X[i]; d->X[i] = seed[i]; }
            d->A = DefaultA;
            d->C = DefaultC;
            d->Init = 1;
            return 0;
        }

        // param: X[0..2], a[3..5] (low word first), c[6].
        [RuntimeExport("abi_lcong48_r")]
        public static int Lcong48R(ushort* param, Drand48Data* d)
        {
            for (int i = 0; i < 3; i++) d->X[i] = param[i];
            d->A = (ulong)param[5] << 32 | (ulong)param[4] << 16 | param[3];
            d->C = param[6];
            d->Init = 1;
            return 0;
        }

        [RuntimeExport("abi_drand48")]
        public static double Drand48() { double r; Drand48R(Global, &r); return r; }
        [RuntimeExport("abi_erand48")]
        public static double Erand48(ushort* xsubi) { double r; Erand48R(xsubi, Global, &r); return r; }
        [RuntimeExport("abi_lrand48")]
        public static long Lrand48() { long r; Lrand48R(Global, &r); return r; }
        [RuntimeExport("abi_nrand48")]
        public static long Nrand48(ushort* xsubi) { long r; Nrand48R(xsubi, Global, &r); return r; }
        [RuntimeExport("abi_mrand48")]
        public static long Mrand48() { long r; Mrand48R(Global, &r); return r; }
        [RuntimeExport("abi_jrand48")]
        public static long Jrand48(ushort* xsubi) { long r; Jrand48R(xsubi, Global, &r); return r; }
        [RuntimeExport("abi_srand48")]
        public static void Srand48(long seed) => Srand48R(seed, Global);
        // The previous state, in a buffer that the next call overwrites (as glibc's).
        [RuntimeExport("abi_seed48")]
        public static ushort* Seed48(ushort* seed) { Seed48R(seed, Global); return Global->OldX; }
        [RuntimeExport("abi_lcong48")]
        public static void Lcong48(ushort* param) => Lcong48R(param, Global);
    }
}
