using System;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Memory
{
    // The kernel heap: malloc/free semantics over the page allocator.
    // Small requests (<= 4 KiB) come from 16 KiB slabs of one size class each; a slab that becomes
    // empty goes back to the page allocator (one empty slab per class is kept to avoid churn).
    // Larger requests take exactly the pages they need. Every block the heap hands out lives in a 16 KiB
    // aligned region whose first 64 bytes are a header, so Free finds the header by masking.
    // Pure logic over the page allocator it is given: tested on the host.
    public unsafe struct Heap
    {
        public const int SlabOrder = 2;
        public const ulong SlabSize = PageAllocator.PageSize << SlabOrder;   // 16 KiB
        public const int HeaderSize = 64;
        public const int MaxSmall = 4096;
        public const int ClassCount = 16;

        private const uint SlabMagic = 0x534C4142;    // "SLAB"
        private const uint LargeMagic = 0x4C415247;   // "LARG"

        private struct Header
        {
            public uint Magic;
            public ushort ClassIndex;
            public ushort FreeCount;
            public ushort Capacity;
            public ushort Reserved;
            public void* FreeList;
            public Header* Next, Prev;             // partial-slab list of the class
            public ulong LargeSize;
            public ulong LargePages;
        }

        private PageAllocator* _pages;
        private fixed ulong _partial[ClassCount];     // slabs with at least one free object
        private fixed ulong _empty[ClassCount];       // at most one cached empty slab per class
        private ulong _bytesInUse, _allocations, _frees;

        public ulong BytesInUse => _bytesInUse;
        public ulong Allocations => _allocations;
        public ulong Frees => _frees;

        public static int ClassSize(int index) => index switch
        {
            0 => 16, 1 => 32, 2 => 48, 3 => 64, 4 => 96, 5 => 128, 6 => 192, 7 => 256,
            8 => 384, 9 => 512, 10 => 768, 11 => 1024, 12 => 1536, 13 => 2048, 14 => 3072, _ => 4096,
        };

        public static int ClassFor(ulong size)
        {
            for (int i = 0; i < ClassCount; i++) if (size <= (ulong)ClassSize(i)) return i;
            return -1;
        }

        public void Initialize(PageAllocator* pages)
        {
            _pages = pages;
            for (int i = 0; i < ClassCount; i++) { _partial[i] = 0; _empty[i] = 0; }
            _bytesInUse = _allocations = _frees = 0;
        }

        // Returns 16-byte aligned memory, or null when physical memory is exhausted.
        public void* Allocate(ulong size)
        {
            if (size == 0) size = 1;
            int cls = ClassFor(size);
            void* p = cls < 0 ? AllocateLarge(size) : AllocateSmall(cls);
            if (p != null) _allocations++;
            return p;
        }

        public void Free(void* p)
        {
            if (p == null) return;
            Header* h = (Header*)((ulong)p & ~(SlabSize - 1));
            if (h->Magic == LargeMagic && (ulong)p == (ulong)h + HeaderSize)
            {
                _bytesInUse -= h->LargeSize;
                h->Magic = 0;
                _pages->FreeExact((ulong)h - _pages->DirectMapBase, h->LargePages);
                _frees++;
                return;
            }
            if (h->Magic != SlabMagic) Panic.Fail("heap: free of a pointer the heap does not own");
            int cls = h->ClassIndex;
            ulong objSize = (ulong)ClassSize(cls);
            if (((ulong)p - (ulong)h - HeaderSize) % objSize != 0) Panic.Fail("heap: free of a pointer inside an object");
            *(void**)p = h->FreeList;
            ((ulong*)p)[1] = FreeTag;
            h->FreeList = p;
            h->FreeCount++;
            _bytesInUse -= objSize;
            _frees++;
            if (h->FreeCount == 1) PushPartial(h, cls);
            if (h->FreeCount == h->Capacity)
            {
                UnlinkPartial(h, cls);
                if (_empty[cls] == 0) _empty[cls] = (ulong)h;
                else { h->Magic = 0; _pages->Free((ulong)h - _pages->DirectMapBase, SlabOrder); }
            }
        }

        // Whether p is the start of a block this heap handed out (live or free): lets the C library
        // refuse a pointer that is not, instead of corrupting the heap. Pointers outside the memory
        // the page allocator manages are refused without being touched.
        public bool Owns(void* p)
        {
            if (((ulong)p & 15) != 0 || !_pages->Covers((ulong)p)) return false;
            Header* h = (Header*)((ulong)p & ~(SlabSize - 1));
            if (!_pages->Covers((ulong)h)) return false;
            if (h->Magic == LargeMagic) return (ulong)p == (ulong)h + HeaderSize;
            if (h->Magic != SlabMagic || (ulong)p < (ulong)h + HeaderSize) return false;
            return ((ulong)p - (ulong)h - HeaderSize) % (ulong)ClassSize(h->ClassIndex) == 0;
        }

        // Whether a block p (which Owns) is on its slab's free list: a second free of it. A freed
        // block carries FreeTag in its second word, so the list is walked only when the tag is there
        // (a live block that happens to hold the same value costs a walk, not a false alarm).
        private const ulong FreeTag = 0x45455246_50414548;      // "HEAPFREE"

        public bool IsFree(void* p)
        {
            Header* h = (Header*)((ulong)p & ~(SlabSize - 1));
            if (h->Magic != SlabMagic || ((ulong*)p)[1] != FreeTag) return false;
            for (void* f = h->FreeList; f != null; f = *(void**)f) if (f == p) return true;
            return false;
        }

        // Usable size of an allocation (for realloc).
        public ulong UsableSize(void* p)
        {
            Header* h = (Header*)((ulong)p & ~(SlabSize - 1));
            if (h->Magic == LargeMagic) return h->LargeSize;
            return (ulong)ClassSize(h->ClassIndex);
        }

        private void* AllocateSmall(int cls)
        {
            Header* h = (Header*)_partial[cls];
            if (h == null)
            {
                h = (Header*)_empty[cls];
                if (h != null) _empty[cls] = 0;
                else
                {
                    h = NewSlab(cls);
                    if (h == null) return null;
                }
                PushPartial(h, cls);
            }
            void* p = h->FreeList;
            h->FreeList = *(void**)p;
            ((ulong*)p)[1] = 0;                        // no longer tagged free
            h->FreeCount--;
            if (h->FreeCount == 0) UnlinkPartial(h, cls);
            _bytesInUse += (ulong)ClassSize(cls);
            return p;
        }

        private Header* NewSlab(int cls)
        {
            ulong phys = _pages->Allocate(SlabOrder);
            if (phys == 0) return null;
            Header* h = (Header*)(phys + _pages->DirectMapBase);
            int size = ClassSize(cls);
            int capacity = (int)((SlabSize - HeaderSize) / (ulong)size);
            h->Magic = SlabMagic;
            h->ClassIndex = (ushort)cls;
            h->Capacity = (ushort)capacity;
            h->FreeCount = (ushort)capacity;
            h->Next = h->Prev = null;
            byte* first = (byte*)h + HeaderSize;
            h->FreeList = first;
            for (int i = 0; i < capacity; i++)
                *(void**)(first + i * size) = i + 1 < capacity ? first + (i + 1) * size : null;
            return h;
        }

        private void* AllocateLarge(ulong size)
        {
            // Exact page count (the buddy block's unused tail is returned); at least a slab's worth so
            // the block is slab-aligned and Free can find the header by masking.
            ulong pages = (size + HeaderSize + PageAllocator.PageSize - 1) >> PageAllocator.PageShift;
            if (pages < (1UL << SlabOrder)) pages = 1UL << SlabOrder;
            if (pages > (1UL << PageAllocator.MaxOrder)) return null;
            ulong phys = _pages->AllocateExact(pages);
            if (phys == 0) return null;
            Header* h = (Header*)(phys + _pages->DirectMapBase);
            h->Magic = LargeMagic;
            h->LargePages = pages;
            h->LargeSize = size;
            _bytesInUse += size;
            return (byte*)h + HeaderSize;
        }

        private void PushPartial(Header* h, int cls)
        {
            Header* head = (Header*)_partial[cls];
            h->Prev = null;
            h->Next = head;
            if (head != null) head->Prev = h;
            _partial[cls] = (ulong)h;
        }

        private void UnlinkPartial(Header* h, int cls)
        {
            if (h->Prev != null) h->Prev->Next = h->Next;
            else if (_partial[cls] == (ulong)h) _partial[cls] = (ulong)h->Next;
            if (h->Next != null) h->Next->Prev = h->Prev;
            h->Next = h->Prev = null;
        }
    }
}
