using System;
using Nimbus.Kernel.Arch.X64;

namespace Nimbus.Kernel.Fs
{
    // /proc/cpuinfo and /sys/devices/system/cpu from CPUID: identification, feature flags (Linux's
    // names, in Linux's order of CPUID words) and the cache hierarchy (leaf 4, or AMD's 0x8000001D).
    internal static unsafe class CpuFiles
    {
        public const int CacheFileCount = 6;

        // Flag names by bit, one CPUID register per string ("-": no name shown).
        private static ReadOnlySpan<byte> Leaf1Edx => "fpu vme de pse tsc msr pae mce cx8 apic - sep mtrr pge mca cmov pat pse36 pn clflush - dts acpi mmx fxsr sse sse2 ss ht tm ia64 pbe"u8;
        private static ReadOnlySpan<byte> Ext1Edx => "- - - - - - - - - - - syscall - - - - - - - mp nx - mmxext - - fxsr_opt pdpe1gb rdtscp - lm 3dnowext 3dnow"u8;
        private static ReadOnlySpan<byte> Leaf1Ecx => "pni pclmulqdq dtes64 monitor ds_cpl vmx smx est tm2 ssse3 cid sdbg fma cx16 xtpr pdcm - pcid dca sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave - avx f16c rdrand hypervisor"u8;
        private static ReadOnlySpan<byte> Ext1Ecx => "lahf_lm cmp_legacy svm extapic cr8_legacy abm sse4a misalignsse 3dnowprefetch osvw ibs xop skinit wdt - lwp fma4 tce - nodeid_msr - tbm topoext perfctr_core perfctr_nb - bpext ptsc perfctr_llc mwaitx - -"u8;
        private static ReadOnlySpan<byte> Leaf7Ebx => "fsgsbase tsc_adjust sgx bmi1 hle avx2 - smep bmi2 erms invpcid rtm cqm - mpx rdt_a avx512f avx512dq rdseed adx smap avx512ifma - clflushopt clwb intel_pt avx512pf avx512er avx512cd sha_ni avx512bw avx512vl"u8;
        private static ReadOnlySpan<byte> Leaf7Ecx => "- avx512vbmi umip pku ospke waitpkg avx512_vbmi2 - gfni vaes vpclmulqdq avx512_vnni avx512_bitalg - avx512_vpopcntdq - la57 - - - - - rdpid - - cldemote - movdiri movdir64b - - -"u8;
        private static ReadOnlySpan<byte> Leaf7Edx => "- - avx512_4vnniw avx512_4fmaps fsrm - - - avx512_vp2intersect - md_clear - - - serialize - tsxldtrk - pconfig arch_lbr - - amx_bf16 - amx_tile amx_int8 - - flush_l1d arch_capabilities - -"u8;

        public static void CpuInfo(ref TextBuffer t)
        {
            var v0 = Cpu.Cpuid(0);
            var v1 = Cpu.Cpuid(1);
            uint maxExt = Cpu.Cpuid(0x80000000).Eax;
            uint family = (v1.Eax >> 8) & 0xF, model = (v1.Eax >> 4) & 0xF;
            if (family == 0xF) family += (v1.Eax >> 20) & 0xFF;
            if (family >= 6) model += ((v1.Eax >> 16) & 0xF) << 4;
            ulong khz = Time.Clock.TscHz / 1000;
            int cpus = PerCpu.Count;
            for (int i = 0; i < cpus; i++)
            {
                t.Add($"processor\t: {i}\nvendor_id\t: ");
                Registers(ref t, v0.Ebx, v0.Edx, v0.Ecx);
                t.Add($"\ncpu family\t: {family}\nmodel\t\t: {model}\nmodel name\t: ");
                BrandString(ref t, maxExt);
                t.Add($"\nstepping\t: {v1.Eax & 0xF}\ncpu MHz\t\t: {khz / 1000}.{khz % 1000 / 100}{khz % 100 / 10}{khz % 10}\n");
                t.Add($"physical id\t: 0\nsiblings\t: {cpus}\ncore id\t\t: {i}\ncpu cores\t: {cpus}\napicid\t\t: {PerCpu.Get(i)->ApicId}\n");
                t.Add($"fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: {v0.Eax}\nwp\t\t: yes\nflags\t\t:");
                Flags(ref t, v0.Eax, maxExt);
                t.Add($"\nclflush size\t: {((v1.Ebx >> 8) & 0xFF) * 8}\ncache_alignment\t: 64\naddress sizes\t: ");
                AddressSizes(ref t, maxExt);
                t.Add("\npower management:\n\n"u8);
            }
        }

