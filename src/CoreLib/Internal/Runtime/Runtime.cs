// The runtime contract between the ILCompiler's generated code and the kernel: the layouts the
// compiler emits. The helpers it calls are in CompilerHelpers/ and System/Runtime/TypeCast.cs.
using System.Runtime.CompilerServices;

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
