namespace Nimbus.Kernel.Time
{
    // The arithmetic of KVM's paravirtual clock (pvclock): the hypervisor publishes, per vCPU, a
    // TSC timestamp, the system time at that timestamp, and a scale (mul, shift) turning TSC ticks
    // into nanoseconds. Pure: tested on the host.
    public static class Pvclock
    {
        // ns = ((ticks << shift, or >> -shift) * mul) >> 32, without a 128-bit type.
        public static ulong Scale(ulong ticks, uint mul, sbyte shift)
        {
            ticks = shift < 0 ? ticks >> -shift : ticks << shift;
            ulong high = (ticks >> 32) * mul, low = (ticks & 0xFFFFFFFF) * mul;
            return high + (low >> 32);
        }

        // The TSC frequency the scale describes: 2^32 * 10^9 / (mul * 2^shift).
        public static ulong FrequencyHz(uint mul, sbyte shift)
        {
            if (mul == 0) return 0;
            ulong hz = (1_000_000_000UL << 32) / mul;
            return shift < 0 ? hz << -shift : hz >> shift;
        }
    }
}