        private static void Registers(ref TextBuffer t, uint a, uint b, uint c)
        {
            uint* r = stackalloc uint[3];
            r[0] = a; r[1] = b; r[2] = c;
            t.Add(new ReadOnlySpan<byte>((byte*)r, 12));
        }

        private static void BrandString(ref TextBuffer t, uint maxExt)
        {
            if (maxExt < 0x80000004) { t.Add("unknown"u8); return; }
            uint* b = stackalloc uint[12];
            for (uint leaf = 0; leaf < 3; leaf++)
            {
                var r = Cpu.Cpuid(0x80000002 + leaf);
                b[leaf * 4] = r.Eax; b[leaf * 4 + 1] = r.Ebx; b[leaf * 4 + 2] = r.Ecx; b[leaf * 4 + 3] = r.Edx;
            }
            var s = new ReadOnlySpan<byte>((byte*)b, 48);
            int start = 0, end = 48;
            while (end > 0 && (s[end - 1] == 0 || s[end - 1] == (byte)' ')) end--;
            while (start < end && s[start] == (byte)' ') start++;
            t.Add(s.Slice(start, end - start));
        }

        private static void Flags(ref TextBuffer t, uint maxLeaf, uint maxExt)
        {
            var v1 = Cpu.Cpuid(1);
            var e1 = maxExt >= 0x80000001 ? Cpu.Cpuid(0x80000001) : default;
            var v7 = maxLeaf >= 7 ? Cpu.Cpuid(7, 0) : default;
            Names(ref t, Leaf1Edx, v1.Edx);
            Names(ref t, Ext1Edx, e1.Edx);
            if (Time.Clock.TscHz != 0) t.Add(" constant_tsc nonstop_tsc"u8);
            Names(ref t, Leaf1Ecx, v1.Ecx & ~(1u << 27));       // osxsave is not shown, as on Linux
            Names(ref t, Ext1Ecx, e1.Ecx);
            Names(ref t, Leaf7Ebx, v7.Ebx);
            Names(ref t, Leaf7Ecx, v7.Ecx);
            Names(ref t, Leaf7Edx, v7.Edx);
        }

        private static void Names(ref TextBuffer t, ReadOnlySpan<byte> names, uint bits)
        {
            int bit = 0, i = 0;
            while (i < names.Length && bit < 32)
            {
                int start = i;
                while (i < names.Length && names[i] != (byte)' ') i++;
                var name = names.Slice(start, i - start);
                if ((bits & (1u << bit)) != 0 && !(name.Length == 1 && name[0] == (byte)'-'))
                {
                    t.AddByte((byte)' ');
                    t.Add(name);
                }
                bit++;
                i++;
            }
        }

        private static void AddressSizes(ref TextBuffer t, uint maxExt)
        {
            uint a = maxExt >= 0x80000008 ? Cpu.Cpuid(0x80000008).Eax : 0x3028;
            t.Add($"{a & 0xFF} bits physical, {(a >> 8) & 0xFF} bits virtual");
        }

        // "0-N" (or "0") for online, possible and present.
        public static void Range(ref TextBuffer t)
        {
            int last = PerCpu.Count - 1;
            if (last == 0) t.Add("0\n"u8);
            else t.Add($"0-{last}\n");
        }

        private struct CacheInfo { public uint Level, Type; public ulong Size, Line, Ways, Sets; }

