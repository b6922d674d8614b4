using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Libc.Stdlib;
using Nimbus.Kernel.Libc.String;

namespace Nimbus.Kernel.Libc.Time
{
    // Local time as glibc sets it up (TimeZoneRules.cs does the arithmetic): TZ unset reads
    // /etc/localtime; TZ empty means "Universal"; otherwise TZ (a leading ':' dropped) names a TZif
    // file (absolute, or under $TZDIR or /usr/share/zoneinfo) and, when there is none, is read as a
    // POSIX TZ string. With no file and no TZ the zone is UTC. Zone files come into the image through
    // a manifest. A zone, once loaded, is kept: tm_zone and tzname point into it.
    internal static unsafe class Zones
    {
        [StructLayout(LayoutKind.Sequential)]
        private struct ZoneData { public int Daylight, Pad; public long Timezone; public byte* Name0, Name1; }

        [RuntimeImport("*", "libc_zone_data_address")] [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern ZoneData* Data();

        private static TimeZone* s_zone;
        private static byte* s_loadedTz;            // the TZ value s_zone came from (a copy), or null for unset
        private static bool s_loadedUnset;
        private static long s_mktimeGuess;          // glibc's localtime_offset
        private static Tm s_static;                 // localtime's result
        // A copy relocation moved the variables into the program: those copies are the variables.
        private static int* s_daylightCopy;
        private static long* s_timezoneCopy;
        private static byte** s_tznameCopy;

        public static void Redirect(byte* name, ulong copy)
        {
            if (Is(name, "daylight"u8) || Is(name, "__daylight"u8)) s_daylightCopy = (int*)copy;
            else if (Is(name, "timezone"u8) || Is(name, "__timezone"u8)) s_timezoneCopy = (long*)copy;
            else if (Is(name, "tzname"u8) || Is(name, "__tzname"u8)) s_tznameCopy = (byte**)copy;
        }

        private static bool Is(byte* name, System.ReadOnlySpan<byte> what) => Strings.CompareStrings(name, Strings.Literal(what), ulong.MaxValue) == 0;

        private static void Publish()
        {
            TimeZone* z = s_zone;
            ZoneData* d = Data();
            d->Daylight = z->Daylight; d->Timezone = z->Timezone; d->Name0 = z->Name0; d->Name1 = z->Name1;
            if (s_daylightCopy != null) *s_daylightCopy = z->Daylight;
            if (s_timezoneCopy != null) *s_timezoneCopy = z->Timezone;
            if (s_tznameCopy != null) { s_tznameCopy[0] = z->Name0; s_tznameCopy[1] = z->Name1; }
        }

        private static TimeZone* NewZone(ulong extra)
        {
            ulong size = (ulong)sizeof(TimeZone) + TimeZoneRules.NameRoom + extra;
            byte* block = (byte*)Malloc.Allocate(size);
            if (block == null) return null;
            Mem.Set(block, 0, (nuint)size);
            TimeZone* z = (TimeZone*)block;
            z->Names = block + sizeof(TimeZone);
            return z;
        }

        // The whole file at `path` in a new zone, or null when it is absent or not TZif.
        private static TimeZone* LoadFile(byte* path)
        {
            int fd = Vfs.Open(path, Vfs.ORdOnly | Vfs.OCloExec, 0);
            if (fd < 0) return null;
            long size = Vfs.Seek(fd, 0, 2);
            Vfs.Seek(fd, 0, 0);
            TimeZone* z = size > 0 && size < 1 << 20 ? NewZone((ulong)size) : null;
            if (z != null)
            {
                byte* data = z->Names + TimeZoneRules.NameRoom;
                ulong got = 0;
                while (got < (ulong)size) { long n = Vfs.Read(fd, data + got, (ulong)size - got); if (n <= 0) break; got += (ulong)n; }
                if (got != (ulong)size || !TimeZoneRules.LoadFile(z, data, got)) { Malloc.Free(z); z = null; }
            }
            Vfs.Close(fd);
            return z;
        }

        private static bool SameTz(byte* tz)
        {
            if (s_zone == null) return false;
            if (tz == null) return s_loadedUnset;
            if (s_loadedUnset || s_loadedTz == null) return false;
            return Strings.CompareStrings(tz, s_loadedTz, ulong.MaxValue) == 0;
        }

        // glibc's tzset_internal: localtime_r loads once, tzset/localtime/mktime whenever TZ changed.
        public static void Set(bool always)
        {
            if (s_zone != null && !always) return;
            byte* tz = Environ.GetEnvironment(Strings.Literal("TZ"u8));
            if (SameTz(tz)) return;
            byte* name = tz == null ? Strings.Literal("/etc/localtime"u8) : *tz == 0 ? Strings.Literal("Universal"u8) : tz;
            if (*name == ':') name++;
            TimeZone* z = null;
            if (*name == '/') z = LoadFile(name);
            else
            {
                byte* dir = Environ.GetEnvironment(Strings.Literal("TZDIR"u8));
                if (dir == null || *dir == 0) dir = Strings.Literal("/usr/share/zoneinfo"u8);
                ulong dl = Strings.Length(dir), nl = Strings.Length(name);
                byte* path = (byte*)Malloc.Allocate(dl + nl + 2);
                if (path != null)
                {
                    Mem.Move(path, dir, (nuint)dl);
                    path[dl] = (byte)'/';
                    Mem.Move(path + dl + 1, name, (nuint)nl + 1);
                    z = LoadFile(path);
                    Malloc.Free(path);
                }
            }
            if (z == null)
            {
                z = NewZone(0);
                if (z == null) return;                           // out of memory: keep the old zone
                TimeZoneRules.ParseSpec(z, tz == null ? Strings.Literal("UTC0"u8) : name);
            }
            s_zone = z;
            s_loadedUnset = tz == null;
            if (tz != null)
            {
                ulong n = Strings.Length(tz);
                s_loadedTz = (byte*)Malloc.Allocate(n + 1);
                if (s_loadedTz != null) Mem.Move(s_loadedTz, tz, (nuint)n + 1);
            }
            else s_loadedTz = null;
            Publish();
        }

        [RuntimeExport("abi_tzset")]
        private static void Tzset() => Set(true);

        [RuntimeExport("abi_localtime_r")]
        private static Tm* LocaltimeR(long* t, Tm* tm)
        {
            Set(false);
            if (s_zone == null) return null;
            TimeZoneRules.Localtime(s_zone, *t, tm);
            Publish();
            return tm;
        }

        [RuntimeExport("abi_localtime")]
        private static Tm* Localtime(long* t)
        {
            Set(true);
            if (s_zone == null) return null;
            fixed (Tm* tm = &s_static) { TimeZoneRules.Localtime(s_zone, *t, tm); Publish(); return tm; }
        }

        // timelocal is an alias (Libc/Aliases.txt).
        [RuntimeExport("abi_mktime")]
        public static long MakeTime(Tm* tm)
        {
            Set(true);
            if (s_zone == null) return -1;
            long t = TimeZoneRules.MakeTime(s_zone, tm, ref s_mktimeGuess);
            Publish();
            if (t == -1 && tm->Year != 69) LibcErrno.Set(Abi.Errno.EOVERFLOW);
            return t;
        }

        // strftime's %Z for a struct without a zone: tzname after tzset.
        public static byte* ZoneName(int dst)
        {
            Set(true);
            if (s_zone == null) return Strings.Literal("UTC"u8);
            return dst != 0 ? s_zone->Name1 : s_zone->Name0;
        }
    }
}
