using Nimbus.Kernel.Memory;
using Xunit;

namespace Nimbus.Tests;

public unsafe class PageTablesTests : PageAllocatorFixture
{
    public PageTablesTests() : base(16 << 20) { }

    [Fact]
    public void MapsWithTheLargestPagesAlignmentAllows()
    {
        var pt = new PageTables();
        Assert.True(pt.Initialize(_pages));
        ulong free = _pages->FreePages;
        ulong virt = 0xffff800000000000UL;
        // 1 GiB + 2 MiB + 4 KiB: one 1G page, one 2M page, one 4K page.
        Assert.True(pt.Map(virt, 0x40000000, (1UL << 30) + (1UL << 21) + 4096, PageFlags.Writable | PageFlags.NoExecute, true, true));
        Assert.True(free - _pages->FreePages <= 4, $"{free - _pages->FreePages} table pages for three mappings");
        Assert.True(pt.Translate(virt + 0x12345678, out ulong phys, out var flags));
        Assert.Equal(0x40000000UL + 0x12345678, phys);
        Assert.True((flags & PageFlags.Huge) != 0 && (flags & PageFlags.NoExecute) != 0 && (flags & PageFlags.Writable) != 0);
        Assert.True(pt.Translate(virt + (1UL << 30) + 5, out phys, out flags));
        Assert.Equal(0x40000000UL + (1UL << 30) + 5, phys);
        Assert.True(pt.Translate(virt + (1UL << 30) + (1UL << 21) + 100, out phys, out flags));
        Assert.Equal((flags & PageFlags.Huge), PageFlags.None);
        Assert.False(pt.Translate(virt + (1UL << 30) + (1UL << 21) + 4096, out _, out _));
    }

    [Fact]
    public void FourKMappingsUnmapAndKeepPermissions()
    {
        var pt = new PageTables();
        pt.Initialize(_pages);
        ulong v = 0xffffffff80100000UL;
        Assert.True(pt.Map(v, 0x100000, 3 * 4096, PageFlags.Global, allowHuge: false));
        Assert.True(pt.Translate(v + 4096 + 7, out ulong phys, out var flags));
        Assert.Equal(0x101007UL, phys);
        Assert.Equal(PageFlags.None, flags & (PageFlags.Writable | PageFlags.NoExecute | PageFlags.Huge));
        Assert.True(pt.Unmap(v + 4096));
        Assert.False(pt.Translate(v + 4096, out _, out _));
        Assert.True(pt.Translate(v + 8192, out _, out _));
        Assert.False(pt.Unmap(v + 4096));
        Assert.False(pt.Translate(0, out _, out _));
    }

    [Fact]
    public void OutOfTablePagesFailsCleanly()
    {
        var pt = new PageTables();
        pt.Initialize(_pages);
        while (_pages->Allocate(0) != 0) { }
        Assert.False(pt.Map(0x7f0000000000UL, 0, 4096, PageFlags.Writable));
    }
}
