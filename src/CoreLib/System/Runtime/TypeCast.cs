// Casts and array stores the compiler calls by name.
using System.Runtime.CompilerServices;
using Internal.Runtime.CompilerHelpers;

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
        static object? CheckCastClass(MethodTable* mt, object? obj) { if (IsInstanceOfClass(mt, obj) == null && obj != null) KernelImports.Fail("invalid cast"); return obj; }
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
            if ((nuint)index >= (uint)array.Length) KernelImports.Fail("index out of range");
            if (obj != null && !IsAssignable(obj.m_pMethodTable, array.m_pMethodTable->_relatedType))
                KernelImports.Fail("array type mismatch");
            byte** data = (byte**)(ObjectAddress.Of(array) + 16);
            data[index] = obj == null ? null : ObjectAddress.Of(obj);
        }

        static ref object? LdelemaRef(object?[] array, nint index, MethodTable* elementType)
        {
            if ((nuint)index >= (uint)array.Length) KernelImports.Fail("index out of range");
            return ref Unsafe.AsRef<object?>(ObjectAddress.Of(array) + 16 + index * 8);
        }
    }

}
