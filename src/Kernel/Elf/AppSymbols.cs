using Nimbus.Kernel.Console;
namespace Nimbus.Kernel.Elf
{
    // Names for application addresses: which loaded object, and the nearest dynamic symbol below
    // (dladdr uses it), or the containing function from the file's full symbol table (crash reports
    // and profiles).
    internal static unsafe class AppSymbols
    {
        public static ElfImage* ObjectAt(ulong address)
        {
            for (int i = 0; i < ProgramLoader.ObjectCount; i++)
            {
                ElfImage* o = ProgramLoader.Get(i);
                if (address >= o->Start && address < o->End) return o;
            }
            return null;
        }

        // The defined symbol with the highest address not above `address` in o, or null.
        public static Elf64Sym* Nearest(ElfImage* o, ulong address)
        {
            Elf64Sym* best = null;
            ulong bestAddress = 0;
            for (uint i = 1; i < o->SymbolCount; i++)
            {
                Elf64Sym* s = &o->Symbols[i];
                if (s->Shndx == ElfImage.ShnUndef || s->SymType == ElfImage.SttTls || s->Value == 0) continue;
                ulong a = (ulong)o->Bias + s->Value;
                if (a <= address && a >= bestAddress && (s->Size == 0 || address < a + s->Size || a > bestAddress))
                {
                    best = s;
                    bestAddress = a;
                }
            }
            return best;
        }

        // ---- the full symbol table of an object's file (.symtab), for profiles ----
        // A program that was not stripped (C programs as `nimbus run` builds them) names its static
        // functions there too; the dynamic symbols alone would credit their time to the nearest
        // exported function. Found once per object, in the file in the root file system.

        [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
        private struct Elf64Shdr
        {
            public uint Name, Type;
            public ulong Flags, Addr, Offset, Size;
            public uint Link, Info;
            public ulong AddrAlign, EntSize;
        }

        private struct FileSymbols { public ElfImage* Object; public Elf64Sym* Symbols; public ulong Count; public byte* Names; public ulong NamesSize; }
        private const int MaxFiles = 64;
        private struct FileTable { public fixed byte Entries[MaxFiles * 40]; }
        private static FileTable s_files;
        private static int s_fileCount;

        private static FileSymbols* FileSymbolsOf(ElfImage* o)
        {
            fixed (byte* table = s_files.Entries)
            {
                var files = (FileSymbols*)table;
                for (int i = 0; i < s_fileCount; i++) if (files[i].Object == o) return &files[i];
                if (s_fileCount == MaxFiles) return null;
                FileSymbols* f = &files[s_fileCount++];
                *f = default;
                f->Object = o;
                // A stripped program (NativeAOT publishes NAME with its symbols in NAME.dbg) is
                // named from NAME.dbg beside it, when `nimbus run --kernel-options --profile` packed it.
                if (!ReadSymbolTable(o->Path, f)) ReadDebugFile(o->Path, f);
                return f;
            }
        }

        private static void ReadDebugFile(byte* path, FileSymbols* f)
        {
            const int Max = 512;
            byte* dbg = stackalloc byte[Max];
            int n = 0;
            while (path[n] != 0 && n < Max - 5) { dbg[n] = path[n]; n++; }
            if (path[n] != 0) return;
            dbg[n++] = (byte)'.'; dbg[n++] = (byte)'d'; dbg[n++] = (byte)'b'; dbg[n++] = (byte)'g'; dbg[n] = 0;
            ReadSymbolTable(dbg, f);
        }

        // Points f at the .symtab of the ELF file at `path` in the root file system; false when
        // there is no such file or it has none.
        private static bool ReadSymbolTable(byte* path, FileSymbols* f)
        {
            Fs.FsNode* node;
            Fs.RamFs.Lock();
            int r = Fs.RamFs.Lookup(Fs.Vfs.Span(path), Fs.Vfs.Cwd, true, out node);
            Fs.RamFs.Unlock();
            if (r != 0 || node->Data == null || node->Size < (ulong)sizeof(Elf64Header)) return false;
            byte* data = node->Data;
            ulong size = node->Size;
            var h = (Elf64Header*)data;
            if (h->ShEntSize != sizeof(Elf64Shdr) || h->ShOff > size || (ulong)h->ShNum * (ulong)sizeof(Elf64Shdr) > size - h->ShOff) return false;
            var sections = (Elf64Shdr*)(data + h->ShOff);
            for (int i = 0; i < h->ShNum; i++)
            {
                Elf64Shdr* sh = &sections[i];
                if (sh->Type != 2 || sh->Link >= h->ShNum) continue;            // SHT_SYMTAB
                Elf64Shdr* names = &sections[sh->Link];
                if (sh->Offset > size || sh->Size > size - sh->Offset || names->Offset > size || names->Size > size - names->Offset) continue;
                f->Symbols = (Elf64Sym*)(data + sh->Offset);
                f->Count = sh->Size / (ulong)sizeof(Elf64Sym);
                f->Names = data + names->Offset;
                f->NamesSize = names->Size;
                return true;
            }
            return false;
        }

        // The function containing `address` in o: its start and name, from .symtab when the file has
        // one, else the nearest dynamic symbol. False when nothing names it.
        public static bool Function(ElfImage* o, ulong address, out ulong start, out byte* name)
        {
            start = 0;
            name = null;
            FileSymbols* f = FileSymbolsOf(o);
            if (f != null && f->Symbols != null)
            {
                ulong best = 0;
                for (ulong i = 1; i < f->Count; i++)
                {
                    Elf64Sym* s = &f->Symbols[i];
                    if (s->SymType != 2 || s->Shndx == ElfImage.ShnUndef || s->Name >= f->NamesSize) continue;     // STT_FUNC
                    ulong a = (ulong)o->Bias + s->Value;
                    if (a <= address && a >= best && (s->Size == 0 || address < a + s->Size))
                    {
                        best = a;
                        name = f->Names + s->Name;
                    }
                }
                if (name != null) { start = best; return true; }
            }
            Elf64Sym* d = Nearest(o, address);
            if (d == null) return false;
            start = (ulong)o->Bias + d->Value;
            name = o->NameAt(d->Name);
            return true;
        }

        public static void PrintLocation(ulong address)
        {
            ElfImage* o = ObjectAt(address);
            if (o == null) { Log.Error($"  (0x{address:x} is in no loaded object)"); return; }
            var path = Fs.Vfs.Span(o->Path);
            if (!Function(o, address, out ulong start, out byte* name)) Log.Error($"  in {path}+0x{address - o->Start:x}");
            else Log.Error($"  in {path}+0x{address - o->Start:x} ({Fs.Vfs.Span(name)}+0x{address - start:x})");
        }
    }
}
