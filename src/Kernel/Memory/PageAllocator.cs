using System;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Memory
{
    // Physical page allocator: a binary buddy system over every usable range of the memory map.
    // Blocks of 2^order pages are naturally aligned; freeing coalesces with the buddy. Free blocks
    // are linked by frame index through a side table, so initialising the allocator touches no free
    // page (the host backs guest RAM lazily, often with huge pages: touching costs real time).
    // Metadata: one state byte per frame, plus 8 link bytes per frame that are written only for
    // free-block heads. The state table is zeroed a page at a time on its first write (a bitmap
    // says which pages are), so boot touches metadata in proportion to the blocks it creates, not to
    // RAM: zeroing it all took 2 MiB and tens of ms at 8 GiB under TCG. Pure logic over memory it is
    // given: tested on the host.
    //
    // Not thread-safe by itself: the kernel serialises it with the memory lock (KernelMemory.cs).
    public unsafe struct PageAllocator
    {
        public const int PageShift = 12;
        public const ulong PageSize = 1UL << PageShift;
        public const int MaxOrder = 18;              // 1 GiB blocks

        private const uint None = 0xFFFFFFFF;
        private struct Link { public uint Next, Prev; }

        private const byte FreeHead = 0x80;          // frame starts a free block (low bits: order)
        private const byte Allocated = 0x40;         // frame starts an allocated block (low bits: order)

        private ulong _directMapBase;                // virtual = physical + this
        private ulong _baseFrame;                    // first frame covered by _frameInfo
        private ulong _frameCount;
        private byte* _frameInfo;
        private ulong* _stateReady;                  // bit n: page n of _frameInfo has been zeroed
        private Link* _links;
        private fixed uint _freeHeads[MaxOrder + 1];
        private ulong _freePages, _totalPages;

        // Free RAM not yet put on the free lists (counted as free): released a GiB at a time when the
        // lists run dry, so boot's cost does not grow with RAM (each block head touches its metadata
        // pages, and under TCG the host pays for every first touch).
        private const int MaxPending = 8;
        private fixed ulong _pendingStart[MaxPending];
        private fixed ulong _pendingEnd[MaxPending];
        private int _pendingCount;

        public ulong FreePages => _freePages;
        public ulong TotalPages => _totalPages;
        public ulong DirectMapBase => _directMapBase;

        // Whether a direct-map address lies in the memory this allocator manages (readable, since the
        // direct map covers it).
        public bool Covers(ulong virt)
        {
            ulong frame = (virt - _directMapBase) / PageSize;
            return virt >= _directMapBase && frame >= _baseFrame && frame - _baseFrame < _frameCount;
        }

        // Covers physical frames in [lowest, highest). Takes its one-byte-per-frame metadata from the
        // first range of `initialFree` big enough, then frees every remaining page of that set.
        // More RAM in the covered span can be added later with AddFreeRange (e.g. once mapped).
        public void Initialize(ulong lowest, ulong highest, ref PhysicalRangeSet initialFree, ulong directMapBase)
        {
            _directMapBase = directMapBase;
            initialFree.AlignInward(PageSize);
            lowest &= ~(PageSize - 1);
            _baseFrame = lowest >> PageShift;
            _frameCount = (highest - lowest) >> PageShift;
            ulong stateBytes = (_frameCount + PageSize - 1) & ~(PageSize - 1);   // whole pages, zeroed lazily
            ulong readyBytes = (stateBytes / PageSize + 63) / 64 * 8;
            ulong metaBytes = (stateBytes + _frameCount * 8 + readyBytes + PageSize - 1) & ~(PageSize - 1);
            if (_frameCount >= None) Panic.Fail("page allocator: too much memory");

            ulong metaPhys = 0;
            bool found = false;
            for (int i = 0; i < initialFree.Count && !found; i++)
                if (initialFree[i].Size >= metaBytes) { metaPhys = initialFree[i].Start; found = true; }
            if (!found) Panic.Fail("page allocator: no room for frame metadata");
            initialFree.Remove(metaPhys, metaPhys + metaBytes);
            _frameInfo = (byte*)(metaPhys + directMapBase);
            _links = (Link*)(_frameInfo + stateBytes);
            _stateReady = (ulong*)((byte*)_links + _frameCount * 8);
            Mem.Set((byte*)_stateReady, 0, (nuint)readyBytes);
            for (int o = 0; o <= MaxOrder; o++) _freeHeads[o] = None;
            _freePages = _totalPages = 0;
            for (int i = 0; i < initialFree.Count; i++) AddFreeRange(initialFree[i].Start, initialFree[i].End);
        }

        // Adds page-aligned [start, end) (inside the covered span) to the pool as maximal aligned blocks.
        public void AddFreeRange(ulong start, ulong end)
        {
            if (start < (_baseFrame << PageShift) || ((end - (_baseFrame << PageShift)) >> PageShift) > _frameCount)
                Panic.Fail("page allocator: range outside the covered span");
            ulong pages = (end - start) >> PageShift;
            _totalPages += pages;
            _freePages += pages;
            ReleaseRange(start, end);
        }

        // Adds page-aligned [start, end) as free, to be put on the free lists only when needed.
        public void AddLazyRange(ulong start, ulong end)
        {
            if (_pendingCount == MaxPending) { AddFreeRange(start, end); return; }
            if (start < (_baseFrame << PageShift) || ((end - (_baseFrame << PageShift)) >> PageShift) > _frameCount)
                Panic.Fail("page allocator: range outside the covered span");
            ulong pages = (end - start) >> PageShift;
            _totalPages += pages;
            _freePages += pages;
            _pendingStart[_pendingCount] = start;
            _pendingEnd[_pendingCount] = end;
            _pendingCount++;
        }

        // Puts up to the next GiB boundary of the last pending range on the free lists; false when
        // nothing is pending.
        private bool ReleasePending()
        {
            if (_pendingCount == 0) return false;
            int i = _pendingCount - 1;
            ulong start = _pendingStart[i], end = _pendingEnd[i];
            ulong stop = (start + (PageSize << MaxOrder)) & ~((PageSize << MaxOrder) - 1);
            if (stop >= end) { stop = end; _pendingCount--; }
            else _pendingStart[i] = stop;
            ReleaseRange(start, stop);
            return true;
        }

        public static int OrderForPages(ulong pages)
        {
            int order = 0;
            while ((1UL << order) < pages) order++;
            return order;
        }

        // Returns the physical address of 2^order contiguous, aligned pages, or 0 when none are free.
        public ulong Allocate(int order)
        {
            if ((uint)order > MaxOrder) return 0;
            int o = order;
            while (true)
            {
                while (o <= MaxOrder && _freeHeads[o] == None) o++;
                if (o <= MaxOrder) break;
                if (!ReleasePending()) return 0;
                o = order;
            }
            uint frame = _freeHeads[o];
            Unlink(frame, o);
            ulong phys = (_baseFrame + frame) << PageShift;
            while (o > order)                          // split: give back the upper halves
            {
                o--;
                ulong buddy = phys + (PageSize << o);
                Push(buddy, o);
            }
            SetState((phys >> PageShift) - _baseFrame, (byte)(Allocated | order));
            _freePages -= 1UL << order;
            return phys;
        }

        // Allocates exactly `pages` contiguous pages (aligned to the next power of two): the unused
        // tail of the buddy block goes straight back to the pool. Free with FreeExact.
        public ulong AllocateExact(ulong pages)
        {
            if (pages == 0) return 0;
            int order = OrderForPages(pages);
            ulong phys = Allocate(order);
            if (phys == 0) return 0;
            ulong end = phys + (PageSize << order), used = phys + pages * PageSize;
            _freePages += (end - used) >> PageShift;
            ReleaseRange(used, end);
            return phys;
        }

        public void FreeExact(ulong phys, ulong pages)
        {
            ulong frame = (phys >> PageShift) - _baseFrame;
            if ((phys & (PageSize - 1)) != 0 || frame >= _frameCount || (State(frame) & Allocated) == 0)
                Panic.Fail("page allocator: freeing pages that are not allocated");
            SetState(frame, 0);
            _freePages += pages;
            ReleaseRange(phys, phys + pages * PageSize);
        }

        // Frees [start, end) as maximal aligned blocks.
        private void ReleaseRange(ulong start, ulong end)
        {
            while (start < end)
            {
                int order = MaxOrder;
                while (order > 0 && (((start >> PageShift) & ((1UL << order) - 1)) != 0 || start + (PageSize << order) > end))
                    order--;
                FreeBlockAt(start, order);
                start += PageSize << order;
            }
        }

        public void Free(ulong phys, int order)
        {
            ulong frame = (phys >> PageShift) - _baseFrame;
            if ((phys & (PageSize - 1)) != 0 || frame >= _frameCount || State(frame) != (byte)(Allocated | order))
                Panic.Fail("page allocator: freeing a block that is not allocated with this order");
            _freePages += 1UL << order;
            FreeBlockAt(phys, order);
        }

        // The order of the allocated block starting at phys, or -1.
        public int AllocatedOrder(ulong phys)
        {
            ulong frame = (phys >> PageShift) - _baseFrame;
            if (frame >= _frameCount || (State(frame) & Allocated) == 0) return -1;
            return State(frame) & 0x1F;
        }

        private void FreeBlockAt(ulong phys, int order)
        {
            SetState((phys >> PageShift) - _baseFrame, 0);
            while (order < MaxOrder)
            {
                ulong buddy = phys ^ (PageSize << order);
                ulong buddyFrame = (buddy >> PageShift) - _baseFrame;
                if (buddy < (_baseFrame << PageShift) || buddyFrame >= _frameCount || State(buddyFrame) != (byte)(FreeHead | order))
                    break;
                Unlink((uint)buddyFrame, order);
                if (buddy < phys) phys = buddy;
                order++;
            }
            Push(phys, order);
        }

        private void Push(ulong phys, int order)
        {
            uint frame = (uint)((phys >> PageShift) - _baseFrame);
            uint head = _freeHeads[order];
            _links[frame].Prev = None;
            _links[frame].Next = head;
            if (head != None) _links[head].Prev = frame;
            _freeHeads[order] = frame;
            SetState(frame, (byte)(FreeHead | order));
        }

        private void Unlink(uint frame, int order)
        {
            Link l = _links[frame];
            if (l.Prev != None) _links[l.Prev].Next = l.Next;
            else _freeHeads[order] = l.Next;
            if (l.Next != None) _links[l.Next].Prev = l.Prev;
            SetState(frame, 0);
        }

        // A frame's state byte; 0 (neither free head nor allocated) while its page of the table is
        // still untouched.
        private byte State(ulong frame)
        {
            ulong page = frame >> PageShift;
            return (_stateReady[page / 64] & (1UL << (int)(page % 64))) != 0 ? _frameInfo[frame] : (byte)0;
        }

        private void SetState(ulong frame, byte value)
        {
            ulong page = frame >> PageShift;
            ulong bit = 1UL << (int)(page % 64);
            if ((_stateReady[page / 64] & bit) == 0)
            {
                Mem.Set(_frameInfo + (page << PageShift), 0, (nuint)PageSize);
                _stateReady[page / 64] |= bit;
            }
            _frameInfo[frame] = value;
        }

        // Counts free pages by walking the lists: a consistency check for tests.
        public ulong CountFreePagesSlow()
        {
            ulong n = 0;
            for (int i = 0; i < _pendingCount; i++) n += (_pendingEnd[i] - _pendingStart[i]) >> PageShift;
            for (int o = 0; o <= MaxOrder; o++)
                for (uint f = _freeHeads[o]; f != None; f = _links[f].Next) n += 1UL << o;
            return n;
        }
    }
}
