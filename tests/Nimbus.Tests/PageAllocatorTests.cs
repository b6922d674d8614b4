using Nimbus.Kernel.Diagnostics;
using Nimbus.Kernel.Memory;
using Xunit;

namespace Nimbus.Tests;

public unsafe class PageAllocatorTests
{
    private const ulong Page = PageAllocator.PageSize;

    private static PageAllocator* Create(FakeRam ram, ulong offset = 0)
    {
        var pa = (PageAllocator*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)sizeof(PageAllocator));
        var set = new PhysicalRangeSet(new PhysicalRange[8]);
        set.Add(ram.Start + offset, ram.End);
        pa->Initialize(ram.Start, ram.End, ref set, 0);
        return pa;
    }

    // Covers all of ram, with only its first 4 MiB free.
    private static PageAllocator* CreateOverFirst4MiB(FakeRam ram)
    {
        var pa = (PageAllocator*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)sizeof(PageAllocator));
        var set = new PhysicalRangeSet(new PhysicalRange[8]);
        set.Add(ram.Start, ram.Start + (4 << 20));
        pa->Initialize(ram.Start, ram.End, ref set, 0);
        return pa;
    }

    [Fact]
    public void AllBlocksAreAlignedDisjointAndInsideRam()
    {
        using var ram = new FakeRam(32 << 20);
        var pa = Create(ram, 12345);
        ulong total = pa->FreePages;
        Assert.True(total > 8000 && total < 8192, $"free pages {total}");
        var rng = new Random(1);
        var blocks = new List<(ulong Addr, int Order)>();
        var owner = new Dictionary<ulong, int>();
        for (int i = 0; i < 3000; i++)
        {
            if (blocks.Count > 0 && rng.Next(3) == 0)
            {
                int k = rng.Next(blocks.Count);
                var b = blocks[k];
                blocks.RemoveAt(k);
                Assert.Equal(b.Order, pa->AllocatedOrder(b.Addr));
                pa->Free(b.Addr, b.Order);
                for (ulong p = 0; p < (1UL << b.Order); p++) owner.Remove(b.Addr + p * Page);
                continue;
            }
            int order = rng.Next(6);
            ulong a = pa->Allocate(order);
            if (a == 0) continue;
            Assert.Equal(0UL, a % (Page << order));
            Assert.True(a >= ram.Start && a + (Page << order) <= ram.End);
            for (ulong p = 0; p < (1UL << order); p++) Assert.True(owner.TryAdd(a + p * Page, i), "page handed out twice");
            blocks.Add((a, order));
        }
        Assert.Equal(pa->CountFreePagesSlow(), pa->FreePages);
        foreach (var b in blocks) pa->Free(b.Addr, b.Order);
        Assert.Equal(total, pa->FreePages);
        Assert.Equal(total, pa->CountFreePagesSlow());
    }

    [Fact]
    public void FreedBuddiesCoalesceBackIntoLargeBlocks()
    {
        using var ram = new FakeRam(8 << 20);
        var pa = Create(ram);
        // The RAM holds one 2 MiB-aligned region; after metadata, some order-9 blocks are free.
        var pages = new List<ulong>();
        ulong a;
        while ((a = pa->Allocate(0)) != 0) pages.Add(a);
        Assert.Equal(0UL, pa->FreePages);
        Assert.Equal(0UL, pa->Allocate(9));
        foreach (var p in pages) pa->Free(p, 0);
        ulong big = pa->Allocate(9);
        Assert.NotEqual(0UL, big);
        pa->Free(big, 9);
    }

    [Fact]
    public void ExhaustionReturnsZeroAndDoubleFreePanics()
    {
        using var ram = new FakeRam(1 << 20);
        var pa = Create(ram);
        Assert.Equal(0UL, pa->Allocate(PageAllocator.MaxOrder));
        Assert.Equal(0UL, pa->Allocate(PageAllocator.MaxOrder + 1));
        ulong p = pa->Allocate(0);
        pa->Free(p, 0);
        Assert.Throws<KernelPanicException>(() => pa->Free(p, 0));
        ulong q = pa->Allocate(1);
        Assert.Throws<KernelPanicException>(() => pa->Free(q, 0));   // wrong order
    }

    [Fact]
    public void AddFreeRangeExtendsThePool()
    {
        using var ram = new FakeRam(16 << 20);
        var pa = CreateOverFirst4MiB(ram);
        ulong before = pa->TotalPages;
        pa->AddFreeRange(ram.Start + (8 << 20), ram.End);
        Assert.Equal(before + 2048, pa->TotalPages);
        Assert.NotEqual(0UL, pa->Allocate(10));   // a 4 MiB block exists only in the added range
        Assert.Throws<KernelPanicException>(() => pa->AddFreeRange(ram.End, ram.End + (1 << 20)));
    }

    [Fact]
    public void InitialisationTouchesNoFreePage()
    {
        // Free pages must stay untouched: the host backs guest RAM lazily.
        using var ram = new FakeRam(16 << 20);
        new Span<byte>(ram.Base, (int)ram.Size).Fill(0xCC);
        var pa = Create(ram);
        ulong p = pa->Allocate(10);
        for (ulong i = 0; i < (Page << 10); i++) Assert.Equal(0xCC, ((byte*)p)[i]);
    }

    [Fact]
    public void InitialisationTouchesMetadataInProportionToBlocksNotRam()
    {
        // 256 MiB of frames: a 64 KiB state table (16 pages, one per 16 MiB of RAM) at the start of
        // RAM. The free range after the metadata makes one block per order up to 128 MiB, whose
        // heads lie in the state pages of 0, 16, 32, 64 and 128 MiB: only those may be written.
        using var ram = new FakeRam(256 << 20, 256 << 20);
        new Span<byte>(ram.Base, 1 << 20).Fill(0xCC);
        var pa = Create(ram);
        int touched = 0;
        for (int page = 0; page < 16; page++)
        {
            var bytes = new Span<byte>(ram.Base + page * (int)Page, (int)Page);
            if (bytes.IndexOfAnyExcept((byte)0xCC) >= 0) touched++;
        }
        Assert.True(touched <= 5, $"{touched} state pages touched");
        Assert.Equal(pa->CountFreePagesSlow(), pa->FreePages);
    }

    [Fact]
    public void LazyRangesAreCountedFreeAndHandedOutWhenTheListsRunDry()
    {
        using var ram = new FakeRam(16 << 20);
        var pa = CreateOverFirst4MiB(ram);
        ulong eager = pa->FreePages;
        pa->AddLazyRange(ram.Start + (8 << 20), ram.End);
        Assert.Equal(eager + 2048, pa->FreePages);
        Assert.Equal(pa->FreePages, pa->CountFreePagesSlow());
        var got = new HashSet<ulong>();
        ulong a;
        while ((a = pa->Allocate(0)) != 0) Assert.True(got.Add(a), "page handed out twice");
        Assert.Equal((ulong)got.Count, eager + 2048);
        Assert.Equal(0UL, pa->FreePages);
        Assert.Contains(ram.End - Page, got);
        foreach (var p in got) pa->Free(p, 0);
        Assert.Equal(eager + 2048, pa->FreePages);
        Assert.Equal(pa->FreePages, pa->CountFreePagesSlow());
    }
}