        // The cache leaf: 4 (Intel, and QEMU's Intel models), else AMD's 0x8000001D; 0: neither,
        // and the legacy AMD leaves 0x80000005/6 describe the caches instead.
        private static uint CacheLeaf()
        {
            if (Cpu.Cpuid(0).Eax >= 4 && (Cpu.Cpuid(4, 0).Eax & 0x1F) != 0) return 4;
            if (Cpu.Cpuid(0x80000000).Eax >= 0x8000001D && (Cpu.Cpuid(0x80000001).Ecx & (1u << 22)) != 0) return 0x8000001D;
            return 0;
        }

        public static int CacheCount()
        {
            int n = 0;
            while (n < ProcFs.MaxCaches && Cache(n, out _)) n++;
            return n;
        }

        private static bool Cache(int index, out CacheInfo c)
        {
            uint leaf = CacheLeaf();
            if (leaf == 0) return LegacyAmdCache(index, out c);
            c = default;
            var r = Cpu.Cpuid(leaf, (uint)index);
            if ((r.Eax & 0x1F) == 0) return false;
            c.Level = (r.Eax >> 5) & 7;
            c.Type = r.Eax & 0x1F;
            c.Line = (r.Ebx & 0xFFF) + 1;
            c.Ways = (r.Ebx >> 22) + 1;
            c.Sets = (ulong)r.Ecx + 1;
            c.Size = c.Ways * (((r.Ebx >> 12) & 0x3FF) + 1) * c.Line * c.Sets;
            return true;
        }

        // 0x80000005: L1 data (ECX) and instruction (EDX); 0x80000006: L2 (ECX) and L3 (EDX).
        private static bool LegacyAmdCache(int index, out CacheInfo c)
        {
            c = default;
            uint max = Cpu.Cpuid(0x80000000).Eax;
            if (index < 2 && max >= 0x80000005)
            {
                var l1 = Cpu.Cpuid(0x80000005);
                uint reg = index == 0 ? l1.Ecx : l1.Edx;
                c.Level = 1;
                c.Type = index == 0 ? 1u : 2u;
                c.Size = (ulong)(reg >> 24) * 1024;
                c.Ways = (reg >> 16) & 0xFF;
                c.Line = reg & 0xFF;
            }
            else if (index < 4 && max >= 0x80000006)
            {
                var l23 = Cpu.Cpuid(0x80000006);
                c.Level = (uint)index;
                c.Type = 3;
                c.Size = index == 2 ? (ulong)(l23.Ecx >> 16) * 1024 : (ulong)(l23.Edx >> 18) * 512 * 1024;
                uint reg = index == 2 ? l23.Ecx : l23.Edx;
                c.Ways = Associativity((reg >> 12) & 0xF);
                c.Line = reg & 0xFF;
            }
            if (c.Size == 0 || c.Line == 0 || c.Ways == 0) return false;
            c.Sets = c.Size / (c.Ways * c.Line);
            return true;
        }

        private static ulong Associativity(uint code) => code switch
        {
            1 => 1, 2 => 2, 4 => 4, 6 => 8, 8 => 16, 0xA => 32, 0xB => 48, 0xC => 64, 0xD => 96, 0xE => 128, _ => 0,
        };

        public static ReadOnlySpan<byte> CacheFileName(int k) => k switch
        {
            0 => "level"u8, 1 => "type"u8, 2 => "size"u8, 3 => "coherency_line_size"u8, 4 => "ways_of_associativity"u8,
            _ => "number_of_sets"u8,
        };

        // One attribute file of cache `index` (k as CacheFileName numbers them).
        public static void CacheAttribute(ref TextBuffer t, int index, int k)
        {
            if (!Cache(index, out CacheInfo c)) return;
            switch (k)
            {
                case 0: t.Add($"{c.Level}\n"); break;
                case 1: t.Add(c.Type == 1 ? "Data\n"u8 : c.Type == 2 ? "Instruction\n"u8 : "Unified\n"u8); break;
                case 2: t.Add($"{c.Size / 1024}K\n"); break;
                case 3: t.Add($"{c.Line}\n"); break;
                case 4: t.Add($"{c.Ways}\n"); break;
                default: t.Add($"{c.Sets}\n"); break;
            }
        }
    }
}
