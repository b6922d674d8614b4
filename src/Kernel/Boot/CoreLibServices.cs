using System.Runtime;
using Nimbus.Kernel.Diagnostics;
using Nimbus.Kernel.Memory;

namespace Nimbus.Kernel.Boot
{
    // The kernel services CoreLib imports by symbol name (CoreLib/Internal/Runtime/CompilerHelpers/
    // KernelImports.cs): CoreLib sits below every kernel layer and names none of them.
    internal static unsafe class CoreLibServices
    {
        [RuntimeExport("nimbus_corelib_fail")]
        private static void Fail(string cause) => Panic.Fail(cause);

        [RuntimeExport("nimbus_corelib_alloc_zeroed")]
        private static void* AllocZeroed(nuint size) => KernelHeap.AllocZeroed(size);

        [RuntimeExport("nimbus_corelib_move")]
        private static void Move(byte* destination, byte* source, nuint length) => Mem.Move(destination, source, length);

        [RuntimeExport("nimbus_corelib_set")]
        private static void Set(byte* destination, byte value, nuint length) => Mem.Set(destination, value, length);
    }
}
