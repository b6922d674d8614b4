using Nimbus.Kernel.Arch.X64;

namespace Nimbus.Kernel.Elf
{
    // The application ABI the kernel implements: every kernel symbol named abi_NAME is what an
    // application importing NAME from libc.so.6, libm, libpthread, libdl, librt or ld-linux gets.
    // The build collects them into .kexports: u64 count, then count x { u64 address, u64 name },
    // sorted by name (KernelBuilder.WriteExportObject).
    internal static unsafe class KernelExports
    {
        private static ulong* s_table;
        private static ulong s_count;

        public static void Initialize(in KernelLayout layout)
        {
            if (layout.ExportsEnd - layout.ExportsStart < 8) return;
            s_table = (ulong*)layout.ExportsStart + 1;
            s_count = *(ulong*)layout.ExportsStart;
        }

        public static ulong Count => s_count;

        // The address of the kernel's implementation of `name`, or 0.
        public static ulong Lookup(byte* name)
        {
            ulong lo = 0, hi = s_count;
            while (lo < hi)
            {
                ulong mid = (lo + hi) / 2;
                int c = Compare(name, (byte*)s_table[mid * 2 + 1]);
                if (c == 0) return s_table[mid * 2];
                if (c < 0) hi = mid; else lo = mid + 1;
            }
            return 0;
        }

        public static byte* NameAt(ulong i) => (byte*)s_table[i * 2 + 1];

        private static int Compare(byte* a, byte* b)
        {
            while (*a != 0 && *a == *b) { a++; b++; }
            return *a - *b;
        }

        // The shared objects the kernel stands in for: a DT_NEEDED on one of these loads nothing.
        public static bool IsKernelLibrary(byte* soname)
        {
            return Is(soname, "libc.so.6"u8) || Is(soname, "libm.so.6"u8) || Is(soname, "libpthread.so.0"u8)
                || Is(soname, "libdl.so.2"u8) || Is(soname, "librt.so.1"u8) || Is(soname, "ld-linux-x86-64.so.2"u8)
                || Is(soname, "libutil.so.1"u8) || Is(soname, "libresolv.so.2"u8);
        }

        private static bool Is(byte* s, System.ReadOnlySpan<byte> name)
        {
            for (int i = 0; i < name.Length; i++) if (s[i] != name[i]) return false;
            return s[name.Length] == 0;
        }
    }
}
