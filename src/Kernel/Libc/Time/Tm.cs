using System.Runtime.InteropServices;

namespace Nimbus.Kernel.Libc.Time
{
    [StructLayout(LayoutKind.Sequential)]
    public struct TimeSpec { public long Seconds, Nanoseconds; }

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeVal { public long Seconds, Microseconds; }

    // struct tm
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct Tm
    {
        public int Sec, Min, Hour, MDay, Mon, Year, WDay, YDay, IsDst;
        public long GmtOff;
        public byte* Zone;
    }
}
