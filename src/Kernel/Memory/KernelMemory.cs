using System;
using System.Threading;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Console;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Memory
{
    // The kernel's address space and allocators:
    //   0x0000_0000_0000_0000 .. 0x0000_7fff_ffff_ffff  applications (nothing mapped at 0)
    //   0xffff_8000_0000_0000 + phys                      direct map of all RAM (RW, NX)
    //   0xffff_c000_0000_0000 + phys                      device MMIO (uncached, NX)
    //   0xffff_e000_0000_0000 + n * 1 MiB                 kernel stacks, each above an unmapped guard page
    //   0xffff_ffff_8000_0000 + phys                      kernel image (text RX, rodata R, data RW)
    // One lock for the page allocator, the kernel heap and the kernel page tables (they call each
    // other, and the lock is recursive). A lock-free mutex: a holder may be preempted; nobody spins.
    internal unsafe ref struct MemoryLock
    {
        private static Sync.Mutex s_lock;
        public MemoryLock() { fixed (Sync.Mutex* m = &s_lock) m->Lock(); }
        public void Dispose() { fixed (Sync.Mutex* m = &s_lock) m->Unlock(); }
    }

    internal static unsafe class KernelMemory
    {
        public const ulong DirectMapBase = 0xffff800000000000UL;
        public const ulong MmioBase = 0xffffc00000000000UL;
        public const ulong KernelBase = 0xffffffff80000000UL;
        public const ulong StackWindowBase = 0xffffe00000000000UL;
        public const ulong StackSlotSize = 1UL << 20;
        private const int MaxStackSlots = 4096;
        private struct SlotMap { public fixed ulong Used[MaxStackSlots / 64]; }
        private static SlotMap s_slots;
        private static ulong s_stackSlots;                 // slots ever used (the window's extent)

        public static PageAllocator Pages;
        public static PageTables Tables;
        public static Heap KernelHeap;
        public static ulong TotalRamBytes;
        private static bool s_ready;

        public static bool Ready => s_ready;
        private static ulong s_stackGuard;

        public static bool IsStackGuard(ulong address)
        {
            if (s_stackGuard != 0 && address >= s_stackGuard && address < s_stackGuard + PageTables.Page4K) return true;
            if (address < StackWindowBase || address >= StackWindowBase + s_stackSlots * StackSlotSize) return false;
            ulong page = address & ~(PageTables.Page4K - 1);
            return !IsMapped(page) && IsMapped(page + PageTables.Page4K);
        }

        public const ulong StackWindowSize = MaxStackSlots * StackSlotSize;

        // A kernel stack of 2^order pages, mapped at the top of its own 1 MiB slot: the pages below it,
        // including the guard page right under it, stay unmapped, so an overflow faults cleanly.
        // The slot's last 16 bytes are reserved: [end - 8] holds the owning thread (see OwnerOfStack).
        // Returns the usable stack top (16-byte aligned), or panics when memory is exhausted.
        public static ulong AllocateStack(int order)
        {
            ulong cached = TakeCachedStack(order);
            if (cached != 0) return cached;
            ulong size = PageAllocator.PageSize << order;
            if (size > StackSlotSize - PageTables.Page4K) Panic.Fail("kernel stack too large");
            ulong phys = AllocatePages(order);
            if (phys == 0) Panic.Fail("out of memory allocating a kernel stack");
            ulong top;
            using (new MemoryLock())
            {
                int slot = TakeSlot();
                if ((ulong)slot + 1 > s_stackSlots) s_stackSlots = (ulong)slot + 1;
                top = StackWindowBase + ((ulong)slot + 1) * StackSlotSize;
                fixed (PageTables* t = &Tables)
                    if (!t->Map(top - size, phys, size, PageFlags.Writable | PageFlags.NoExecute | PageFlags.Global, false))
                        Panic.Fail("out of memory mapping a kernel stack");
            }
            *(ulong*)(top - 8) = 0;
            *(ulong*)(top - 16) = 0;
            return top - 16;
        }

        // After unmapping kernel pages: the other CPUs drop their cached translations (Sched's TLB
        // shootdown installs this once it can send IPIs and sleep; until then there are no others).
        public static delegate*<void> FlushOtherCpus;
        public static void FlushOthers()
        {
            var flush = FlushOtherCpus;
            if (flush != null) flush();
        }

        // The thread that owns the stack `sp` is on, found by masking (no call, no GS load: this is
        // the mutex fast path's identity); null when sp is not on a thread's kernel stack. The owner
        // is the scheduler's thread record; Memory only keeps the pointer.
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static void* OwnerOfStack(ulong sp)
        {
            if (sp - StackWindowBase >= StackWindowSize) return null;
            return *(void**)((sp | (StackSlotSize - 1)) - 7);
        }

        public static void SetStackOwner(ulong usableTop, void* owner) => *(void**)(usableTop + 8) = owner;

        private static StackCache s_stackCache;

        private static ulong TakeCachedStack(int order)
        {
            if (s_stackCache.IsEmpty) return 0;
            using (new MemoryLock())
                fixed (StackCache* c = &s_stackCache)
                    return c->Take((ulong)order, out ulong top) ? top : 0;
        }

        public static void FreeStack(ulong usableTop, int order)
        {
            using (new MemoryLock())
                fixed (StackCache* c = &s_stackCache)
                    if (c->Put((ulong)order, usableTop)) return;
            ReleaseStack(usableTop, order);
        }

        private static void ReleaseStack(ulong usableTop, int order)
        {
            ulong top = (usableTop | (StackSlotSize - 1)) + 1;     // the slot's end
            ulong size = PageAllocator.PageSize << order;
            ulong phys;
            using (new MemoryLock())
            {
                fixed (PageTables* t = &Tables)
                {
                    if (!t->Translate(top - size, out phys, out _)) Panic.Fail("freeing a kernel stack that is not mapped");
                    for (ulong p = top - size; p < top; p += PageTables.Page4K)
                    {
                        t->Unmap(p);
                        Cpu.InvalidatePage(p);
                    }
                }
            }
            // Other CPUs may still cache the old translations: flush them before the pages or the
            // slot can be reused.
            FlushOthers();
            using (new MemoryLock())
            {
                int slot = (int)((top - StackWindowBase) / StackSlotSize) - 1;
                fixed (SlotMap* m = &s_slots) m->Used[slot / 64] &= ~(1UL << (slot % 64));
            }
            FreePages(phys, order);
        }

        private static int TakeSlot()
        {
            fixed (SlotMap* m = &s_slots)
            {
                for (int w = 0; w < MaxStackSlots / 64; w++)
                {
                    if (m->Used[w] == ulong.MaxValue) continue;
                    int b = 0;
                    while ((m->Used[w] & (1UL << b)) != 0) b++;
                    m->Used[w] |= 1UL << b;
                    return w * 64 + b;
                }
            }
            Panic.Fail("out of kernel stack slots");
            return 0;
        }

        // Whether a kernel virtual address is mapped (before our tables exist, the boot tables map
        // the kernel image, so we answer yes).
        public static bool IsMapped(ulong virt)
        {
            if (!s_ready) return true;
            fixed (PageTables* t = &Tables) return t->Translate(virt, out _, out _);
        }

        public static void* PhysToVirt(ulong phys) => (void*)(phys + DirectMapBase);

        // Builds the usable-page set from the PVH memory map, minus everything already in use,
        // initialises the page allocator and heap, and switches to the kernel's own page tables.
        public static void Initialize(PvhStartInfo* info, in KernelLayout layout)
        {
            PhysicalRange* storage = stackalloc PhysicalRange[128];
            var usable = new PhysicalRangeSet(new Span<PhysicalRange>(storage, 128));
            PhysicalRange* allStorage = stackalloc PhysicalRange[128];
            var everything = new PhysicalRangeSet(new Span<PhysicalRange>(allStorage, 128));

            s_stackGuard = layout.BootStackGuard;
            if (info->Version < 1 || info->MemoryMapEntries == 0) Panic.Fail("PVH start info has no memory map (version < 1)");
            var map = (PvhMemoryMapEntry*)PhysToVirt(info->MemoryMapPhys);
            for (uint i = 0; i < info->MemoryMapEntries; i++)
            {
                everything.Add(map[i].Address, map[i].Address + map[i].Size);
                if (map[i].Type == PvhMemoryMapEntry.Ram) usable.Add(map[i].Address, map[i].Address + map[i].Size);
            }
            TotalRamBytes = usable.TotalBytes;
            if (usable.Count == 0) Panic.Fail("the memory map has no RAM");
            ulong lowest = usable[0].Start, highest = usable[usable.Count - 1].End;

            // Taken: the first MiB (real-mode leftovers, boot structures), the kernel image, the boot
            // info and command line, and the modules (initrd) until their consumers copy them out.
            usable.Remove(0, 0x100000);
            usable.Remove(layout.BootStart - 0, layout.BootEnd);
            usable.Remove(layout.KernelStart - KernelBase, layout.KernelEnd - KernelBase);
            usable.Remove(info->MemoryMapPhys, info->MemoryMapPhys + info->MemoryMapEntries * 24UL);
            if (info->CmdlinePhys != 0) usable.Remove(info->CmdlinePhys & ~0xFFFUL, (info->CmdlinePhys & ~0xFFFUL) + 0x2000);
            var modules = (PvhModule*)PhysToVirt(info->ModuleListPhys);
            for (uint i = 0; i < info->ModuleCount; i++) usable.Remove(modules[i].Phys, modules[i].Phys + modules[i].Size);
            // The boot page tables map only the first GiB, so metadata and early tables must live there.
            usable.Remove(1UL << 30, ulong.MaxValue);
            ulong highStart = 1UL << 30;

            fixed (PageAllocator* pages = &Pages)
            {
                pages->Initialize(lowest, highest, ref usable, DirectMapBase);
                fixed (PageTables* tables = &Tables)
                {
                    if (!tables->Initialize(pages)) Panic.Fail("out of memory building page tables");
                    BuildKernelMappings(tables, in layout, ref everything);
                    Cpu.WriteCr4(Cpu.ReadCr4() | (1UL << 7));   // PGE: kernel mappings are global
                    Cpu.WriteCr3(tables->Root);
                }
                // Now that all RAM is mapped, add the memory above 1 GiB (lazily: see AddLazyRange).
                for (uint i = 0; i < info->MemoryMapEntries; i++)
                {
                    if (map[i].Type != PvhMemoryMapEntry.Ram) continue;
                    ulong s = map[i].Address, e = map[i].Address + map[i].Size;
                    if (e <= highStart) continue;
                    if (s < highStart) s = highStart;
                    AddRange(pages, s, e, info);
                }
                fixed (Heap* heap = &KernelHeap) heap->Initialize(pages);
            }
            s_ready = true;
        }

        private static void AddRange(PageAllocator* pages, ulong start, ulong end, PvhStartInfo* info)
        {
            PhysicalRange* storage = stackalloc PhysicalRange[8];
            var set = new PhysicalRangeSet(new Span<PhysicalRange>(storage, 8));
            set.Add(start, end);
            var modules = (PvhModule*)PhysToVirt(info->ModuleListPhys);
            for (uint i = 0; i < info->ModuleCount; i++) set.Remove(modules[i].Phys, modules[i].Phys + modules[i].Size);
            set.AlignInward(PageAllocator.PageSize);
            for (int i = 0; i < set.Count; i++) pages->AddLazyRange(set[i].Start, set[i].End);
        }

        private static void BuildKernelMappings(PageTables* tables, in KernelLayout layout, ref PhysicalRangeSet everything)
        {
            bool has1G = (Cpu.Cpuid(0x80000001).Edx & (1u << 26)) != 0;
            var dataFlags = PageFlags.Writable | PageFlags.NoExecute | PageFlags.Global;
            // Direct map: every range of the memory map, including ACPI tables.
            for (int i = 0; i < everything.Count; i++)
            {
                ulong s = everything[i].Start & ~(PageTables.Page4K - 1);
                ulong e = (everything[i].End + PageTables.Page4K - 1) & ~(PageTables.Page4K - 1);
                if (!tables->Map(DirectMapBase + s, s, e - s, dataFlags, true, has1G)) Panic.Fail("out of memory mapping RAM");
            }
            // Kernel image with 4K pages and real permissions; the boot stack's guard page stays unmapped.
            ulong k = layout.KernelStart;
            MapImage(tables, k, layout.TextEnd, PageFlags.Global);                                    // RX
            MapImage(tables, layout.TextEnd, layout.RodataEnd, PageFlags.NoExecute | PageFlags.Global); // R
            MapImage(tables, layout.RodataEnd, layout.BootStackGuard, dataFlags);                     // RW
            MapImage(tables, layout.BootStackGuard + PageTables.Page4K, layout.KernelEnd, dataFlags);
        }

        private static void MapImage(PageTables* tables, ulong start, ulong end, PageFlags flags)
        {
            start &= ~(PageTables.Page4K - 1);
            end = (end + PageTables.Page4K - 1) & ~(PageTables.Page4K - 1);
            if (end > start && !tables->Map(start, start - KernelBase, end - start, flags, false))
                Panic.Fail("out of memory mapping the kernel image");
        }

        // Temporary identity mappings (the AP trampoline runs at its physical address).
        public static void IdentityMap(ulong phys, ulong size)
        {
            using (new MemoryLock())
                fixed (PageTables* t = &Tables)
                    if (!t->Map(phys, phys, size, PageFlags.Writable, false)) Panic.Fail("out of memory for an identity mapping");
        }

        public static void IdentityUnmap(ulong phys, ulong size)
        {
            using (new MemoryLock())
                fixed (PageTables* t = &Tables)
                    for (ulong p = phys; p < phys + size; p += PageTables.Page4K) { t->Unmap(p); Cpu.InvalidatePage(p); }
            FlushOthers();
        }

        // Maps device registers uncached into the MMIO window; returns their virtual address.
        public static void* MapMmio(ulong phys, ulong size)
        {
            ulong s = phys & ~(PageTables.Page4K - 1);
            ulong e = (phys + size + PageTables.Page4K - 1) & ~(PageTables.Page4K - 1);
            fixed (PageTables* tables = &Tables)
            {
                for (ulong p = s; p < e; p += PageTables.Page4K)
                {
                    if (tables->Translate(MmioBase + p, out _, out _)) continue;
                    if (!tables->Map(MmioBase + p, p, PageTables.Page4K,
                            PageFlags.Writable | PageFlags.NoExecute | PageFlags.CacheDisable | PageFlags.WriteThrough | PageFlags.Global, false))
                        Panic.Fail("out of memory mapping MMIO");
                    Cpu.InvalidatePage(MmioBase + p);
                }
            }
            return (void*)(MmioBase + phys);
        }

        public static ulong AllocatePages(int order)
        {
            using (new MemoryLock())
                fixed (PageAllocator* pages = &Pages) return pages->Allocate(order);
        }

        public static void FreePages(ulong phys, int order)
        {
            using (new MemoryLock())
                fixed (PageAllocator* pages = &Pages) pages->Free(phys, order);
        }
    }

    // malloc/free for the kernel; `new` lands here through RhpNewFast. Out of memory is a panic
    // that names the request.
    internal static unsafe class KernelHeap
    {
        public static void* Alloc(ulong size)
        {
            if (!KernelMemory.Ready) Panic.Fail("heap used before memory initialisation");
            void* p;
            using (new MemoryLock())
                fixed (Heap* heap = &KernelMemory.KernelHeap) p = heap->Allocate(size);
            if (p == null) OutOfMemory(size);
            return p;
        }

        private static void OutOfMemory(ulong request)
        {
            if (Panic.Begin())
                Log.Line($"PANIC: out of memory: a heap request of {request} bytes could not be met ({KernelMemory.Pages.FreePages} pages free of {KernelMemory.Pages.TotalPages}, {KernelMemory.KernelHeap.BytesInUse} heap bytes in use)");
            delegate*<ulong, void> self = &OutOfMemory;
            Panic.End((ulong)self);
        }

        public static void* AllocZeroed(ulong size)
        {
            void* p = Alloc(size);
            Mem.Set((byte*)p, 0, (nuint)size);
            return p;
        }

        public static void Free(void* p)
        {
            using (new MemoryLock())
                fixed (Heap* heap = &KernelMemory.KernelHeap) heap->Free(p);
        }

        // Frees a kernel object (the kernel has no GC: whoever owns an object frees it).
        public static void Free(object o) => Free(Internal.Runtime.CompilerHelpers.ObjectAddress.Of(o));
    }
}
