// The throw helpers the compiler calls by name: the kernel does not throw, so each is a panic
// naming what went wrong.
using System.Runtime;

namespace Internal.Runtime.CompilerHelpers
{
    internal static class ThrowHelpers
    {
        static void ThrowIndexOutOfRangeException() => KernelImports.Fail("index out of range");
        static void ThrowDivideByZeroException() => KernelImports.Fail("division by zero");
        static void ThrowOverflowException() => KernelImports.Fail("arithmetic overflow");
        static void ThrowNullReferenceException() => KernelImports.Fail("null reference");
        static void ThrowArrayTypeMismatchException() => KernelImports.Fail("array type mismatch");
        static void ThrowPlatformNotSupportedException() => KernelImports.Fail("platform not supported");
        static void ThrowTypeLoadException() => KernelImports.Fail("type load");
        static void ThrowInvalidProgramException() => KernelImports.Fail("invalid program");
        static void ThrowArgumentException() => KernelImports.Fail("argument");
        static void ThrowArgumentOutOfRangeException() => KernelImports.Fail("argument out of range");
        static void ThrowNotImplementedException() => KernelImports.Fail("not implemented");
        static void ThrowFeatureBodyRemoved() => KernelImports.Fail("method body removed by the compiler");
        static void ThrowTypeLoadExceptionWithArgument(int id, string className, string typeName, string messageArg) => KernelImports.Fail("type load");
        static void ThrowInvalidProgramExceptionWithArgument(int id, string methodName) => KernelImports.Fail("invalid program");
        static void ThrowMissingMethodException(int id, string methodName) => KernelImports.Fail("missing method");
        static void ThrowMissingFieldException(int id, string fieldName) => KernelImports.Fail("missing field");
        static void ThrowFileNotFoundException(int id, string fileName) => KernelImports.Fail("file not found");
        static void ThrowBadImageFormatException(int id) => KernelImports.Fail("bad image format");
        static void ThrowMarshalDirectiveException(int id) => KernelImports.Fail("marshal directive");
        static void ThrowAmbiguousMatchException(int id) => KernelImports.Fail("ambiguous match");
        static void ThrowClassConstructorRuntimeException() => KernelImports.Fail("class constructor failed");
    }
}
