using Nimbus.Kernel.Diagnostics;
using Nimbus.Kernel.Memory;
using Xunit;

namespace Nimbus.Tests;

public unsafe class HeapTests : IDisposable
{
    private readonly FakeRam _ram = new(64 << 20);
    private readonly PageAllocator* _pages;
    private readonly Heap* _heap;

    public HeapTests()
    {
        _pages = (PageAllocator*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)sizeof(PageAllocator));
        var set = new PhysicalRangeSet(new PhysicalRange[8]);
        set.Add(_ram.Start, _ram.End);
        _pages->Initialize(_ram.Start, _ram.End, ref set, 0);
        _heap = (Heap*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)sizeof(Heap));
        _heap->Initialize(_pages);
    }

    public void Dispose() => _ram.Dispose();

    // Owns tells the starts of blocks the heap handed out from anything else, and IsFree the blocks
    // already freed, so free() can refuse a bad pointer or a double free before it corrupts a slab.
    [Fact]
    public void OwnsOnlyTheStartsOfItsBlocks()
    {
        byte* small = (byte*)_heap->Allocate(100);       // 128-byte class
        byte* odd = (byte*)_heap->Allocate(40);          // 48-byte class: not a power of two
        byte* large = (byte*)_heap->Allocate(20000);
        Assert.True(_heap->Owns(small) && _heap->Owns(odd) && _heap->Owns(large));
        Assert.False(_heap->Owns(small + 16), "inside a small block");
        Assert.False(_heap->Owns(odd + 16), "inside an odd-sized block");
        Assert.False(_heap->Owns(large + 64), "inside a large block");
        Assert.False(_heap->Owns(small + 1), "misaligned");
        Assert.False(_heap->Owns((void*)0x1000), "below the direct map: refused without being read");
        var foreign = stackalloc byte[64];
        Assert.False(_heap->Owns(foreign), "not heap memory");
        Assert.False(_heap->IsFree(small));
        byte* neighbour = (byte*)_heap->Allocate(100);
        _heap->Free(small);
        Assert.True(_heap->IsFree(small), "a freed block is recognised (a second free of it is a double free)");
        Assert.False(_heap->IsFree(neighbour));
        *(ulong*)(neighbour + 8) = 0x45455246_50414548;      // a live block holding the tag by chance
        Assert.False(_heap->IsFree(neighbour), "the tag alone is not enough");
        byte* again = (byte*)_heap->Allocate(100);
        Assert.True(again == small);                         // the slab hands the freed block out again
        Assert.False(_heap->IsFree(again));
        _heap->Free(again);
        _heap->Free(neighbour);
        _heap->Free(odd);
        _heap->Free(large);
    }

    [Fact]
    public void RandomAllocFreeKeepsContentsAndAccounting()
    {
        var rng = new Random(7);
        var live = new List<(IntPtr P, int Size, byte Fill)>();
        ulong freeBefore = _pages->FreePages;
        for (int i = 0; i < 20000; i++)
        {
            if (live.Count > 0 && rng.Next(2) == 0)
            {
                int k = rng.Next(live.Count);
                var (p, size, fill) = live[k];
                live.RemoveAt(k);
                for (int j = 0; j < size; j++) Assert.Equal(fill, ((byte*)p)[j]);
                _heap->Free((void*)p);
                continue;
            }
            int sz = rng.Next(8) == 0 ? rng.Next(4097, 200_000) : rng.Next(1, 4097);
            byte* q = (byte*)_heap->Allocate((ulong)sz);
            Assert.True(q != null);
            Assert.Equal(0UL, (ulong)q % 16);
            Assert.True(_heap->UsableSize(q) >= (ulong)sz);
            byte f = (byte)rng.Next(256);
            new Span<byte>(q, sz).Fill(f);
            live.Add(((IntPtr)q, sz, f));
        }
        foreach (var (p, _, _) in live) _heap->Free((void*)p);
        Assert.Equal(0UL, _heap->BytesInUse);
        Assert.Equal(_heap->Allocations, _heap->Frees);
        // Only cached empty slabs (one per class, 4 pages each) may stay out of the page allocator.
        Assert.True(_pages->FreePages + 4UL * Heap.ClassCount >= freeBefore, $"{freeBefore - _pages->FreePages} pages kept");
    }

    [Fact]
    public void SizeClassesCoverEverySmallSize()
    {
        for (ulong s = 1; s <= Heap.MaxSmall; s++)
        {
            int c = Heap.ClassFor(s);
            Assert.True(c >= 0 && (ulong)Heap.ClassSize(c) >= s);
            Assert.True(c == 0 || (ulong)Heap.ClassSize(c - 1) < s, $"size {s} not in its smallest class");
        }
        Assert.Equal(-1, Heap.ClassFor(Heap.MaxSmall + 1));
    }

    [Fact]
    public void ExhaustionReturnsNullAndBadFreePanics()
    {
        var ptrs = new List<IntPtr>();
        void* p;
        ulong free = _pages->FreePages;
        while ((p = _heap->Allocate(1 << 20)) != null) ptrs.Add((IntPtr)p);
        // Each 1 MiB object takes one 2 MiB-aligned buddy block but keeps only 257 pages of it.
        Assert.True(ptrs.Count >= 28, $"{ptrs.Count} objects of 1 MiB in 64 MiB");
        Assert.Equal(free - (ulong)ptrs.Count * 257, _pages->FreePages);
        Assert.True(_heap->Allocate(1UL << 40) == null);
        foreach (var q in ptrs) _heap->Free((void*)q);
        byte* small = (byte*)_heap->Allocate(100);
        Assert.Throws<KernelPanicException>(() => _heap->Free(small + 16));   // inside an object
        Assert.Throws<KernelPanicException>(() => _heap->Free((void*)(_ram.Start + (60 << 20) + 64)));  // not heap memory
    }
}
