using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Memory;

namespace Nimbus.Kernel.Drivers
{
    // Just enough ACPI to find tables (FADT for power-off; MADT and HPET later) and to power off
    // through S5, on legacy (q35: PM1a control) and hardware-reduced (microvm: sleep control) platforms.
    internal static unsafe class Acpi
    {
        private static byte* s_rsdt;
        private static bool s_xsdt;
        private static byte* s_fadt;

        public static bool Present => s_rsdt != null;

        public static void Initialize(ulong rsdpPhys)
        {
            if (rsdpPhys == 0) rsdpPhys = ScanForRsdp();
            if (rsdpPhys == 0) return;
            byte* rsdp = (byte*)KernelMemory.PhysToVirt(rsdpPhys);
            if (!SignatureIs(rsdp, "RSD PTR ")) return;
            byte revision = rsdp[15];
            if (revision >= 2 && *(ulong*)(rsdp + 24) != 0) { s_rsdt = (byte*)KernelMemory.PhysToVirt(*(ulong*)(rsdp + 24)); s_xsdt = true; }
            else s_rsdt = (byte*)KernelMemory.PhysToVirt(*(uint*)(rsdp + 16));
            s_fadt = FindTable("FACP");
        }

        private static ulong ScanForRsdp()
        {
            byte* p = Scan(0xE0000, 0x100000, "RSD PTR ");
            return p == null ? 0 : (ulong)p - KernelMemory.DirectMapBase;
        }

        // Looks for a signature on 16-byte boundaries of physical [start, end), skipping unmapped pages.
        private static byte* Scan(ulong start, ulong end, string signature)
        {
            for (ulong p = start; p < end; p += 16)
            {
                if (!KernelMemory.IsMapped(KernelMemory.DirectMapBase + (p & ~0xFFFUL))) { p = (p | 0xFFF) - 15; continue; }
                byte* v = (byte*)KernelMemory.PhysToVirt(p);
                if (SignatureIs(v, signature)) return v;
            }
            return null;
        }

        private static bool SignatureIs(byte* p, string sig)
        {
            for (int i = 0; i < sig.Length; i++) if (p[i] != (byte)sig[i]) return false;
            return true;
        }

        public static byte* FindTable(string signature)
        {
            if (s_rsdt == null) return null;
            uint length = *(uint*)(s_rsdt + 4);
            int entrySize = s_xsdt ? 8 : 4;
            for (uint off = 36; off + (uint)entrySize <= length; off += (uint)entrySize)
            {
                ulong phys = s_xsdt ? *(ulong*)(s_rsdt + off) : *(uint*)(s_rsdt + off);
                byte* t = (byte*)KernelMemory.PhysToVirt(phys);
                if (SignatureIs(t, signature)) return t;
            }
            return null;
        }

        public static void Shutdown()
        {
            if (s_fadt == null) return;
            uint fadtLength = *(uint*)(s_fadt + 4);
            int slpTyp = S5SleepType();
            if (slpTyp < 0) return;
            uint flags = fadtLength > 116 ? *(uint*)(s_fadt + 112) : 0;
            bool hardwareReduced = (flags & (1u << 20)) != 0;
            if (hardwareReduced && fadtLength >= 256)
            {
                // SLEEP_CONTROL_REG (generic address structure at 244): SLP_TYPx << 2 | SLP_EN.
                byte space = s_fadt[244];
                ulong address = *(ulong*)(s_fadt + 248);
                byte value = (byte)(((slpTyp & 7) << 2) | (1 << 5));
                if (space == 1) Cpu.OutByte((ushort)address, value);
                else if (space == 0) *(byte*)KernelMemory.MapMmio(address, 1) = value;
                return;
            }
            uint pm1a = *(uint*)(s_fadt + 64);
            if (pm1a != 0) Cpu.OutWord((ushort)pm1a, (ushort)((slpTyp << 10) | (1 << 13)));
        }

        // Local APIC ids of the enabled processors, from the MADT (types 0 and 9). Returns the count;
        // 0 when there is no MADT.
        public static int ProcessorApicIds(uint* ids, int max)
        {
            byte* madt = FindTable("APIC");
            if (madt == null) return 0;
            uint length = *(uint*)(madt + 4);
            int n = 0;
            for (uint off = 44; off + 2 <= length && n < max;)
            {
                byte type = madt[off], len = madt[off + 1];
                if (len < 2) break;
                if (type == 0 && len >= 8 && (*(uint*)(madt + off + 4) & 1) != 0) ids[n++] = madt[off + 3];
                else if (type == 9 && len >= 16 && (*(uint*)(madt + off + 8) & 1) != 0) ids[n++] = *(uint*)(madt + off + 4);
                off += len;
            }
            return n;
        }

        // Without ACPI (e.g. microvm,acpi=off), the Intel MultiProcessor table lists the CPUs: find the
        // "_MP_" floating pointer in the BIOS area, then processor entries (type 0, 20 bytes) in its
        // configuration table. Returns the count of enabled processors' APIC ids, 0 when absent.
        public static int MpTableApicIds(uint* ids, int max)
        {
            // The spec's places: the first KiB of the EBDA, the last KiB of base memory, the BIOS ROM.
            ulong ebda = (ulong)*(ushort*)KernelMemory.PhysToVirt(0x40E) << 4;
            byte* fp = null;
            if (ebda != 0 && ebda < 0xA0000) fp = Scan(ebda, ebda + 1024, "_MP_");
            if (fp == null) fp = Scan(0x9FC00, 0xA0000, "_MP_");
            if (fp == null) fp = Scan(0xF0000, 0x100000, "_MP_");
            if (fp == null || *(uint*)(fp + 4) == 0) return 0;
            byte* table = (byte*)KernelMemory.PhysToVirt(*(uint*)(fp + 4));
            if (!SignatureIs(table, "PCMP")) return 0;
            // Walk by the table's length: some firmware (qboot) leaves the entry count at 0.
            byte* end = table + *(ushort*)(table + 4);
            byte* e = table + 44;
            int n = 0;
            while (e < end && n < max)
            {
                byte type = *e;
                if (type == 0)
                {
                    if ((e[3] & 1) != 0) ids[n++] = e[1];
                    e += 20;
                }
                else if (type <= 4) e += 8;
                else break;                                 // unknown entry: its size is unknown
            }
            return n;
        }

        // Finds the \_S5 package in the DSDT and returns SLP_TYPa.
        private static int S5SleepType()
        {
            ulong dsdtPhys = *(uint*)(s_fadt + 40);
            if (*(uint*)(s_fadt + 4) >= 148 && *(ulong*)(s_fadt + 140) != 0) dsdtPhys = *(ulong*)(s_fadt + 140);
            if (dsdtPhys == 0) return -1;
            byte* dsdt = (byte*)KernelMemory.PhysToVirt(dsdtPhys);
            uint length = *(uint*)(dsdt + 4);
            for (uint i = 36; i + 8 < length; i++)
            {
                if (dsdt[i] != (byte)'_' || dsdt[i + 1] != (byte)'S' || dsdt[i + 2] != (byte)'5' || dsdt[i + 3] != (byte)'_') continue;
                byte* p = dsdt + i + 4;
                if (*p != 0x12) continue;                       // PackageOp
                p++;
                p += ((*p >> 6) & 3) + 1;                       // PkgLength
                p++;                                            // NumElements
                if (*p == 0x0A) return p[1];                    // BytePrefix n
                if (*p == 0x00) return 0;                       // ZeroOp
                if (*p == 0x01) return 1;                       // OneOp
                return *p;
            }
            return -1;
        }
    }
}
