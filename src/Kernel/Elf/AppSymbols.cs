namespace Nimbus.Kernel.Elf
{
    // Names for application addresses: which loaded object, and the nearest dynamic symbol below
    // (dladdr and crash reports use it).
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

        public static void PrintLocation(ulong address)
        {
            ElfImage* o = ObjectAt(address);
            if (o == null) { Log.Error($"  (0x{address:x} is in no loaded object)"); return; }
            Elf64Sym* s = Nearest(o, address);
            var path = Fs.Vfs.Span(o->Path);
            if (s == null) Log.Error($"  in {path}+0x{address - o->Start:x}");
            else Log.Error($"  in {path}+0x{address - o->Start:x} ({Fs.Vfs.Span(o->NameAt(s->Name))}+0x{address - ((ulong)o->Bias + s->Value):x})");
        }
    }
}
