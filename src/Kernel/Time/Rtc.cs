using Nimbus.Kernel.Arch.X64;

namespace Nimbus.Kernel.Time
{
    // The CMOS real-time clock, read once at boot for the wall clock (CLOCK_REALTIME later).
    // Reads until two consecutive snapshots agree, so an update in progress cannot tear the value.
    internal static class Rtc
    {
        private const ushort Index = 0x70, Data = 0x71;

        private static byte Read(byte reg)
        {
            Cpu.OutByte(Index, reg);
            return Cpu.InByte(Data);
        }

        private static bool UpdateInProgress() => (Read(0x0A) & 0x80) != 0;

        // Seconds since 1970-01-01 UTC, or 0 when there is no RTC.
        public static ulong ReadUnixSeconds()
        {
            if (Read(0x0D) == 0xFF && Read(0x0A) == 0xFF) return 0;      // no CMOS here
            ulong a = 0, b = 1;
            for (int attempt = 0; attempt < 10 && a != b; attempt++)
            {
                for (int i = 0; i < 100000 && UpdateInProgress(); i++) Cpu.Pause();
                a = Snapshot();
                for (int i = 0; i < 100000 && UpdateInProgress(); i++) Cpu.Pause();
                b = Snapshot();
            }
            return a;
        }

        private static ulong Snapshot()
        {
            byte status = Read(0x0B);
            bool binary = (status & 0x04) != 0, h24 = (status & 0x02) != 0;
            int sec = Decode(Read(0x00), binary), min = Decode(Read(0x02), binary);
            byte hourRaw = Read(0x04);
            bool pm = (hourRaw & 0x80) != 0;
            int hour = Decode((byte)(hourRaw & 0x7F), binary);
            if (!h24) { hour %= 12; if (pm) hour += 12; }
            int day = Decode(Read(0x07), binary), month = Decode(Read(0x08), binary), year = Decode(Read(0x09), binary);
            int century = Decode(Read(0x32), binary);
            year += century >= 19 && century <= 30 ? century * 100 : 2000;
            return (ulong)DaysFromCivil(year, month, day) * 86400 + (ulong)(hour * 3600 + min * 60 + sec);
        }

        private static int Decode(byte v, bool binary) => binary ? v : (v & 0x0F) + (v >> 4) * 10;

        // Days since 1970-01-01 of a proleptic Gregorian date.
        public static long DaysFromCivil(int y, int m, int d)
        {
            y -= m <= 2 ? 1 : 0;
            long era = (y >= 0 ? y : y - 399) / 400;
            long yoe = y - era * 400;
            long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
            long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            return era * 146097 + doe - 719468;
        }
    }
}
