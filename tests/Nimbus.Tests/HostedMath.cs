namespace Nimbus.Kernel.Libc.Math
{
    // Hosted stand-in for src/Kernel/Libc/Math/MathHardware.cs (asm imports): the BCL's Math.Sqrt is the
    // same sqrtsd instruction.
    internal static class MathHardware
    {
        public static double Sqrt(double x) => System.Math.Sqrt(x);
    }
}
