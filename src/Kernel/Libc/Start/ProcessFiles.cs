using System;
using Nimbus.Kernel.Elf;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Libc.Pthread;

namespace Nimbus.Kernel.Libc.Start
{
    // The contents of /proc/self/*: the one application process, pid 1.
    internal static unsafe class ProcessFiles
    {
        // ProcFs.ProcessFile: the contents of /proc/self/NAME.
        public static void Generate(uint file, TextBuffer* t)
        {
            switch (file)
            {
                case ProcFs.Maps: Maps(ref *t); break;
                case ProcFs.Cmdline: Cmdline(ref *t); break;
                case ProcFs.Environ: Environment(ref *t); break;
                case ProcFs.Status: Status(ref *t); break;
                case ProcFs.ProcessStat: Stat(ref *t); break;
                case ProcFs.Statm: Statm(ref *t); break;
                case ProcFs.Comm: Comm(ref *t); break;
            }
        }

        // ProcFs.ExecutablePath: the program's path, once it is loaded.
        public static byte* ExecutablePath() => ProgramLoader.Executable == null ? null : ProgramLoader.Executable->Path;

        private const int MaxRegions = 4096;

        // /proc/self/maps in Linux's format. ELF image regions carry the file's path, the main stack
        // "[stack]"; offsets are relative to the image's first page.
        public static void Maps(ref TextBuffer t)
        {
            int room = 256;
            Vma* regions = null;
            int count;
            while (true)
            {
                regions = (Vma*)KernelHeap.Alloc((ulong)(room * sizeof(Vma)));
                count = AddressSpace.Regions(regions, room);
                if (count <= room || room >= MaxRegions) break;
                KernelHeap.Free(regions);
                room = count + 64;
            }
            if (count > room) count = room;
            ulong stackStart = 0;
            for (int i = 0; i < count; i++)
                if (regions[i].Kind == AddressSpace.KindStack) stackStart = regions[i].Start;   // the highest: the main stack
            for (int i = 0; i < count; i++) MapsLine(ref t, regions[i], stackStart);
            KernelHeap.Free(regions);
        }

        private static void MapsLine(ref TextBuffer t, Vma v, ulong stackStart)
        {
            byte r = (v.Prot & VmaSet.ProtRead) != 0 ? (byte)'r' : (byte)'-';
            byte w = (v.Prot & VmaSet.ProtWrite) != 0 ? (byte)'w' : (byte)'-';
            byte x = (v.Prot & VmaSet.ProtExec) != 0 ? (byte)'x' : (byte)'-';
            ElfImage* image = v.Kind == AddressSpace.KindImage ? ImageAt(v.Start) : null;
            ulong offset = image != null ? v.Start - image->Start : 0;
            t.Add($"{v.Start:x8}-{v.End:x8} ");
            t.AddByte(r); t.AddByte(w); t.AddByte(x);
            t.Add($"p {offset:x8} 00:00 0");
            if (image != null) { t.Add("                          "u8); t.Add(image->Path); }
            else if (v.Kind == AddressSpace.KindStack && v.Start == stackStart) t.Add("                          [stack]"u8);
            t.AddByte((byte)'\n');
        }

        private static ElfImage* ImageAt(ulong address)
        {
            for (int i = 0; i < ProgramLoader.ObjectCount; i++)
            {
                ElfImage* o = ProgramLoader.Get(i);
                if (address >= o->Start && address < o->End) return o;
            }
            return null;
        }

        // argv, each string followed by its NUL.
        public static void Cmdline(ref TextBuffer t)
        {
            for (int i = 0; i < Process.Argc; i++)
            {
                t.Add(Process.Argv[i]);
                t.AddByte(0);
            }
        }

        public static void Environment(ref TextBuffer t)
        {
            byte** env = LibcData.Environ;
            if (env == null) return;
            for (; *env != null; env++) { t.Add(*env); t.AddByte(0); }
        }

        // The program's base name, at most 15 bytes (TASK_COMM_LEN - 1), as Linux keeps it.
        private static ReadOnlySpan<byte> Name()
        {
            byte* name = LibcData.Globals->ProgramShortName;
            if (name == null) return "nimbus"u8;
            var s = Vfs.Span(name);
            return s.Length > 15 ? s.Slice(0, 15) : s;
        }

        public static void Comm(ref TextBuffer t) { t.Add(Name()); t.AddByte((byte)'\n'); }

        private static ulong MappedKb()
        {
            var regions = (Vma*)KernelHeap.Alloc((ulong)(MaxRegions * sizeof(Vma)));
            int count = AddressSpace.Regions(regions, MaxRegions);
            if (count > MaxRegions) count = MaxRegions;
            ulong total = 0;
            for (int i = 0; i < count; i++) total += regions[i].End - regions[i].Start;
            KernelHeap.Free(regions);
            return total / 1024;
        }

        // Resident memory: every page in use (the kernel's own included: there is one process).
        private static ulong ResidentKb() => (KernelMemory.Pages.TotalPages - KernelMemory.Pages.FreePages) * 4;

        public static void Status(ref TextBuffer t)
        {
            t.Add("Name:\t"u8); t.Add(Name());
            ulong size = MappedKb(), rss = ResidentKb();
            uint u = Vfs.Umask;
            t.Add($"\nUmask:\t0{(u >> 6) & 7}{(u >> 3) & 7}{u & 7}\nState:\tR (running)\nTgid:\t1\nNgid:\t0\nPid:\t1\nPPid:\t0\nTracerPid:\t0\n");
            t.Add("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t1024\nGroups:\t\n"u8);
            t.Add($"VmPeak:\t{size,8} kB\nVmSize:\t{size,8} kB\nVmHWM:\t{rss,8} kB\nVmRSS:\t{rss,8} kB\n");
            t.Add($"Threads:\t{Threads.LiveThreads}\n");
            t.Add("SigQ:\t0/0\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"u8);
            t.Add($"Cpus_allowed_list:\t0-{Arch.X64.PerCpu.Count - 1}\n");
        }

        // /proc/self/stat: the 52 fields, with what is known filled in (state, threads, sizes).
        public static void Stat(ref TextBuffer t)
        {
            t.Add("1 ("u8); t.Add(Name());
            t.Add($") R 0 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 {Threads.LiveThreads} 0 0 {MappedKb() * 1024} {ResidentKb() / 4}");
            t.Add(" 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"u8);
        }

        public static void Statm(ref TextBuffer t)
        {
            ulong rss = ResidentKb() / 4;
            t.Add($"{MappedKb() / 4} {rss} 0 0 0 {rss} 0\n");
        }
    }
}
