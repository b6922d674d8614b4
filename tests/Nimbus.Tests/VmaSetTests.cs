using Nimbus.Kernel.Memory;
using Xunit;

namespace Nimbus.Tests;

// The application address space's region list, checked against a page-by-page model.
public unsafe class VmaSetTests
{
    private const int Pages = 256;
    private const ulong Base = 0x10000000;

    private static ulong Addr(int page) => Base + (ulong)page * VmaSet.PageSize;

    [Fact]
    public void RandomOperationsMatchAPageModel()
    {
        var storage = new Vma[Pages + 4];
        fixed (Vma* p = storage)
        {
            var set = new VmaSet();
            set.Initialize(p, storage.Length);
            var model = new int[Pages];           // 0: unmapped, else prot + 1 + 16 * kind
            var rng = new Random(1234);
            for (int step = 0; step < 20000; step++)
            {
                int a = rng.Next(Pages), b = rng.Next(Pages);
                int lo = Math.Min(a, b), hi = Math.Max(a, b) + 1;
                uint prot = (uint)rng.Next(8), kind = (uint)rng.Next(2);
                switch (rng.Next(3))
                {
                    case 0:
                        bool free = true;
                        for (int i = lo; i < hi; i++) free &= model[i] == 0;
                        Assert.Equal(free, set.IsFree(Addr(lo), Addr(hi)));
                        if (!free) break;
                        set.Add(Addr(lo), Addr(hi), prot, kind);
                        for (int i = lo; i < hi; i++) model[i] = (int)(prot + 1 + 16 * kind);
                        break;
                    case 1:
                        set.Remove(Addr(lo), Addr(hi));
                        for (int i = lo; i < hi; i++) model[i] = 0;
                        break;
                    default:
                        bool full = true;
                        for (int i = lo; i < hi; i++) full &= model[i] != 0;
                        Assert.Equal(full, set.Protect(Addr(lo), Addr(hi), prot));
                        if (full) for (int i = lo; i < hi; i++) model[i] = (int)(prot + 1 + 16 * ((model[i] - 1) / 16));
                        break;
                }
                CheckAgainstModel(ref set, model);
                int want = rng.Next(1, 40);
                ulong found = set.FindFreeTopDown((ulong)want * VmaSet.PageSize, Addr(0), Addr(Pages));
                Assert.Equal(ExpectedTopDown(model, want), found == 0 ? -1 : (int)((found - Base) / VmaSet.PageSize));
            }
        }
    }

    private static int ExpectedTopDown(int[] model, int want)
    {
        for (int start = Pages - want; start >= 0; start--)
        {
            bool ok = true;
            for (int i = start; i < start + want && ok; i++) ok = model[i] == 0;
            if (ok) return start;
        }
        return -1;
    }

    private static void CheckAgainstModel(ref VmaSet set, int[] model)
    {
        for (int i = 0; i < set.Count; i++)
        {
            Vma v = set[i];
            Assert.True(v.Start < v.End);
            if (i > 0)
            {
                Vma prev = set[i - 1];
                Assert.True(prev.End <= v.Start, "regions overlap or are out of order");
                Assert.False(prev.End == v.Start && prev.Prot == v.Prot && prev.Kind == v.Kind, "touching equal regions were not merged");
            }
        }
        for (int page = 0; page < Pages; page++)
        {
            int idx = set.IndexOf(Addr(page) + 100);
            if (model[page] == 0) { Assert.Equal(-1, idx); continue; }
            Assert.True(idx >= 0, $"page {page} should be mapped");
            Assert.Equal(model[page], (int)(set[idx].Prot + 1 + 16 * set[idx].Kind));
        }
    }

    [Fact]
    public void NeverUsesMoreThanTwoSpareSlotsPerOperation()
    {
        var storage = new Vma[3];
        fixed (Vma* p = storage)
        {
            var set = new VmaSet();
            set.Initialize(p, 3);
            set.Add(Addr(0), Addr(10), 3, 0);
            Assert.True(set.Protect(Addr(4), Addr(6), 1));      // one region becomes three
            Assert.Equal(3, set.Count);
            Assert.Equal(Addr(4), set[1].Start);
            Assert.Equal(1u, set[1].Prot);
        }
    }
}

