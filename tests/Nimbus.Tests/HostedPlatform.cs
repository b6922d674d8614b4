using System.Runtime.InteropServices;

namespace Nimbus.Kernel.Diagnostics
{
    // Hosted stand-in for the kernel's panic: a test sees it as an exception.
    public sealed class KernelPanicException(string message) : Exception(message);

    internal static class Panic
    {
        public static void Fail(string cause) => throw new KernelPanicException(cause);
    }
}

namespace Nimbus.Tests
{
    // A block of host memory that stands in for physical RAM: "physical" addresses are host
    // addresses and the direct map offset is 0.
    public sealed unsafe class FakeRam : IDisposable
    {
        public readonly byte* Base;
        public readonly ulong Size;

        public FakeRam(ulong size, ulong alignment = 1 << 21)
        {
            Size = size;
            Base = (byte*)NativeMemory.AlignedAlloc((nuint)size, (nuint)alignment);
            NativeMemory.Clear(Base, (nuint)size);
        }

        public ulong Start => (ulong)Base;
        public ulong End => (ulong)Base + Size;
        public void Dispose() => NativeMemory.AlignedFree(Base);
    }
}

namespace Nimbus.Kernel.Sync
{
    // Hosted stand-in for the kernel's tracepoints: Hit does nothing.
    internal struct HostedTracepoint { public void Hit(ulong a = 0, ulong b = 0) { } }

    internal static class SyncTrace
    {
        public static HostedTracepoint MutexLock, MutexLockWait, MutexUnlock;
    }
}
