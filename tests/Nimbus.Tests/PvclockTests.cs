using System.Numerics;
using Nimbus.Kernel.Time;
using Xunit;

namespace Nimbus.Tests;

// kvmclock's scale arithmetic against exact big-integer results.
public class PvclockTests
{
    private static ulong Exact(ulong ticks, uint mul, sbyte shift)
    {
        BigInteger t = shift < 0 ? ticks >> -shift : (BigInteger)ticks << shift;
        t &= ulong.MaxValue;                                 // the shifted value lives in 64 bits, as in the ABI
        return (ulong)((t * mul) >> 32);
    }

    [Fact]
    public void ScaleMatchesExactArithmetic()
    {
        var rng = new Random(5);
        for (int i = 0; i < 200_000; i++)
        {
            ulong ticks = (ulong)rng.NextInt64() >> rng.Next(0, 40);
            uint mul = (uint)rng.NextInt64(1, uint.MaxValue);
            sbyte shift = (sbyte)rng.Next(-8, 3);
            Assert.Equal(Exact(ticks, mul, shift), Pvclock.Scale(ticks, mul, shift));
        }
    }

    [Theory]
    [InlineData(2_000_000_000UL)]
    [InlineData(2_995_200_000UL)]
    [InlineData(1_000_000_000UL)]
    [InlineData(3_700_000_000UL)]
    public void FrequencyRoundTripsThroughTheScaleKvmWouldPublish(ulong hz)
    {
        // KVM picks shift so that mul (ns per tick, 32.32) is as precise as fits in 32 bits.
        sbyte shift = 0;
        BigInteger mul = ((BigInteger)1_000_000_000 << 32) / hz;
        while (mul >= uint.MaxValue) { shift++; mul >>= 1; }
        while (mul < (1u << 31)) { shift--; mul <<= 1; }
        ulong got = Pvclock.FrequencyHz((uint)mul, shift);
        Assert.InRange((double)got, hz * 0.999999, hz * 1.000001);
        // One second of ticks scales to one second of nanoseconds.
        Assert.InRange(Pvclock.Scale(hz, (uint)mul, shift), 999_999_000UL, 1_000_001_000UL);
    }
}
