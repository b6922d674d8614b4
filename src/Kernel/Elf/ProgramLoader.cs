using System;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Elf
{
    // Loads the application: its executable and every shared object it needs (the kernel stands in
    // for libc and friends), lays out static TLS, binds every symbol before anything runs (a missing
    // one is reported by name, all of them, and nothing starts), then starts the main thread at the
    // executable's entry point with a Linux-style initial stack (argc, argv, envp, auxv).
    internal static unsafe class ProgramLoader
    {
        public const int MaxObjects = 64;
        public const int StatusNotFound = 127, StatusCannotRun = 126;

        private struct ObjectTable { public fixed ulong Images[MaxObjects]; }
        private static ObjectTable s_objects;
        public static int ObjectCount;
        public static bool AllowMissing;

        public static ElfImage* Get(int i) { fixed (ObjectTable* t = &s_objects) return (ElfImage*)t->Images[i]; }
        public static ElfImage* Executable => ObjectCount > 0 ? Get(0) : null;

        // Loads and starts `argv[0]`; returns the exit status when it cannot start (the program's
        // own exit powers the VM off).
        public static int Run(int argc, byte** argv, int envc, byte** envp)
        {
            byte* path = argv[0];
            Time.StartChart.Mark(Time.StartChart.Phase.ProgramFound);
            ElfImage* exe = LoadObject(path, out int status);
            if (exe == null) return status;
            if (!LoadDependencies(0, out status)) return status;
            Phase("loaded");
            Time.StartChart.Mark(Time.StartChart.Phase.Loaded);
            Tls.Layout();
            ProgramRuntime.Prepare();      // before relocation: copy relocations copy stdin/stdout/stderr
            var resolver = new SymbolResolver { Resolve = &Resolve, Missing = &ReportMissing, CopiedKernelData = ProgramRuntime.CopiedKernelData };
            if (AllowMissing) resolver.StubFor = &MissingStubs.For;
            // Libraries first (in reverse), so a copy relocation in the executable copies initialised data.
            Time.StartChart.Mark(Time.StartChart.Phase.Tls);
            for (int i = ObjectCount - 1; i >= 0; i--) Get(i)->Relocate(&resolver);
            Time.StartChart.Mark(Time.StartChart.Phase.Relocated);
            if (s_missingNames.Count > 0 && !AllowMissing)
            {
                Log.Error($"nimbus: {Span(path)}: {s_missingNames.Count} missing symbol(s) (listed above); nothing was started. With --allow-missing it starts anyway, and a call to a missing function ends it with a message.");
                return StatusNotFound;
            }
            for (int i = 0; i < ObjectCount; i++) ApplyFinalProtection(Get(i));
            MissingStubs.Seal();
            Phase("linked");
            Time.StartChart.Mark(Time.StartChart.Phase.Protected);
            return AppThreads.StartMain(exe, argc, argv, envc, envp);
        }

        // --verbose: when each step of starting a program ended.
        private static void Phase(string what)
        {
            if (Log.Verbose) Log.Error($"nimbus: {ObjectCount} object(s) {what} at {Time.Clock.NowNs() / 1000} us");
        }

        // Breadth-first over DT_NEEDED from object `first` on, as the glibc loader orders its global scope.
        private static bool LoadDependencies(int first, out int status)
        {
            status = 0;
            for (int i = first; i < ObjectCount; i++)
            {
                ElfImage* o = Get(i);
                for (int n = 0; n < o->NeededCount; n++)
                {
                    byte* name = o->NeededName(n);
                    if (KernelExports.IsKernelLibrary(name) || FindLoaded(name) != null) continue;
                    if (LoadLibrary(name, out status) == null) return false;
                }
            }
            return true;
        }

        private static Sync.Mutex s_dlopenLock;

        // dlopen of a library not loaded at start: it and its dependencies are loaded, bound (all
        // symbols now), protected and initialised. Null (with the reason in `error`) on failure.
        // Libraries with thread-local storage cannot come late: static TLS was laid out at start.
        public static ElfImage* OpenLibrary(byte* name, out ReadOnlySpan<byte> error)
        {
            error = default;
            fixed (Sync.Mutex* m = &s_dlopenLock)
            {
                m->Lock();
                ElfImage* found = FindLoaded(name);
                if (found != null) { m->Unlock(); return found; }
                int first = ObjectCount, missingBefore = s_missingNames.Count;
                ElfImage* lib = LoadLibrary(name, out _, report: false);
                if (lib == null || !LoadDependencies(first, out _)) { m->Unlock(); error = "cannot open shared object file: not found or not loadable (see stderr)"u8; return null; }
                for (int i = first; i < ObjectCount; i++)
                    if (Get(i)->TlsSize != 0) { ObjectCount = first; m->Unlock(); error = "libraries with thread-local storage cannot be loaded after start"u8; return null; }
                var resolver = new SymbolResolver { Resolve = &Resolve, Missing = &ReportMissing };
                for (int i = ObjectCount - 1; i >= first; i--) Get(i)->Relocate(&resolver);
                if (s_missingNames.Count != missingBefore) { ObjectCount = first; m->Unlock(); error = "undefined symbols (listed on stderr)"u8; return null; }
                for (int i = first; i < ObjectCount; i++) ApplyFinalProtection(Get(i));
                int last = ObjectCount;
                m->Unlock();
                for (int i = last - 1; i >= first; i--) ProgramRuntime.RunInitialisers(Get(i));
                return lib;
            }
        }

        private static ReadOnlySpan<byte> Span(byte* s) => Vfs.Span(s);

        private static ElfImage* FindLoaded(byte* soname)
        {
            for (int i = 1; i < ObjectCount; i++)
            {
                ElfImage* o = Get(i);
                if (ElfImage.NamesEqual(o->NameAt(o->Soname), soname) || ElfImage.NamesEqual(o->Path, soname)) return o;
            }
            return null;
        }

        private static ElfImage* LoadLibrary(byte* name, out int status, bool report = true)
        {
            // Search like ld.so's default path: the name itself if it has a slash, else the standard
            // directories and /app (where nimbus run puts the program).
            byte* buf = stackalloc byte[512];
            if (Contains(name, (byte)'/')) return LoadObject(name, out status);
            ReadOnlySpan<byte> dirs = "/lib/x86_64-linux-gnu\0/usr/lib/x86_64-linux-gnu\0/lib\0/usr/lib\0/lib64\0/app\0"u8;
            int d = 0;
            while (d < dirs.Length)
            {
                int e = d;
                while (dirs[e] != 0) e++;
                int len = Join(buf, 512, dirs.Slice(d, e - d), name);
                d = e + 1;
                if (len < 0) continue;
                RamFs.Lock();
                int r = RamFs.Lookup(new ReadOnlySpan<byte>(buf, len), Vfs.Cwd, true, out _);
                RamFs.Unlock();
                if (r == 0) return LoadObject(buf, out status);
            }
            if (report) Log.Error($"nimbus: cannot find the shared library '{Span(name)}' (needed by the program) in the image; add it with a manifest line such as '/lib/{Span(name)}: /usr/lib/x86_64-linux-gnu/{Span(name)}'");
            status = StatusNotFound;
            return null;
        }

        private static bool Contains(byte* s, byte c) { for (; *s != 0; s++) if (*s == c) return true; return false; }

        private static int Join(byte* buf, int size, ReadOnlySpan<byte> dir, byte* name)
        {
            int n = 0;
            for (int i = 0; i < dir.Length; i++) { if (n >= size - 2) return -1; buf[n++] = dir[i]; }
            buf[n++] = (byte)'/';
            for (; *name != 0; name++) { if (n >= size - 1) return -1; buf[n++] = *name; }
            buf[n] = 0;
            return n;
        }

        // Maps one ELF file's segments (writable while it is relocated) and parses its dynamic section.
        private static ElfImage* LoadObject(byte* path, out int status)
        {
            status = StatusCannotRun;
            if (ObjectCount == MaxObjects) { Log.Error($"nimbus: more than {MaxObjects} shared objects"); return null; }
            FsNode* node;
            RamFs.Lock();
            int r = RamFs.Lookup(Span(path), Vfs.Cwd, true, out node);
            RamFs.Unlock();
            if (r != 0)
            {
                Log.Error($"nimbus: {Span(path)}: no such file in the image");
                status = StatusNotFound;
                return null;
            }
            if ((node->Mode & RamFs.TypeMask) != RamFs.TypeRegular)
            {
                Log.Error($"nimbus: {Span(path)}: not a regular file");
                return null;
            }
            var err = ElfFile.Open(node->Data, node->Size, out ElfFile file);
            if (err != ElfError.Ok)
            {
                Log.Error($"nimbus: {Span(path)}: cannot load: {ElfFile.Describe(err)}");
                return null;
            }
            ulong span = file.MaxVAddr - file.MinVAddr;
            long mapped = AddressSpace.Map(file.IsPositionIndependent ? 0 : file.MinVAddr, span,
                VmaSet.ProtRead | VmaSet.ProtWrite, AddressSpace.KindImage, !file.IsPositionIndependent);
            if (mapped < 0)
            {
                Log.Error($"nimbus: {Span(path)}: no room for its {span / 1024} KiB image (errno {-mapped})");
                return null;
            }
            ulong start = (ulong)mapped;
            var img = (ElfImage*)KernelHeap.AllocZeroed((ulong)sizeof(ElfImage));
            img->Bias = (byte*)(start - file.MinVAddr);
            img->Start = start;
            img->End = start + span;
            img->Index = ObjectCount;
            img->Path = CopyString(path);
            img->File = file;
            img->Entry = (ulong)img->Bias + file.Header->Entry;
            for (int i = 0; i < file.ProgramHeaderCount; i++)
            {
                Elf64Phdr* p = &file.ProgramHeaders[i];
                if (p->Type == ElfFile.PtLoad)
                {
                    byte* at = img->Bias + p->VAddr;
                    if (!AddressSpace.Populate((ulong)at, (ulong)at + p->MemSize, (ulong)at, (ulong)at + p->FileSize))
                    {
                        Log.Error($"nimbus: {Span(path)}: out of memory loading it");
                        return null;
                    }
                    Mem.Move(at, file.Data + p->Offset, (nuint)p->FileSize);
                }
                else if (p->Type == ElfFile.PtTls)
                {
                    img->TlsInit = (ulong)img->Bias + p->VAddr;
                    img->TlsInitSize = p->FileSize;
                    img->TlsSize = p->MemSize;
                    img->TlsAlign = p->Align == 0 ? 1 : p->Align;
                }
                else if (p->Type == ElfFile.PtPhdr) img->Phdr = (ulong)img->Bias + p->VAddr;
            }
            if (img->Phdr == 0) img->Phdr = start + file.Header->PhOff;       // the headers sit in the first page
            img->PhdrCount = file.ProgramHeaderCount;
            Elf64Phdr* dyn = file.FindSegment(ElfFile.PtDynamic);
            if (dyn != null && !img->ParseDynamic((Elf64Dyn*)(img->Bias + dyn->VAddr), dyn->MemSize / (ulong)sizeof(Elf64Dyn)))
            {
                Log.Error($"nimbus: {Span(path)}: cannot load: {ElfFile.Describe(ElfError.BadDynamic)}");
                return null;
            }
            fixed (ObjectTable* t = &s_objects) t->Images[ObjectCount++] = (ulong)img;
            status = 0;
            return img;
        }

        private static byte* CopyString(byte* s)
        {
            var span = Span(s);
            byte* c = (byte*)KernelHeap.Alloc((ulong)span.Length + 1);
            for (int i = 0; i < span.Length; i++) c[i] = span[i];
            c[span.Length] = 0;
            return c;
        }

        // Text becomes read-execute, read-only data read-only, and PT_GNU_RELRO read-only after relocation.
        private static void ApplyFinalProtection(ElfImage* img)
        {
            ref ElfFile file = ref img->File;
            for (int i = 0; i < file.ProgramHeaderCount; i++)
            {
                Elf64Phdr* p = &file.ProgramHeaders[i];
                if (p->Type != ElfFile.PtLoad) continue;
                ulong s = ((ulong)img->Bias + p->VAddr) & ~(AddressSpace.PageSize - 1);
                ulong e = AddressSpace.RoundUp((ulong)img->Bias + p->VAddr + p->MemSize);
                AddressSpace.Protect(s, e - s, ProtOf(p->Flags));
            }
            Elf64Phdr* relro = file.FindSegment(ElfFile.PtGnuRelro);
            if (relro != null)
            {
                ulong s = ((ulong)img->Bias + relro->VAddr) & ~(AddressSpace.PageSize - 1);
                ulong e = ((ulong)img->Bias + relro->VAddr + relro->MemSize) & ~(AddressSpace.PageSize - 1);
                if (e > s) AddressSpace.Protect(s, e - s, VmaSet.ProtRead);
            }
        }

        private static uint ProtOf(uint flags) =>
            ((flags & ElfFile.PfR) != 0 ? VmaSet.ProtRead : 0) | ((flags & ElfFile.PfW) != 0 ? VmaSet.ProtWrite : 0) | ((flags & ElfFile.PfX) != 0 ? VmaSet.ProtExec : 0);

        // The global scope: the executable, then the libraries in load order, then the kernel's ABI.
        private static bool Resolve(void* context, ElfImage* requester, byte* name, bool excludeRequester, Resolution* result)
        {
            fixed (ObjectTable* t = &s_objects)
            {
                var scope = new SymbolScope { Objects = (ElfImage**)t->Images, Count = ObjectCount, Fallback = &KernelExports.Lookup };
                return scope.Resolve(requester, name, excludeRequester, result);
            }
        }

        private static MissingNames s_missingNames;

        private static void ReportMissing(void* context, ElfImage* requester, byte* name)
        {
            if (!s_missingNames.Add(name)) return;
            Log.Error($"nimbus: missing symbol: {Span(name)} (needed by {Span(requester->Path)})");
        }
    }
}
