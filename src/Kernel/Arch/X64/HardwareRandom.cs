using System.Runtime;
using System.Runtime.CompilerServices;

namespace Nimbus.Kernel.Arch.X64
{
    // The CPU's random numbers: RDSEED (its entropy source) when the CPU has it, else RDRAND (a
    // generator the entropy source reseeds). Each is retried a few times, as Intel advises, since
    // either may briefly have nothing ready.
    internal static unsafe class HardwareRandom
    {
        [RuntimeImport("*", "cpu_rdseed64")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern int RdSeed(ulong* value);
        [RuntimeImport("*", "cpu_rdrand64")] [MethodImpl(MethodImplOptions.InternalCall)] private static extern int RdRand(ulong* value);

        private static int s_support = -1;            // bit 0: RDRAND, bit 1: RDSEED; -1 until asked

        private static int Support()
        {
            if (s_support < 0)
            {
                int s = 0;
                if ((Cpu.Cpuid(1).Ecx & (1u << 30)) != 0) s |= 1;
                if (Cpu.Cpuid(0).Eax >= 7 && (Cpu.Cpuid(7).Ebx & (1u << 18)) != 0) s |= 2;
                s_support = s;
            }
            return s_support;
        }

        public static bool Available => Support() != 0;

        // 64 random bits; false when the CPU has no source or gave nothing after the retries.
        public static bool Next(out ulong value)
        {
            ulong v = 0;
            int s = Support();
            for (int i = 0; i < 10 && (s & 2) != 0; i++) if (RdSeed(&v) != 0) { value = v; return true; }
            for (int i = 0; i < 10 && (s & 1) != 0; i++) if (RdRand(&v) != 0) { value = v; return true; }
            value = 0;
            return false;
        }
    }
}
