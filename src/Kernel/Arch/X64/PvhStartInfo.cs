using System.Runtime.InteropServices;

namespace Nimbus.Kernel.Arch.X64
{
    // hvm_start_info from the Xen PVH boot ABI (xen/include/public/arch-x86/hvm/start_info.h).
    [StructLayout(LayoutKind.Sequential)]
    internal struct PvhStartInfo
    {
        public const uint ExpectedMagic = 0x336ec578;
        public uint Magic;
        public uint Version;
        public uint Flags;
        public uint ModuleCount;
        public ulong ModuleListPhys;
        public ulong CmdlinePhys;
        public ulong RsdpPhys;
        public ulong MemoryMapPhys;       // version >= 1
        public uint MemoryMapEntries;     // version >= 1
        public uint Reserved;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct PvhModule
    {
        public ulong Phys;
        public ulong Size;
        public ulong CmdlinePhys;
        public ulong Reserved;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct PvhMemoryMapEntry
    {
        public const uint Ram = 1, Reserved = 2, AcpiReclaimable = 3, AcpiNvs = 4, Unusable = 5;
        public ulong Address;
        public ulong Size;
        public uint Type;
        public uint Reserved0;
    }
}
