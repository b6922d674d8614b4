using System.Runtime;
using System.Runtime.CompilerServices;

namespace Nimbus.Kernel.Libc.Math
{
    // The instruction MathLib takes from the CPU rather than computing in software: sqrtsd
    // (Arch/X64/math.S), exactly rounded. The hosted tests replace this file with HostedMath.cs.
    internal static class MathHardware
    {
        [RuntimeImport("*", "math_sqrt")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern double Sqrt(double x);
    }
}
