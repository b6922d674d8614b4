using Nimbus.Kernel.Memory;
using Xunit;

namespace Nimbus.Tests;

public class PhysicalRangeSetTests
{
    private static List<(ulong, ulong)> Contents(PhysicalRangeSet s)
    {
        var l = new List<(ulong, ulong)>();
        for (int i = 0; i < s.Count; i++) l.Add((s[i].Start, s[i].End));
        return l;
    }

    [Fact]
    public void AddMergesOverlappingAndTouchingRanges()
    {
        var s = new PhysicalRangeSet(new PhysicalRange[8]);
        s.Add(100, 200);
        s.Add(300, 400);
        s.Add(200, 250);     // touches the first
        s.Add(390, 500);     // overlaps the second
        Assert.Equal(new[] { (100UL, 250UL), (300UL, 500UL) }, Contents(s));
        s.Add(0, 1000);      // swallows everything
        Assert.Equal(new[] { (0UL, 1000UL) }, Contents(s));
    }

    [Fact]
    public void RemoveSplitsAndTrims()
    {
        var s = new PhysicalRangeSet(new PhysicalRange[8]);
        s.Add(0, 1000);
        s.Remove(100, 200);
        s.Remove(900, 2000);
        s.Remove(0, 50);
        Assert.Equal(new[] { (50UL, 100UL), (200UL, 900UL) }, Contents(s));
        s.Remove(0, ulong.MaxValue);
        Assert.Equal(0, s.Count);
    }

    [Fact]
    public void AlignInwardDropsRangesSmallerThanAPage()
    {
        var s = new PhysicalRangeSet(new PhysicalRange[8]);
        s.Add(0x1001, 0x3fff);
        s.Add(0x10000, 0x10fff);
        s.AlignInward(0x1000);
        Assert.Equal(new[] { (0x2000UL, 0x3000UL) }, Contents(s));
    }

    [Fact]
    public void FullSetPanicsInsteadOfCorrupting()
    {
        Assert.Throws<Nimbus.Kernel.Diagnostics.KernelPanicException>(() =>
        {
            var s = new PhysicalRangeSet(new PhysicalRange[2]);
            s.Add(0, 10);
            s.Add(20, 30);
            s.Add(40, 50);
        });
    }

    [Fact]
    public void RandomOperationsMatchABitmapModel()
    {
        var rng = new Random(42);
        for (int round = 0; round < 200; round++)
        {
            var model = new bool[512];
            var s = new PhysicalRangeSet(new PhysicalRange[600]);
            for (int op = 0; op < 40; op++)
            {
                int a = rng.Next(512), b = rng.Next(512);
                if (a > b) (a, b) = (b, a);
                bool add = rng.Next(3) != 0;
                if (add) s.Add((ulong)a, (ulong)b); else s.Remove((ulong)a, (ulong)b);
                for (int i = a; i < b; i++) model[i] = add;
            }
            var actual = new bool[512];
            ulong prevEnd = 0;
            for (int i = 0; i < s.Count; i++)
            {
                Assert.True(s[i].Start < s[i].End, "empty range kept");
                Assert.True(i == 0 || s[i].Start > prevEnd, "ranges not sorted, disjoint and merged");
                prevEnd = s[i].End;
                for (ulong x = s[i].Start; x < s[i].End; x++) actual[x] = true;
            }
            Assert.Equal(model, actual);
        }
    }
}
