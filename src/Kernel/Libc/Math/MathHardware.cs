using System.Runtime;
using System.Runtime.CompilerServices;

namespace Nimbus.Kernel.Libc.Math
{
    // What MathLib takes from the CPU rather than computing in software: sqrtsd (Arch/X64/math.S),
    // exactly rounded, the rounding mode and signgam. The hosted tests replace this file with HostedMath.cs.
    internal static class MathHardware
    {
        // fegetround (Arch/X64/fenv.S): printf rounds its decimal digits in this mode.
        [RuntimeImport("*", "abi_fegetround")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern int RoundingMode();
        // The C variable signgam (Arch/X64/longdouble.S).
        [RuntimeImport("*", "libm_signgam_address")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern unsafe int* SigngamAddress();
        [RuntimeImport("*", "math_sqrt")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern double Sqrt(double x);
    }
}
