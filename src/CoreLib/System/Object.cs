// Minimal CoreLib: a strict subset of the BCL's public surface, enough for the kernel.
// The kernel has no garbage collector: objects live on the kernel heap until freed.
using System.Runtime.CompilerServices;

namespace System
{
    public unsafe class Object
    {
        // The layout the ILCompiler expects: the first field is the MethodTable pointer.
#pragma warning disable 169, 649
        internal Internal.Runtime.MethodTable* m_pMethodTable;
#pragma warning restore 169, 649

        public Object() { }
        ~Object() { }
        public virtual bool Equals(object? obj) => (object)this == obj;
        // Identity hash: without a GC an object never moves, so its address is stable.
        public virtual int GetHashCode()
        {
            ulong a = (ulong)Internal.Runtime.CompilerHelpers.ObjectAddress.Of(this);
            return (int)(a >> 4) ^ (int)(a >> 36);
        }

        // No type names at run time in the kernel: fail loudly rather than return something wrong.
        public virtual string? ToString()
        {
            Internal.Runtime.CompilerHelpers.KernelImports.Fail("Object.ToString is not supported in the kernel");
            return null;
        }
    }

    public abstract class ValueType { }
    public abstract class Enum : ValueType { }
    public struct Void { }

    public struct Boolean { private bool m_value; }
    public struct Char { private char m_value; }
    public struct SByte { private sbyte m_value; }
    public struct Byte { private byte m_value; }
    public struct Int16 { private short m_value; }
    public struct UInt16 { private ushort m_value; }
    public struct Int32 { private int m_value; public const int MaxValue = 0x7fffffff; public const int MinValue = unchecked((int)0x80000000); }
    public struct UInt32 { private uint m_value; public const uint MaxValue = 0xffffffff; }
    public struct Int64 { private long m_value; public const long MaxValue = 0x7fffffffffffffff; public const long MinValue = unchecked((long)0x8000000000000000); }
    public struct UInt64 { private ulong m_value; public const ulong MaxValue = 0xffffffffffffffff; }
    public struct Single { private float m_value; }
    public struct Double { private double m_value; }

    public unsafe struct IntPtr
    {
        private void* _value;
        public IntPtr(void* value) { _value = value; }
        public IntPtr(long value) { _value = (void*)value; }
        public static readonly IntPtr Zero;
        public void* ToPointer() => _value;
        public static explicit operator IntPtr(long value) => new IntPtr(value);
        public static explicit operator long(IntPtr value) => (long)value._value;
        public static explicit operator IntPtr(void* value) => new IntPtr(value);
        public static explicit operator void*(IntPtr value) => value._value;
    }

    public unsafe struct UIntPtr
    {
        private void* _value;
        public UIntPtr(void* value) { _value = value; }
        public UIntPtr(ulong value) { _value = (void*)value; }
        public static readonly UIntPtr Zero;
        public void* ToPointer() => _value;
    }

    public struct Nullable<T> where T : struct
    {
        private readonly bool hasValue;
        internal T value;
        public Nullable(T value) { this.value = value; hasValue = true; }
        public bool HasValue => hasValue;
        public T Value
        {
            get
            {
                if (!hasValue) Internal.Runtime.CompilerHelpers.KernelImports.Fail("Nullable<T>.Value of a null value");
                return value;
            }
        }
        public T GetValueOrDefault() => value;
        public static implicit operator Nullable<T>(T value) => new Nullable<T>(value);
        public static explicit operator T(Nullable<T> value) => value.value;
    }

    public struct RuntimeTypeHandle { private IntPtr _value; }
    public struct RuntimeMethodHandle { private IntPtr _value; }
    public struct RuntimeFieldHandle { private IntPtr _value; }

    public abstract class Type { }
    internal sealed class RuntimeType : Type { }

    public abstract class Delegate
    {
#pragma warning disable 169, 649
        internal object m_firstParameter = null!;
        internal object m_helperObject = null!;
        internal nint m_extraFunctionPointerOrData;
        internal IntPtr m_functionPointer;
#pragma warning restore 169, 649
    }
    public abstract class MulticastDelegate : Delegate { }

    public class Exception
    {
        public Exception() { }
        public Exception(string? message) { }
    }

    public interface IDisposable { void Dispose(); }

    public delegate void Action();
    public delegate void Action<in T>(T obj);
    public delegate TResult Func<out TResult>();
    public delegate TResult Func<in T, out TResult>(T arg);

    public sealed class ParamArrayAttribute : Attribute { }
    public sealed class FlagsAttribute : Attribute { }
    public sealed class ObsoleteAttribute : Attribute { public ObsoleteAttribute() { } public ObsoleteAttribute(string? message) { } }
    public sealed class CLSCompliantAttribute : Attribute { public CLSCompliantAttribute(bool isCompliant) { } }

    public abstract class Attribute { }

    [Flags]
    public enum AttributeTargets
    {
        Assembly = 0x0001, Module = 0x0002, Class = 0x0004, Struct = 0x0008, Enum = 0x0010,
        Constructor = 0x0020, Method = 0x0040, Property = 0x0080, Field = 0x0100, Event = 0x0200,
        Interface = 0x0400, Parameter = 0x0800, Delegate = 0x1000, ReturnValue = 0x2000,
        GenericParameter = 0x4000, All = 0x7FFF,
    }

    public sealed class AttributeUsageAttribute : Attribute
    {
        public AttributeUsageAttribute(AttributeTargets validOn) { }
        public bool AllowMultiple { get; set; }
        public bool Inherited { get; set; }
    }
}
