namespace Nimbus.Kernel.Libc
{
    // Hosted stand-in for src/Kernel/Libc/MathHardware.cs (asm imports): the BCL's Math.Sqrt is the
    // same sqrtsd instruction.
    internal static class MathHardware
    {
        public static double Sqrt(double x) => Math.Sqrt(x);
    }
}