// Range operations over application page tables.
public unsafe class PageTablesRangeTests : PageAllocatorFixture
{
    public PageTablesRangeTests() : base(16 << 20) { }

    [Fact]
    public void ProtectAndUnmapVisitOnlyMappedPagesAndFreeTheirFrames()
    {
        var pt = new PageTables();
        Assert.True(pt.Initialize(_pages));
        ulong start = 0x7f0000001000UL;
        for (int i = 0; i < 600; i += 2)            // every other page, across a 2 MiB boundary
        {
            ulong frame = _pages->Allocate(0);
            Assert.True(pt.Map(start + (ulong)i * 4096, frame, 4096, PageFlags.Writable | PageFlags.NoExecute, false));
        }
        ulong free = _pages->FreePages;
        Assert.Equal(300UL, pt.CountMapped(start, start + 600 * 4096));
        Assert.Equal(50UL, pt.Protect(start + 100 * 4096, start + 200 * 4096, PageFlags.NoExecute));
        Assert.True(pt.Translate(start + 100 * 4096, out _, out var flags));
        Assert.Equal(PageFlags.None, flags & PageFlags.Writable);
        Assert.True(pt.Translate(start + 98 * 4096, out _, out flags));
        Assert.NotEqual(PageFlags.None, flags & PageFlags.Writable);
        // A huge empty reservation: nothing to visit, nothing freed.
        Assert.Equal(0UL, pt.UnmapAndFree(0x100000000000UL, 0x500000000000UL));
        Assert.Equal(300UL, pt.UnmapAndFree(0, 0x800000000000UL));
        Assert.Equal(free + 300, _pages->FreePages);
        Assert.False(pt.Translate(start, out _, out _));
    }
}

public unsafe class PageTablesProtNoneTests : PageAllocatorFixture
{
    public PageTablesProtNoneTests() : base(4 << 20) { }

    [Fact]
    public void ProtNoneKeepsTheFrameAndItComesBack()
    {
        var pt = new PageTables();
        Assert.True(pt.Initialize(_pages));
        ulong frame = _pages->Allocate(0);
        ulong va = 0x400000;
        Assert.True(pt.Map(va, frame, 4096, PageFlags.Writable | PageFlags.NoExecute, false));
        Assert.Equal(1UL, pt.Protect(va, va + 4096, PageFlags.ProtNone));
        Assert.False(pt.Translate(va, out _, out _));
        Assert.Equal(1UL, pt.Protect(va, va + 4096, PageFlags.NoExecute));
        Assert.True(pt.Translate(va, out ulong phys, out var flags));
        Assert.Equal(frame, phys);
        Assert.Equal(PageFlags.None, flags & PageFlags.Writable);
        ulong free = _pages->FreePages;
        pt.Protect(va, va + 4096, PageFlags.ProtNone);
        Assert.Equal(1UL, pt.UnmapAndFree(va, va + 4096));      // a PROT_NONE frame is freed too
        Assert.Equal(free + 1, _pages->FreePages);
    }
}

// A page allocator over fake RAM, for tests of code that takes page frames from it.
public abstract unsafe class PageAllocatorFixture : IDisposable
{
    private readonly FakeRam _ram;
    protected readonly PageAllocator* _pages;

    protected PageAllocatorFixture(ulong bytes)
    {
        _ram = new FakeRam(bytes);
        _pages = (PageAllocator*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)sizeof(PageAllocator));
        var set = new PhysicalRangeSet(new PhysicalRange[8]);
        set.Add(_ram.Start, _ram.End);
        _pages->Initialize(_ram.Start, _ram.End, ref set, 0);
    }

    public void Dispose() => _ram.Dispose();
}
