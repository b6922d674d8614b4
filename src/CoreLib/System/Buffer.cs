// Memory moves the compiler and spans call: the kernel's memmove and memset.
using System.Runtime.CompilerServices;
using Internal.Runtime.CompilerHelpers;

namespace System
{
    internal static class ThrowHelpers
    {
        internal static void IndexOutOfRange() => KernelImports.Fail("index out of range");
    }

    public static unsafe class Buffer
    {
        public static void MemoryCopy(void* source, void* destination, long destinationSizeInBytes, long sourceBytesToCopy)
        {
            if (sourceBytesToCopy > destinationSizeInBytes) KernelImports.Fail("Buffer.MemoryCopy: destination too small");
            KernelImports.Move((byte*)destination, (byte*)source, (nuint)sourceBytesToCopy);
        }
        internal static void Memmove(ref byte dest, ref byte src, nuint len) =>
            KernelImports.Move((byte*)Unsafe.AsPointer(ref dest), (byte*)Unsafe.AsPointer(ref src), len);
        internal static void Memmove<T>(ref T dest, ref T src, nuint count) =>
            KernelImports.Move((byte*)Unsafe.AsPointer(ref dest), (byte*)Unsafe.AsPointer(ref src), count * (nuint)Unsafe.SizeOf<T>());
        internal static void BulkMoveWithWriteBarrier(ref byte dest, ref byte src, nuint len) => Memmove(ref dest, ref src, len);
    }

    internal static unsafe class SpanHelpers
    {
        internal static void Memmove(ref byte dest, ref byte src, nuint len) => Buffer.Memmove(ref dest, ref src, len);
        internal static void ClearWithoutReferences(ref byte b, nuint len) => KernelImports.Set((byte*)Unsafe.AsPointer(ref b), 0, len);
        internal static void ClearWithReferences(ref nint ip, nuint count) => KernelImports.Set((byte*)Unsafe.AsPointer(ref ip), 0, count * 8);
        // The JIT's memset helper.
        internal static void Fill(ref byte dest, byte value, nuint len) => KernelImports.Set((byte*)Unsafe.AsPointer(ref dest), value, len);
    }
}
