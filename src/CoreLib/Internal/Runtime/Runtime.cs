// The runtime contract between the ILCompiler's generated code and the kernel:
// allocation helpers, casts, write barriers (none: no GC), statics initialisation.
using System;
using System.Runtime;
using System.Runtime.CompilerServices;
using Nimbus.Kernel;
using Nimbus.Kernel.Memory;

namespace Internal.Runtime
{
    // Layout of the MethodTable the ILCompiler emits (.NET 10).
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    internal unsafe struct MethodTable
    {
        internal uint _uFlags;          // low 16 bits: component size (arrays, strings)
        internal uint _uBaseSize;
        internal MethodTable* _relatedType;
        internal ushort _usNumVtableSlots;
        internal ushort _usNumInterfaces;
        internal uint _uHashCode;

        internal const uint HasComponentSizeFlag = 0x80000000;
        internal ushort ComponentSize => (_uFlags & HasComponentSizeFlag) != 0 ? (ushort)_uFlags : (ushort)0;
        internal bool IsInterface => (_uFlags & 0x000F0000) == 0x00020000;
        internal MethodTable** InterfaceMap => (MethodTable**)((byte*)Unsafe.AsPointer(ref this) + 24 + _usNumVtableSlots * 8);
    }

    internal static class GCStaticRegionConstants
    {
        public const int Uninitialized = 1;
        public const int HasPreInitializedData = 2;
        public const int Mask = 3;
    }
}

