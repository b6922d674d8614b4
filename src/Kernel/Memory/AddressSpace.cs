using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Memory
{
    // The application half of the single address space (below 0x0000_8000_0000_0000): ELF images,
    // mmap, thread stacks. A mapping is a reservation first: pages are allocated and zeroed when
    // first touched (HandleFault), so a runtime that reserves tens of GiB (the .NET GC does) pays
    // only for what it uses. Application pages are 4K, not global, and never executable unless
    // PROT_EXEC asks. Guarded by the memory lock, as the page tables are.
    internal static unsafe class AddressSpace
    {
        public const ulong Floor = 0x10000;                      // nothing at or near address 0
        public const ulong Ceiling = Interrupts.ApplicationCeiling;
        public const ulong PageSize = 4096;
        public const uint KindAnonymous = 0, KindImage = 1, KindStack = 2, KindGuard = 3, KindTls = 4;

        private static VmaSet s_vmas;
        private static bool s_ready;
        public static ulong FaultsResolved;

        private static void EnsureReady()
        {
            if (s_ready) return;
            const int initial = 64;
            fixed (VmaSet* v = &s_vmas)
            {
                v->Initialize((Vma*)KernelHeap.Alloc((ulong)(initial * sizeof(Vma))), initial);
                v->Add(AppStacks.WindowBase, AppStacks.WindowBase + AppStacks.WindowSize, 0, KindGuard);   // stack slots (AppStacks)
            }
            s_ready = true;
        }

        // Grows the region array so any single operation has the two slots it may need.
        private static void EnsureSpare()
        {
            fixed (VmaSet* v = &s_vmas)
            {
                if (v->Spare >= 2) return;
                int capacity = v->Capacity * 2;
                Vma* old = v->MoveTo((Vma*)KernelHeap.Alloc((ulong)(capacity * sizeof(Vma))), capacity);
                KernelHeap.Free(old);
            }
        }

        public static PageFlags FlagsFor(uint prot)
        {
            var f = PageFlags.None;
            if ((prot & VmaSet.ProtWrite) != 0) f |= PageFlags.Writable;
            if ((prot & VmaSet.ProtExec) == 0) f |= PageFlags.NoExecute;
            return f;
        }

        public static ulong RoundUp(ulong n) => (n + PageSize - 1) & ~(PageSize - 1);

        // Reserves [address, address + length) (fixed) or a free range (address 0 or taken, not
        // fixed; top-down, like Linux's mmap). Returns the start, or a negative errno.
        public static long Map(ulong address, ulong length, uint prot, uint kind, bool fixedAddress)
        {
            if (length == 0 || (address & (PageSize - 1)) != 0) return -Errno.EINVAL;
            length = RoundUp(length);
            if (length == 0 || length > Ceiling) return -Errno.ENOMEM;
            using (new MemoryLock())
            {
                EnsureReady();
                EnsureSpare();
                fixed (VmaSet* v = &s_vmas)
                {
                    bool inRange = address >= Floor && address <= Ceiling - length;
                    if (fixedAddress)
                    {
                        if (!inRange) return -Errno.EINVAL;
                        UnmapLocked(v, address, address + length);
                    }
                    else if (!inRange || !v->IsFree(address, address + length))
                    {
                        address = v->FindFreeTopDown(length, Floor, Ceiling);
                        if (address == 0) return -Errno.ENOMEM;
                    }
                    v->Add(address, address + length, prot, kind);
                }
            }
            return (long)address;
        }

        public static int Unmap(ulong address, ulong length)
        {
            if ((address & (PageSize - 1)) != 0 || length == 0) return -Errno.EINVAL;
            ulong end = address + RoundUp(length);
            if (end > Ceiling || end < address) return -Errno.EINVAL;
            using (new MemoryLock())
            {
                EnsureReady();
                EnsureSpare();
                fixed (VmaSet* v = &s_vmas) UnmapLocked(v, address, end);
            }
            return 0;
        }

        private static void UnmapLocked(VmaSet* v, ulong start, ulong end)
        {
            v->Remove(start, end);
            ReleasePagesLocked(start, end);
        }

        // Takes the pages of [start, end) away and gives their frames back, in the safe order: first
        // every entry becomes not-present (frames kept), then every CPU drops its cached translations,
        // and only then are the frames freed, so no CPU can still reach a frame that is reused.
        private static void ReleasePagesLocked(ulong start, ulong end)
        {
            fixed (PageTables* t = &KernelMemory.Tables)
            {
                if (t->Protect(start, end, PageFlags.ProtNone) == 0) return;
                FlushTlb(start, end);
                t->UnmapAndFree(start, end);
            }
        }

        public static int Protect(ulong address, ulong length, uint prot)
        {
            if ((address & (PageSize - 1)) != 0) return -Errno.EINVAL;
            if (length == 0) return 0;
            ulong end = address + RoundUp(length);
            if (end > Ceiling || end < address) return -Errno.ENOMEM;
            using (new MemoryLock())
            {
                EnsureReady();
                EnsureSpare();
                fixed (VmaSet* v = &s_vmas)
                    if (!v->Protect(address, end, prot)) return -Errno.ENOMEM;
                ulong changed;
                fixed (PageTables* t = &KernelMemory.Tables)
                {
                    // PROT_NONE pages keep their frame (and contents) in a not-present entry.
                    changed = t->Protect(address, end, prot == 0 ? PageFlags.ProtNone : FlagsFor(prot));
                }
                if (changed != 0) FlushTlb(address, end);
            }
            return 0;
        }

        // Frees the pages of [address, address + length) but keeps the mapping: the next touch
        // finds a fresh zeroed page (madvise MADV_DONTNEED).
        public static int Discard(ulong address, ulong length)
        {
            ulong end = address + RoundUp(length);
            if (end > Ceiling || end < address) return -Errno.EINVAL;
            using (new MemoryLock()) ReleasePagesLocked(address, end);
            return 0;
        }

        // Allocates and zeroes every page of [start, end) that is not there yet (eager mappings:
        // ELF segments, the top of a stack). False when memory ran out.
        public static bool Populate(ulong start, ulong end) => Populate(start, end, 0, 0);

        // Populate, for a caller that writes [writtenStart, writtenEnd) itself right after (the
        // loader copying a segment's file bytes): new pages are zeroed only outside that range, so
        // an image's pages are written once, not zeroed and then overwritten.
        public static bool Populate(ulong start, ulong end, ulong writtenStart, ulong writtenEnd)
        {
            using (new MemoryLock())
            {
                for (ulong p = start & ~(PageSize - 1); p < end; p += PageSize)
                {
                    int i;
                    fixed (VmaSet* v = &s_vmas) i = v->IndexOf(p);
                    if (i < 0) return false;
                    if (!MapPageLocked(p, s_vmas[i].Prot | VmaSet.ProtWrite, writtenStart, writtenEnd)) return false;
                }
            }
            return true;
        }

        private static bool MapPageLocked(ulong page, uint prot, ulong writtenStart = 0, ulong writtenEnd = 0)
        {
            fixed (PageTables* t = &KernelMemory.Tables)
            {
                if (t->Translate(page, out _, out _)) return true;
                ulong frame;
                fixed (PageAllocator* pages = &KernelMemory.Pages) frame = pages->Allocate(0);
                if (frame == 0) return false;
                ZeroOutside((byte*)KernelMemory.PhysToVirt(frame), page, writtenStart, writtenEnd);
                if (!t->Map(page, frame, PageSize, FlagsFor(prot), false))
                {
                    fixed (PageAllocator* pages = &KernelMemory.Pages) pages->Free(frame, 0);
                    return false;
                }
            }
            return true;
        }

        // Zeroes the new frame `virt` of the page at `page`, except the bytes of [keepStart, keepEnd).
        private static void ZeroOutside(byte* virt, ulong page, ulong keepStart, ulong keepEnd)
        {
            ulong end = page + PageSize;
            if (keepEnd <= page || keepStart >= end) { Cpu.ZeroPage(virt); return; }
            if (keepStart > page) Mem.Set(virt, 0, (nuint)(keepStart - page));
            if (keepEnd < end) Mem.Set(virt + (keepEnd - page), 0, (nuint)(end - keepEnd));
        }

        // A page fault below the kernel half: maps a zeroed page when the address lies in a region
        // whose protection allows the access. False means a real fault (a signal for the application).
        public static bool HandleFault(ulong address, ulong errorCode)
        {
            if (address >= Ceiling || !s_ready) return false;
            bool present = (errorCode & 1) != 0, write = (errorCode & 2) != 0, fetch = (errorCode & 16) != 0;
            if (present) return false;                         // mapped but not allowed: a protection fault
            ulong page = address & ~(PageSize - 1);
            using (new MemoryLock())
            {
                int i;
                fixed (VmaSet* v = &s_vmas) i = v->IndexOf(address);
                if (i < 0) return false;
                uint prot = s_vmas[i].Prot;
                if (prot == 0 || (write && (prot & VmaSet.ProtWrite) == 0) || (fetch && (prot & VmaSet.ProtExec) == 0)) return false;
                if (!MapPageLocked(page, prot)) Panic.Fail("out of memory: no page for an application page fault");
                Vma v0 = s_vmas[i];
                if (v0.Kind == KindAnonymous || v0.Kind == KindStack) FaultAround(page, v0);
            }
            FaultsResolved++;
            return true;
        }

        // Programs touch memory in runs (a heap growing, a stack deepening): map the rest of the
        // aligned 64 KiB around a fault too, within its region, so one fault does the work of many.
        // Best effort: a neighbour is skipped when memory is short. (A fault costs far more than
        // zeroing a page, under emulation even more.)
        private const ulong FaultAroundBytes = 64 * 1024;

        private static void FaultAround(ulong page, Vma region)
        {
            if (KernelMemory.Pages.FreePages < 1024) return;          // keep the last 4 MiB for real faults
            ulong start = page & ~(FaultAroundBytes - 1), end = start + FaultAroundBytes;
            if (start < region.Start) start = region.Start;
            if (end > region.End) end = region.End;
            for (ulong p = start; p < end; p += PageSize)
                if (p != page && !MapPageLocked(p, region.Prot)) return;
        }

        // Copies the regions, in address order, into `into` (up to `max`); returns how many there are
        // (/proc/self/maps: the caller retries with more room when the answer exceeds max).
        public static int Regions(Vma* into, int max)
        {
            if (!s_ready) return 0;
            using (new MemoryLock())
            {
                int count = s_vmas.Count;
                for (int i = 0; i < count && i < max; i++) into[i] = s_vmas[i];
                return count;
            }
        }

        // What region an address is in (for fault reports): its kind, or -1.
        public static int KindAt(ulong address)
        {
            if (!s_ready) return -1;
            using (new MemoryLock())
            {
                int i;
                fixed (VmaSet* v = &s_vmas) i = v->IndexOf(address);
                return i < 0 ? -1 : (int)s_vmas[i].Kind;
            }
        }

        // This CPU drops the range's translations: page by page for a small range (a CR3 reload
        // throws away every translation, and under emulation all translated code's lookups too);
        // other CPUs flush everything.
        private const ulong InvalidatePagesUpTo = 64;

        private static void FlushTlb(ulong start, ulong end)
        {
            if ((end - start) / PageSize <= InvalidatePagesUpTo)
                for (ulong p = start; p < end; p += PageSize) Cpu.InvalidatePage(p);
            else Cpu.WriteCr3(Cpu.ReadCr3());      // application mappings are not global
            KernelMemory.FlushOthers();
        }
    }
}
