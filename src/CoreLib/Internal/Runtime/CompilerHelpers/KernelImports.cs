using System.Runtime;
using System.Runtime.CompilerServices;

namespace Internal.Runtime.CompilerHelpers
{
    // What CoreLib needs from the kernel, bound by symbol name when the kernel is linked: CoreLib is
    // the lowest layer and names no kernel type. The kernel side is Kernel/Boot/CoreLibServices.cs.
    internal static unsafe class KernelImports
    {
        [RuntimeImport("*", "nimbus_corelib_fail")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void Fail(string cause);

        [RuntimeImport("*", "nimbus_corelib_alloc_zeroed")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void* AllocZeroed(nuint size);

        [RuntimeImport("*", "nimbus_corelib_move")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void Move(byte* destination, byte* source, nuint length);

        [RuntimeImport("*", "nimbus_corelib_set")]
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void Set(byte* destination, byte value, nuint length);
    }
}
