using System;

namespace Nimbus.Kernel.Memory
{
    [Flags]
    public enum PageFlags : ulong
    {
        None = 0,
        Present = 1UL << 0,
        Writable = 1UL << 1,
        User = 1UL << 2,
        WriteThrough = 1UL << 3,
        CacheDisable = 1UL << 4,
        Huge = 1UL << 7,
        Global = 1UL << 8,
        ProtNone = 1UL << 9,          // software bit: a not-present entry that keeps its frame (mprotect PROT_NONE)
        NoExecute = 1UL << 63,
    }

    // x86-64 4-level page tables. Table frames come from the page allocator and are reached through
    // the direct map. Pure logic over memory it is given: tested on the host.
    public unsafe struct PageTables
    {
        public const ulong AddressMask = 0x000FFFFFFFFFF000UL;
        public const ulong Page4K = 1UL << 12, Page2M = 1UL << 21, Page1G = 1UL << 30;

        private PageAllocator* _pages;
        private ulong _root;                    // physical address of the PML4

        public ulong Root => _root;

        public bool Initialize(PageAllocator* pages)
        {
            _pages = pages;
            _root = NewTable();
            return _root != 0;
        }

        private ulong* Table(ulong phys) => (ulong*)(phys + _pages->DirectMapBase);

        private ulong NewTable()
        {
            ulong phys = _pages->Allocate(0);
            if (phys == 0) return 0;
            ulong* t = Table(phys);
            for (int i = 0; i < 512; i++) t[i] = 0;
            return phys;
        }

        private static int Index(ulong virt, int level) => (int)((virt >> (12 + 9 * level)) & 511);

        // Returns the entry for virt at the given level (0 = 4K PTE, 1 = 2M PDE, 2 = 1G PDPTE),
        // creating intermediate tables. Null when out of memory or a larger page is in the way.
        private ulong* Walk(ulong virt, int targetLevel, bool create)
        {
            ulong* table = Table(_root);
            for (int level = 3; level > targetLevel; level--)
            {
                ulong* e = &table[Index(virt, level)];
                if ((*e & (ulong)PageFlags.Present) == 0)
                {
                    if (!create) return null;
                    ulong t = NewTable();
                    if (t == 0) return null;
                    // Intermediate entries are permissive; the leaf decides.
                    *e = t | (ulong)(PageFlags.Present | PageFlags.Writable);
                }
                else if ((*e & (ulong)PageFlags.Huge) != 0) return null;
                table = Table(*e & AddressMask);
            }
            return &table[Index(virt, targetLevel)];
        }

        // Maps [virt, virt+size) to [phys, ...) using the largest pages alignment allows.
        public bool Map(ulong virt, ulong phys, ulong size, PageFlags flags, bool allowHuge = true, bool allow1G = false)
        {
            ulong end = virt + size;
            while (virt < end)
            {
                int level = 0;
                ulong step = Page4K;
                if (allowHuge && allow1G && ((virt | phys) & (Page1G - 1)) == 0 && end - virt >= Page1G) { level = 2; step = Page1G; }
                else if (allowHuge && ((virt | phys) & (Page2M - 1)) == 0 && end - virt >= Page2M) { level = 1; step = Page2M; }
                ulong* e = Walk(virt, level, true);
                if (e == null) return false;
                ulong leaf = phys | (ulong)(flags | PageFlags.Present);
                if (level > 0) leaf |= (ulong)PageFlags.Huge;
                *e = leaf;
                virt += step;
                phys += step;
            }
            return true;
        }

        // Removes the 4K mapping of virt (splitting is not supported: the kernel maps what it may
        // later unmap with 4K pages).
        public bool Unmap(ulong virt)
        {
            ulong* e = Walk(virt, 0, false);
            if (e == null || (*e & (ulong)PageFlags.Present) == 0) return false;
            *e = 0;
            return true;
        }

        // Range operations for application memory, which is mapped with 4K pages only. They visit only
        // the tables that exist, so a huge reservation that was never touched costs nothing to change.

        // Unmaps every 4K page in [start, end) and gives its frame back to the page allocator;
        // returns how many pages were freed.
        public ulong UnmapAndFree(ulong start, ulong end) => Visit(Table(_root), 3, 0, start, end, VisitOp.UnmapAndFree, 0);

        // Sets the permission bits of every mapped 4K page in [start, end) (the frame stays);
        // PageFlags.ProtNone makes the entries not present while keeping their frames.
        public ulong Protect(ulong start, ulong end, PageFlags flags) => Visit(Table(_root), 3, 0, start, end, VisitOp.Protect, (ulong)flags);

        // Counts mapped 4K pages in [start, end).
        public ulong CountMapped(ulong start, ulong end) => Visit(Table(_root), 3, 0, start, end, VisitOp.Count, 0);

        private enum VisitOp { Count, UnmapAndFree, Protect }

        private ulong Visit(ulong* table, int level, ulong tableBase, ulong start, ulong end, VisitOp op, ulong flags)
        {
            ulong span = 1UL << (12 + 9 * level);
            ulong count = 0;
            // Below the top level the table covers [tableBase, tableBase + 512 * span): visit only
            // the entries the range touches.
            int first = 0, last = 511;
            if (level < 3)
            {
                if (start > tableBase) first = (int)((start - tableBase) / span);
                ulong lastOffset = (end - 1 - tableBase) / span;
                if (end - 1 - tableBase < 512 * span && lastOffset < 511) last = (int)lastOffset;
            }
            for (int i = first; i <= last; i++)
            {
                ulong lo = tableBase + (ulong)i * span;
                if (level == 3 && i >= 256) lo |= 0xFFFF000000000000UL;    // canonical upper half
                ulong hi = lo + span;
                if (hi <= start || lo >= end) continue;
                ulong e = table[i];
                if (level == 0)
                {
                    if ((e & (ulong)(PageFlags.Present | PageFlags.ProtNone)) == 0) continue;
                    count++;
                    if (op == VisitOp.UnmapAndFree) { table[i] = 0; _pages->Free(e & AddressMask, 0); }
                    else if (op == VisitOp.Protect)
                        table[i] = (flags & (ulong)PageFlags.ProtNone) != 0
                            ? (e & AddressMask) | (ulong)PageFlags.ProtNone
                            : (e & AddressMask) | flags | (ulong)PageFlags.Present;
                    continue;
                }
                if ((e & (ulong)PageFlags.Present) == 0) continue;
                if ((e & (ulong)PageFlags.Huge) != 0) continue;       // only the kernel maps huge pages; never touched here
                count += Visit(Table(e & AddressMask), level - 1, lo, start, end, op, flags);
            }
            return count;
        }

        // Physical address for virt and the leaf's flags; false when unmapped.
        public bool Translate(ulong virt, out ulong phys, out PageFlags flags)
        {
            ulong* table = Table(_root);
            for (int level = 3; level >= 0; level--)
            {
                ulong e = table[Index(virt, level)];
                if ((e & (ulong)PageFlags.Present) == 0) break;
                if (level == 0 || (e & (ulong)PageFlags.Huge) != 0)
                {
                    ulong pageSize = 1UL << (12 + 9 * level);
                    phys = (e & AddressMask & ~(pageSize - 1)) + (virt & (pageSize - 1));
                    flags = (PageFlags)(e & ~AddressMask);
                    return true;
                }
                table = Table(e & AddressMask);
            }
            phys = 0;
            flags = PageFlags.None;
            return false;
        }
    }
}
