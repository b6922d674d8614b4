namespace Nimbus.Kernel.Libc.Math
{
    // Hosted stand-in for src/Kernel/Libc/Math/MathHardware.cs (asm imports): the BCL's Math.Sqrt is the
    // same sqrtsd instruction.
    internal static class MathHardware
    {
        public static double Sqrt(double x) => System.Math.Sqrt(x);
        private static readonly unsafe int* signgam = (int*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(4);
        public static unsafe int* SigngamAddress() => signgam;
        // The host's rounding mode, as the kernel reads its caller's.
        [System.Runtime.InteropServices.DllImport("libm.so.6", EntryPoint = "fegetround")]
        public static extern int RoundingMode();
    }
}
