namespace Nimbus.Kernel.Selftest
{
    // Deliberate faults for `crash KIND` and the selftests: kept out of line so the compiler cannot
    // fold them away.
    internal static unsafe class Crashers
    {
        private static int s_zero;
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        public static void* NullPointer() => (void*)(ulong)s_zero;
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        public static int Zero() => s_zero;
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        public static int Divide(int a, int b) => a / b;
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        public static void RecurseInThread(void* unused) => Recurse(1);

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        public static int Recurse(int depth)
        {
            byte* pad = stackalloc byte[512];
            pad[depth & 511] = (byte)depth;
            return Recurse(depth + 1) + pad[0];
        }
    }
}
