namespace Nimbus.Kernel.Elf
{
    // Symbol resolution in the global scope, as the glibc loader orders it: the loaded objects in load
    // order (the executable first), then whatever stands behind them (in the kernel, its ABI
    // exports). Pure logic over the images it is given: ProgramLoader passes its object table, the
    // hosted tests (ElfLoaderTests) gcc-built images mapped into the test process.
    public unsafe struct SymbolScope
    {
        public ElfImage** Objects;
        public int Count;
        public delegate*<byte*, ulong> Fallback;     // address of a name no object defines, 0 if none

        // A copy relocation (excludeRequester) must find the definition in another object: the
        // executable's own symbol is the copy being filled. TLS symbols resolve to their offset in
        // the definer's block, others to an address.
        public bool Resolve(ElfImage* requester, byte* name, bool excludeRequester, Resolution* result)
        {
            uint hash = ElfImage.GnuHashOf(name);
            for (int i = 0; i < Count; i++)
            {
                ElfImage* o = Objects[i];
                if (excludeRequester && o == requester) continue;
                Elf64Sym* sym = o->Lookup(name, hash);
                if (sym == null) continue;
                result->Address = sym->SymType == ElfImage.SttTls ? sym->Value : (ulong)o->Bias + sym->Value;
                result->Symbol = sym;
                result->Definer = o;
                return true;
            }
            ulong address = Fallback != null ? Fallback(name) : 0;
            if (address == 0) return false;
            result->Address = address;
            result->Symbol = null;
            result->Definer = null;
            return true;
        }
    }

    // The names reported missing so far: each is listed once, however many relocations refer to it.
    public unsafe struct MissingNames
    {
        public const int Capacity = 512;
        private fixed ulong _names[Capacity];
        public int Count;                            // distinct names, also past Capacity (those are not remembered)

        // True the first time a name is added.
        public bool Add(byte* name)
        {
            int n = Count < Capacity ? Count : Capacity;
            for (int i = 0; i < n; i++) if (ElfImage.NamesEqual((byte*)_names[i], name)) return false;
            if (Count < Capacity) _names[Count] = (ulong)name;
            Count++;
            return true;
        }
    }
}