namespace Internal.Runtime.CompilerHelpers
{
    internal static class ThrowHelpers
    {
        static void ThrowIndexOutOfRangeException() => Panic.Fail("index out of range");
        static void ThrowDivideByZeroException() => Panic.Fail("division by zero");
        static void ThrowOverflowException() => Panic.Fail("arithmetic overflow");
        static void ThrowNullReferenceException() => Panic.Fail("null reference");
        static void ThrowArrayTypeMismatchException() => Panic.Fail("array type mismatch");
        static void ThrowPlatformNotSupportedException() => Panic.Fail("platform not supported");
        static void ThrowTypeLoadException() => Panic.Fail("type load");
        static void ThrowInvalidProgramException() => Panic.Fail("invalid program");
        static void ThrowArgumentException() => Panic.Fail("argument");
        static void ThrowArgumentOutOfRangeException() => Panic.Fail("argument out of range");
        static void ThrowNotImplementedException() => Panic.Fail("not implemented");
        static void ThrowFeatureBodyRemoved() => Panic.Fail("method body removed by the compiler");
        static void ThrowTypeLoadExceptionWithArgument(int id, string className, string typeName, string messageArg) => Panic.Fail("type load");
        static void ThrowInvalidProgramExceptionWithArgument(int id, string methodName) => Panic.Fail("invalid program");
        static void ThrowMissingMethodException(int id, string methodName) => Panic.Fail("missing method");
        static void ThrowMissingFieldException(int id, string fieldName) => Panic.Fail("missing field");
        static void ThrowFileNotFoundException(int id, string fileName) => Panic.Fail("file not found");
        static void ThrowBadImageFormatException(int id) => Panic.Fail("bad image format");
        static void ThrowMarshalDirectiveException(int id) => Panic.Fail("marshal directive");
        static void ThrowAmbiguousMatchException(int id) => Panic.Fail("ambiguous match");
        static void ThrowClassConstructorRuntimeException() => Panic.Fail("class constructor failed");
    }

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
            if (count < 0) Panic.Fail("negative array length");
            ulong size = mt->_uBaseSize + (ulong)count * mt->ComponentSize;
            size = (size + 7) & ~7UL;
            if (size > uint.MaxValue) Panic.Fail("array too large");
            byte* obj = (byte*)AllocObject(mt, (uint)size);
            *(int*)(obj + 8) = count;
            return obj;
        }

        static void* AllocObject(MethodTable* mt, uint size)
        {
            void* p = KernelHeap.AllocZeroed(size);
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
        [RuntimeExport("RhpFallbackFailFast")] static void RhpFallbackFailFast() => Panic.Fail("runtime fail-fast");
        [RuntimeExport("RhpThrowEx")] static void RhpThrowEx(object ex) => Panic.Fail("exception thrown in kernel code");

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

namespace System.Runtime
{
    using MethodTable = Internal.Runtime.MethodTable;

    internal static unsafe class TypeCast
    {
        internal static bool IsAssignable(MethodTable* from, MethodTable* to)
        {
            if (from == to) return true;
            if (to->IsInterface)
            {
                MethodTable** map = from->InterfaceMap;
                for (int i = 0; i < from->_usNumInterfaces; i++) if (map[i] == to) return true;
                return false;
            }
            for (MethodTable* t = from->_relatedType; t != null; t = t->_relatedType) if (t == to) return true;
            return false;
        }

        [RuntimeExport("RhTypeCast_IsInstanceOfClass")]
        static object? IsInstanceOfClass(MethodTable* mt, object? obj) => obj == null || IsAssignable(obj.m_pMethodTable, mt) ? obj : null;
        [RuntimeExport("RhTypeCast_IsInstanceOfAny")]
        static object? IsInstanceOfAny(MethodTable* mt, object? obj) => IsInstanceOfClass(mt, obj);
        [RuntimeExport("RhTypeCast_IsInstanceOfInterface")]
        static object? IsInstanceOfInterface(MethodTable* mt, object? obj) => IsInstanceOfClass(mt, obj);
        [RuntimeExport("RhTypeCast_CheckCastClass")]
        static object? CheckCastClass(MethodTable* mt, object? obj) { if (IsInstanceOfClass(mt, obj) == null && obj != null) Panic.Fail("invalid cast"); return obj; }
        [RuntimeExport("RhTypeCast_CheckCastAny")]
        static object? CheckCastAny(MethodTable* mt, object? obj) => CheckCastClass(mt, obj);
        [RuntimeExport("RhTypeCast_CheckCastInterface")]
        static object? CheckCastInterface(MethodTable* mt, object? obj) => CheckCastClass(mt, obj);
        [RuntimeExport("RhTypeCast_CheckCastClassSpecial")]
        static object? CheckCastClassSpecial(MethodTable* mt, object? obj) => CheckCastClass(mt, obj);
        [RuntimeExport("RhTypeCast_IsInstanceOfClassSpecial")]
        static object? IsInstanceOfClassSpecial(MethodTable* mt, object? obj) => IsInstanceOfClass(mt, obj);
        static bool IsInstanceOfException(MethodTable* mt, object? obj) => obj != null && IsAssignable(obj.m_pMethodTable, mt);

        // Array element stores of references: bounds and covariance checks, then a raw store.
        static void StelemRef(object?[] array, nint index, object? obj)
        {
            if ((nuint)index >= (uint)array.Length) Panic.Fail("index out of range");
            if (obj != null && !IsAssignable(obj.m_pMethodTable, array.m_pMethodTable->_relatedType))
                Panic.Fail("array type mismatch");
            byte** data = (byte**)(Internal.Runtime.CompilerHelpers.ObjectAddress.Of(array) + 16);
            data[index] = obj == null ? null : Internal.Runtime.CompilerHelpers.ObjectAddress.Of(obj);
        }

        static ref object? LdelemaRef(object?[] array, nint index, MethodTable* elementType)
        {
            if ((nuint)index >= (uint)array.Length) Panic.Fail("index out of range");
            return ref Unsafe.AsRef<object?>(Internal.Runtime.CompilerHelpers.ObjectAddress.Of(array) + 16 + index * 8);
        }
    }

}

namespace System.Runtime.InteropServices
{
    public interface IDynamicInterfaceCastable
    {
        bool IsInterfaceImplemented(RuntimeTypeHandle interfaceType, bool throwIfNotImplemented);
        RuntimeTypeHandle GetInterfaceImplementation(RuntimeTypeHandle interfaceType);

        // The compiler asks for this helper by name; the kernel never uses dynamic casting.
        private static RuntimeTypeHandle GetDynamicInterfaceImplementation(IDynamicInterfaceCastable instance, IntPtr interfaceType)
        {
            Nimbus.Kernel.Panic.Fail("IDynamicInterfaceCastable is not supported in the kernel");
            return default;
        }
    }
}

namespace System
{
    internal static class ThrowHelpers
    {
        internal static void IndexOutOfRange() => Panic.Fail("index out of range");
    }

    public static unsafe class Buffer
    {
        public static void MemoryCopy(void* source, void* destination, long destinationSizeInBytes, long sourceBytesToCopy)
        {
            if (sourceBytesToCopy > destinationSizeInBytes) Panic.Fail("Buffer.MemoryCopy: destination too small");
            Mem.Move((byte*)destination, (byte*)source, (nuint)sourceBytesToCopy);
        }
        internal static void Memmove(ref byte dest, ref byte src, nuint len) =>
            Mem.Move((byte*)Unsafe.AsPointer(ref dest), (byte*)Unsafe.AsPointer(ref src), len);
        internal static void Memmove<T>(ref T dest, ref T src, nuint count) =>
            Mem.Move((byte*)Unsafe.AsPointer(ref dest), (byte*)Unsafe.AsPointer(ref src), count * (nuint)Unsafe.SizeOf<T>());
        internal static void BulkMoveWithWriteBarrier(ref byte dest, ref byte src, nuint len) => Memmove(ref dest, ref src, len);
    }

    internal static unsafe class SpanHelpers
    {
        internal static void Memmove(ref byte dest, ref byte src, nuint len) => Buffer.Memmove(ref dest, ref src, len);
        internal static void ClearWithoutReferences(ref byte b, nuint len) => Mem.Set((byte*)Unsafe.AsPointer(ref b), 0, len);
        internal static void ClearWithReferences(ref nint ip, nuint count) => Mem.Set((byte*)Unsafe.AsPointer(ref ip), 0, count * 8);
        // The JIT's memset helper.
        internal static void Fill(ref byte dest, byte value, nuint len) => Mem.Set((byte*)Unsafe.AsPointer(ref dest), value, len);
    }
}
