using System.Runtime.CompilerServices;

namespace System.Threading
{
    // Atomic operations. [Intrinsic]: the compiler replaces each call by the lock-prefixed
    // instruction; the self-call bodies only exist for the case it does not (which would recurse,
    // and the selftests would catch).
    public static class Interlocked
    {
        [Intrinsic] public static int CompareExchange(ref int location1, int value, int comparand) => CompareExchange(ref location1, value, comparand);
        [Intrinsic] public static long CompareExchange(ref long location1, long value, long comparand) => CompareExchange(ref location1, value, comparand);
        [Intrinsic] public static uint CompareExchange(ref uint location1, uint value, uint comparand) => (uint)CompareExchange(ref Unsafe.As<uint, int>(ref location1), (int)value, (int)comparand);
        [Intrinsic] public static ulong CompareExchange(ref ulong location1, ulong value, ulong comparand) => (ulong)CompareExchange(ref Unsafe.As<ulong, long>(ref location1), (long)value, (long)comparand);
        [Intrinsic] public static nint CompareExchange(ref nint location1, nint value, nint comparand) => (nint)CompareExchange(ref Unsafe.As<nint, long>(ref location1), (long)value, (long)comparand);
        [Intrinsic] public static int Exchange(ref int location1, int value) => Exchange(ref location1, value);
        [Intrinsic] public static long Exchange(ref long location1, long value) => Exchange(ref location1, value);
        [Intrinsic] public static nint Exchange(ref nint location1, nint value) => (nint)Exchange(ref Unsafe.As<nint, long>(ref location1), (long)value);
        [Intrinsic] public static ulong Exchange(ref ulong location1, ulong value) => (ulong)Exchange(ref Unsafe.As<ulong, long>(ref location1), (long)value);
        [Intrinsic] public static int ExchangeAdd(ref int location1, int value) => ExchangeAdd(ref location1, value);
        [Intrinsic] public static long ExchangeAdd(ref long location1, long value) => ExchangeAdd(ref location1, value);
        public static int Add(ref int location1, int value) => ExchangeAdd(ref location1, value) + value;
        public static long Add(ref long location1, long value) => ExchangeAdd(ref location1, value) + value;
        public static uint Add(ref uint location1, uint value) => (uint)Add(ref Unsafe.As<uint, int>(ref location1), (int)value);
        public static ulong Add(ref ulong location1, ulong value) => (ulong)Add(ref Unsafe.As<ulong, long>(ref location1), (long)value);
        public static int Increment(ref int location) => Add(ref location, 1);
        public static long Increment(ref long location) => Add(ref location, 1);
        public static int Decrement(ref int location) => Add(ref location, -1);
        public static long Decrement(ref long location) => Add(ref location, -1);
        public static uint Increment(ref uint location) => Add(ref location, 1u);
        public static ulong Increment(ref ulong location) => Add(ref location, 1UL);
        [Intrinsic] public static void MemoryBarrier() => MemoryBarrier();
    }

    public static class Volatile
    {
        [Intrinsic] public static int Read(ref readonly int location) => location;
        [Intrinsic] public static uint Read(ref readonly uint location) => location;
        [Intrinsic] public static long Read(ref readonly long location) => location;
        [Intrinsic] public static ulong Read(ref readonly ulong location) => location;
        [Intrinsic] public static nint Read(ref readonly nint location) => location;
        [Intrinsic] public static bool Read(ref readonly bool location) => location;
        [Intrinsic] public static void Write(ref int location, int value) => location = value;
        [Intrinsic] public static void Write(ref uint location, uint value) => location = value;
        [Intrinsic] public static void Write(ref long location, long value) => location = value;
        [Intrinsic] public static void Write(ref ulong location, ulong value) => location = value;
        [Intrinsic] public static void Write(ref nint location, nint value) => location = value;
        [Intrinsic] public static void Write(ref bool location, bool value) => location = value;
    }
}
