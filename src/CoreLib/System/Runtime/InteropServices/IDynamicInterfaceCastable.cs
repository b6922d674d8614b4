using Internal.Runtime.CompilerHelpers;

namespace System.Runtime.InteropServices
{
    public interface IDynamicInterfaceCastable
    {
        bool IsInterfaceImplemented(RuntimeTypeHandle interfaceType, bool throwIfNotImplemented);
        RuntimeTypeHandle GetInterfaceImplementation(RuntimeTypeHandle interfaceType);

        // The compiler asks for this helper by name; the kernel never uses dynamic casting.
        private static RuntimeTypeHandle GetDynamicInterfaceImplementation(IDynamicInterfaceCastable instance, IntPtr interfaceType)
        {
            KernelImports.Fail("IDynamicInterfaceCastable is not supported in the kernel");
            return default;
        }
    }
}
