namespace Nimbus.Kernel.Libc.Time
{
    // Local time: the VM's time zone is UTC (localtime is gmtime, mktime is timegm: Aliases.txt).
    internal static unsafe class Zones
    {
        public static long MakeTime(Tm* tm) => TimeFunctions.FromCalendar(tm);
        public static byte* ZoneName(int dst) => String.Strings.Literal("UTC"u8);
    }
}
