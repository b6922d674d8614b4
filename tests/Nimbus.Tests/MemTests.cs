using Nimbus.Kernel.Memory;
using Xunit;

namespace Nimbus.Tests;

// Mem.Move and Mem.Set against byte-by-byte references: every length to 200, every alignment of
// both ends to 8, overlaps in both directions.
public unsafe class MemTests
{
    [Fact]
    public void MoveAndSetMatchByteLoops()
    {
        var area = new byte[512];
        var expect = new byte[512];
        int cases = 0;
        fixed (byte* a = area)
            for (int n = 0; n <= 200; n++)
                for (int da = 0; da < 8; da++)
                    for (int shift = -40; shift <= 40; shift += 3)
                    {
                        for (int op = 0; op < 2; op++)
                        {
                            for (int i = 0; i < area.Length; i++) area[i] = expect[i] = (byte)(i * 13 + n);
                            int d = 100 + da, s = d + shift;
                            if (op == 0)
                            {
                                var copy = expect.AsSpan(s, n).ToArray();
                                copy.CopyTo(expect.AsSpan(d, n));
                                Mem.Move(a + d, a + s, (nuint)n);
                            }
                            else
                            {
                                expect.AsSpan(d, n).Fill((byte)(0x80 + da));
                                Mem.Set(a + d, (byte)(0x80 + da), (nuint)n);
                            }
                            cases++;
                            Assert.True(area.AsSpan().SequenceEqual(expect), $"op {op}, length {n}, destination {d}, source {s}");
                        }
                    }
        Assert.True(cases > 50_000);
    }
}
