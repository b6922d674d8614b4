// Allocation helpers (the kernel heap; no GC, so write barriers are plain stores) and the
// initialisation of GC statics.
using System;
using System.Runtime;
using System.Runtime.CompilerServices;

namespace Internal.Runtime.CompilerHelpers
{
    internal static unsafe class StartupCodeHelpers
    {
        [RuntimeExport("RhpNewFast")]
        static void* RhpNewFast(MethodTable* mt) => AllocObject(mt, mt->_uBaseSize);

        [RuntimeExport("RhpNewArrayFast")]
        static void* RhpNewArrayFast(MethodTable* mt, int count) => NewArray(mt, count);

        [RuntimeExport("RhpNewPtrArrayFast")]
        static void* RhpNewPtrArrayFast(MethodTable* mt, int count) => NewArray(mt, count);

        [RuntimeExport("RhpNewArray")]
        static void* RhpNewArray(MethodTable* mt, int count) => NewArray(mt, count);

        [RuntimeExport("RhNewString")]
        static void* RhNewString(MethodTable* mt, int count) => NewArray(mt, count);

        static void* NewArray(MethodTable* mt, int count)
        {
            if (count < 0) KernelImports.Fail("negative array length");
            ulong size = mt->_uBaseSize + (ulong)count * mt->ComponentSize;
            size = (size + 7) & ~7UL;
            if (size > uint.MaxValue) KernelImports.Fail("array too large");
            byte* obj = (byte*)AllocObject(mt, (uint)size);
            *(int*)(obj + 8) = count;
            return obj;
        }

        static void* AllocObject(MethodTable* mt, uint size)
        {
            void* p = KernelImports.AllocZeroed(size);
            *(MethodTable**)p = mt;
            return p;
        }

        // No GC: write barriers are plain stores.
        [RuntimeExport("RhpAssignRef")]
        static void RhpAssignRef(void** dst, void* r) => *dst = r;
        [RuntimeExport("RhpCheckedAssignRef")]
        static void RhpCheckedAssignRef(void** dst, void* r) => *dst = r;

        [RuntimeExport("RhpPInvoke")] static void RhpPInvoke(IntPtr frame) { }
        [RuntimeExport("RhpPInvokeReturn")] static void RhpPInvokeReturn(IntPtr frame) { }
        [RuntimeExport("RhpReversePInvoke")] static void RhpReversePInvoke(IntPtr frame) { }
        [RuntimeExport("RhpReversePInvokeReturn")] static void RhpReversePInvokeReturn(IntPtr frame) { }
        [RuntimeExport("RhpFallbackFailFast")] static void RhpFallbackFailFast() => KernelImports.Fail("runtime fail-fast");
        [RuntimeExport("RhpThrowEx")] static void RhpThrowEx(object ex) => KernelImports.Fail("exception thrown in kernel code");

        // Walks the GC-statics region (R2R section 201): int32 relative pointers to blocks that hold a
        // relative pointer to the statics' MethodTable (low bits: flags). Each block gets an object.
        internal static void InitializeStatics(byte* regionStart, byte* regionEnd)
        {
            for (byte* entry = regionStart; entry < regionEnd; entry += 4)
            {
                nint* block = (nint*)(entry + *(int*)entry);
                nint value = *block;
                if ((value & GCStaticRegionConstants.Uninitialized) == 0) continue;
                MethodTable* mt = (MethodTable*)(((byte*)block + (int)value) - (value & GCStaticRegionConstants.Mask));
                byte* obj = (byte*)AllocObject(mt, mt->_uBaseSize);
                if ((value & GCStaticRegionConstants.HasPreInitializedData) != 0)
                {
                    int* dataRel = (int*)block + 1;
                    byte* data = (byte*)dataRel + *dataRel;
                    Buffer.MemoryCopy(data, obj + 8, mt->_uBaseSize - 16, mt->_uBaseSize - 16);
                }
                *block = (nint)obj;
            }
        }
    }

    internal static unsafe class ObjectAddress
    {
        // The address of an object, without a GC to move it this is stable.
        internal static byte* Of(object o) => *(byte**)Unsafe.AsPointer(ref o);
        internal static void* AddressOf<T>(ref T value) => Unsafe.AsPointer(ref value);
    }
}
