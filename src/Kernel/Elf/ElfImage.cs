namespace Nimbus.Kernel.Elf
{
    // What a symbol reference resolved to: an address, and the image that defines it (null for the
    // kernel's own ABI exports), which TLS and copy relocations need.
    public unsafe struct Resolution
    {
        public ulong Address;
        public Elf64Sym* Symbol;
        public ElfImage* Definer;
    }

    // Finds a symbol for a relocation in `requester`; false when nothing defines it.
    public unsafe struct SymbolResolver
    {
        public delegate*<void*, ElfImage*, byte*, bool, Resolution*, bool> Resolve;   // (context, requester, name, excludeRequester, result)
        public delegate*<void*, ElfImage*, byte*, void> Missing;                      // called once per unresolved strong reference
        public delegate*<void*, byte*, ulong, void> CopiedKernelData;                // (context, name, copy's address): the kernel must use the copy
        public delegate*<byte*, ulong> StubFor;                                      // optional: an address standing in for a missing function
        public void* Context;
    }

    // A loaded ELF object (executable or shared library) after its segments sit in memory:
    // runtime address = Bias + virtual address. Parses the dynamic section, looks up the symbols it
    // defines (GNU or SysV hash) and applies its relocations. Pure logic over memory it is given:
    // the hosted tests load gcc-built libraries into the test process with it and call them.
    public unsafe struct ElfImage
    {
        public const long DtNull = 0, DtNeeded = 1, DtPltRelSz = 2, DtHash = 4, DtStrTab = 5, DtSymTab = 6, DtRela = 7,
            DtRelaSz = 8, DtRelaEnt = 9, DtStrSz = 10, DtSymEnt = 11, DtInit = 12, DtFini = 13, DtSoname = 14,
            DtRel = 17, DtTextRel = 22, DtJmpRel = 23, DtInitArray = 25, DtFiniArray = 26, DtInitArraySz = 27,
            DtFiniArraySz = 28, DtFlags = 30, DtPreinitArray = 32, DtPreinitArraySz = 33,
            DtGnuHash = 0x6ffffef5, DtVerSym = 0x6ffffff0, DtFlags1 = 0x6ffffffb;
        public const uint RNone = 0, R64 = 1, RPc32 = 2, RCopy = 5, RGlobDat = 6, RJumpSlot = 7, RRelative = 8,
            RDtpMod64 = 16, RDtpOff64 = 17, RTpOff64 = 18, RIRelative = 37;
        public const int StbLocal = 0, StbGlobal = 1, StbWeak = 2, SttTls = 6, SttGnuIfunc = 10;
        public const ushort ShnUndef = 0;
        public const int MaxNeeded = 32;

        public byte* Bias;
        public ulong Entry;                 // runtime address of the entry point
        public ulong Phdr;                  // runtime address of the program headers (AT_PHDR)
        public int PhdrCount;
        public ulong Start, End;            // runtime span

        // Dynamic section (runtime addresses already biased).
        public byte* Strings;
        public ulong StringsSize;
        public Elf64Sym* Symbols;
        public uint SymbolCount;
        public Elf64Rela* Rela, JmpRel;
        public ulong RelaSize, JmpRelSize;
        public uint* SysvHash, GnuHash;
        public ushort* VerSym;
        public ulong Init, Fini, InitArray, FiniArray, PreinitArray;
        public ulong InitArrayCount, FiniArrayCount, PreinitArrayCount;
        public uint Soname;
        public int NeededCount;
        public fixed uint Needed[MaxNeeded];

        // Static TLS (x86-64 variant II: the block sits TlsOffset bytes below the thread pointer).
        public ulong TlsInit, TlsInitSize, TlsSize, TlsAlign;
        public ulong TlsModule, TlsOffset;

        public int Index;                   // load order (0 = the executable)
        public byte* Path;                  // as loaded (NUL-terminated, kernel heap)
        public ElfFile File;

        // Reads the dynamic section at `dynamic` (runtime address); false when it is malformed.
        public bool ParseDynamic(Elf64Dyn* dynamic, ulong maxEntries)
        {
            ulong strTab = 0, symTab = 0, rela = 0, jmpRel = 0, hash = 0, gnuHash = 0, verSym = 0;
            ulong init = 0, fini = 0, initArray = 0, finiArray = 0, preinit = 0;
            for (ulong i = 0; i < maxEntries && dynamic[i].Tag != DtNull; i++)
            {
                ulong v = dynamic[i].Value;
                switch (dynamic[i].Tag)
                {
                    case DtNeeded: if (NeededCount >= MaxNeeded) return false; Needed[NeededCount++] = (uint)v; break;
                    case DtStrTab: strTab = v; break;
                    case DtStrSz: StringsSize = v; break;
                    case DtSymTab: symTab = v; break;
                    case DtSymEnt: if (v != (ulong)sizeof(Elf64Sym)) return false; break;
                    case DtRela: rela = v; break;
                    case DtRelaSz: RelaSize = v; break;
                    case DtRelaEnt: if (v != (ulong)sizeof(Elf64Rela)) return false; break;
                    case DtJmpRel: jmpRel = v; break;
                    case DtPltRelSz: JmpRelSize = v; break;
                    case DtRel: return false;                   // x86-64 uses RELA only
                    case DtTextRel: return false;               // text relocations: not supported (text is never writable)
                    case DtHash: hash = v; break;
                    case DtGnuHash: gnuHash = v; break;
                    case DtVerSym: verSym = v; break;
                    case DtInit: init = v; break;
                    case DtFini: fini = v; break;
                    case DtInitArray: initArray = v; break;
                    case DtInitArraySz: InitArrayCount = v / 8; break;
                    case DtFiniArray: finiArray = v; break;
                    case DtFiniArraySz: FiniArrayCount = v / 8; break;
                    case DtPreinitArray: preinit = v; break;
                    case DtPreinitArraySz: PreinitArrayCount = v / 8; break;
                    case DtSoname: Soname = (uint)v; break;
                }
            }
            if (strTab == 0 || symTab == 0) return false;
            Strings = Bias + strTab;
            Symbols = (Elf64Sym*)(Bias + symTab);
            Rela = rela != 0 ? (Elf64Rela*)(Bias + rela) : null;
            JmpRel = jmpRel != 0 ? (Elf64Rela*)(Bias + jmpRel) : null;
            SysvHash = hash != 0 ? (uint*)(Bias + hash) : null;
            GnuHash = gnuHash != 0 ? (uint*)(Bias + gnuHash) : null;
            VerSym = verSym != 0 ? (ushort*)(Bias + verSym) : null;
            Init = init != 0 ? (ulong)(Bias + init) : 0;
            Fini = fini != 0 ? (ulong)(Bias + fini) : 0;
            InitArray = initArray != 0 ? (ulong)(Bias + initArray) : 0;
            FiniArray = finiArray != 0 ? (ulong)(Bias + finiArray) : 0;
            PreinitArray = preinit != 0 ? (ulong)(Bias + preinit) : 0;
            SymbolCount = CountSymbols();
            return true;
        }

        public byte* NameAt(uint offset) => offset < StringsSize ? Strings + offset : Literal("?"u8);

        // UTF-8 literals live in read-only data and end with a NUL the span does not count.
        private static byte* Literal(System.ReadOnlySpan<byte> s) { fixed (byte* p = s) return p; }

        public byte* NeededName(int i) => NameAt(Needed[i]);

        // Number of dynamic symbols: the SysV hash says it; the GNU hash needs its chains walked.
        private uint CountSymbols()
        {
            if (SysvHash != null) return SysvHash[1];
            if (GnuHash == null) return 0;
            uint nbuckets = GnuHash[0], symOffset = GnuHash[1], bloomSize = GnuHash[2];
            uint* buckets = GnuHash + 4 + bloomSize * 2;
            uint* chains = buckets + nbuckets;
            uint last = 0;
            for (uint b = 0; b < nbuckets; b++) if (buckets[b] > last) last = buckets[b];
            if (last < symOffset) return symOffset;
            while ((chains[last - symOffset] & 1) == 0) last++;
            return last + 1;
        }

        public static uint GnuHashOf(byte* name)
        {
            uint h = 5381;
            for (; *name != 0; name++) h = h * 33 + *name;
            return h;
        }

        public static uint SysvHashOf(byte* name)
        {
            uint h = 0;
            for (; *name != 0; name++)
            {
                h = (h << 4) + *name;
                uint g = h & 0xf0000000;
                if (g != 0) h ^= g >> 24;
                h &= ~g;
            }
            return h;
        }

        public static bool NamesEqual(byte* a, byte* b)
        {
            while (*a != 0 && *a == *b) { a++; b++; }
            return *a == *b;
        }

        // A symbol this image defines (not undefined, not local, not a hidden old version), or null.
        public Elf64Sym* Lookup(byte* name, uint gnuHash)
        {
            if (GnuHash != null)
            {
                uint nbuckets = GnuHash[0], symOffset = GnuHash[1], bloomSize = GnuHash[2], shift = GnuHash[3];
                ulong* bloom = (ulong*)(GnuHash + 4);
                ulong word = bloom[(gnuHash / 64) % bloomSize];
                ulong mask = (1UL << (int)(gnuHash % 64)) | (1UL << (int)((gnuHash >> (int)shift) % 64));
                if ((word & mask) != mask) return null;
                uint* buckets = GnuHash + 4 + bloomSize * 2;
                uint* chains = buckets + nbuckets;
                uint i = buckets[gnuHash % nbuckets];
                if (i < symOffset) return null;
                for (; ; i++)
                {
                    uint h = chains[i - symOffset];
                    if ((h | 1) == (gnuHash | 1) && Matches(i, name)) return &Symbols[i];
                    if ((h & 1) != 0) return null;
                }
            }
            if (SysvHash != null)
            {
                uint nbucket = SysvHash[0];
                uint* bucket = SysvHash + 2;
                uint* chain = bucket + nbucket;
                for (uint i = bucket[SysvHashOf(name) % nbucket]; i != 0; i = chain[i])
                    if (Matches(i, name)) return &Symbols[i];
                return null;
            }
            for (uint i = 1; i < SymbolCount; i++) if (Matches(i, name)) return &Symbols[i];
            return null;
        }

        private bool Matches(uint i, byte* name)
        {
            Elf64Sym* s = &Symbols[i];
            if (s->Shndx == ShnUndef || s->Bind == StbLocal) return false;
            if (VerSym != null && (VerSym[i] & 0x8000) != 0) return false;    // a hidden (non-default) version
            return NamesEqual(NameAt(s->Name), name);
        }

        // Applies every relocation (RELA, then the PLT's, all bound now). Unresolved strong
        // references are reported through resolver.Missing and left zero; returns how many.
        public int Relocate(SymbolResolver* resolver)
        {
            int missing = 0;
            if (Rela != null) missing += ApplyTable(Rela, RelaSize / (ulong)sizeof(Elf64Rela), resolver);
            if (JmpRel != null) missing += ApplyTable(JmpRel, JmpRelSize / (ulong)sizeof(Elf64Rela), resolver);
            return missing;
        }

        private int ApplyTable(Elf64Rela* table, ulong count, SymbolResolver* resolver)
        {
            int missing = 0;
            for (ulong i = 0; i < count; i++)
            {
                Elf64Rela* r = &table[i];
                ulong* where = (ulong*)(Bias + r->Offset);
                uint type = r->RelType;
                if (type == RRelative) { *where = (ulong)Bias + (ulong)r->Addend; continue; }
                if (type == RNone) continue;
                if (type == RIRelative)
                {
                    var resolverFn = (delegate* unmanaged<ulong>)(Bias + r->Addend);
                    *where = resolverFn();
                    continue;
                }
                Resolution res = default;
                uint symIndex = r->SymIndex;
                if (symIndex != 0)
                {
                    if (symIndex >= SymbolCount && SymbolCount != 0) { missing++; continue; }
                    Elf64Sym* sym = &Symbols[symIndex];
                    if (sym->Bind == StbLocal && sym->Shndx != ShnUndef)
                    {
                        res.Address = (ulong)Bias + sym->Value;
                        res.Symbol = sym;
                        fixed (ElfImage* self = &this) res.Definer = self;
                    }
                    else
                    {
                        byte* name = NameAt(sym->Name);
                        bool found;
                        fixed (ElfImage* self = &this) found = resolver->Resolve(resolver->Context, self, name, type == RCopy, &res);
                        if (!found && sym->Bind != StbWeak && resolver->StubFor != null && (res.Address = resolver->StubFor(name)) != 0)
                            found = true;
                        if (!found)
                        {
                            if (sym->Bind != StbWeak)
                            {
                                missing++;
                                fixed (ElfImage* self = &this) resolver->Missing(resolver->Context, self, name);
                            }
                            *where = 0;
                            continue;
                        }
                    }
                }
                else fixed (ElfImage* self = &this) res.Definer = self;   // module-local (TLS) references

                // An IFUNC symbol's value is a resolver that picks the implementation: call it once here.
                if (res.Symbol != null && res.Definer != null && res.Symbol->SymType == SttGnuIfunc && type != RCopy)
                    res.Address = ((delegate* unmanaged<ulong>)res.Address)();

                switch (type)
                {
                    case R64: *where = res.Address + (ulong)r->Addend; break;
                    case RGlobDat:
                    case RJumpSlot: *where = res.Address; break;
                    case RPc32: *(uint*)where = (uint)(res.Address + (ulong)r->Addend - (ulong)where); break;
                    case RCopy:
                    {
                        // The executable's own symbol gives the size (the definer may be the kernel).
                        Elf64Sym* own = &Symbols[symIndex];
                        for (ulong b = 0; b < own->Size; b++) ((byte*)where)[b] = ((byte*)res.Address)[b];
                        if (res.Definer == null && resolver->CopiedKernelData != null)
                            resolver->CopiedKernelData(resolver->Context, NameAt(own->Name), (ulong)where);
                        break;
                    }
                    case RDtpMod64: *where = res.Definer != null ? res.Definer->TlsModule : 0; break;
                    case RDtpOff64: *where = (res.Symbol != null ? res.Symbol->Value : 0) + (ulong)r->Addend; break;
                    case RTpOff64:
                        if (res.Definer == null) { missing++; break; }
                        *where = (res.Symbol != null ? res.Symbol->Value : 0) + (ulong)r->Addend - res.Definer->TlsOffset;
                        break;
                    default:
                        missing++;
                        fixed (ElfImage* self = &this) resolver->Missing(resolver->Context, self, Literal("<unsupported relocation type>"u8));
                        break;
                }
            }
            return missing;
        }
    }
}
