// Reader for the boot archive: a newc cpio archive (`cpio -o -H newc`, the Linux initramfs format)
// that QEMU loads with -initrd. The kernel walks it in place: entries point into the archive, nothing
// is copied or allocated. Pure logic with no hardware access, so it is also tested on the host
// against archives made by GNU cpio and against corrupted and truncated input.
using System;

namespace Nimbus.Kernel.Fs
{
    public enum CpioStatus
    {
        Ok,             // `entry` holds the next entry
        End,            // the trailer was reached: the archive is complete
        Truncated,      // the data ends inside a header, name or file data, or before any trailer
        BadMagic,       // a header does not start with 070701 or 070702
        BadNumber,      // a header field is not eight hex digits
        BadName,        // the name size is 0, 1 or over 4096, or the name does not end with its NUL
        BadChecksum,    // 070702 entry whose regular-file data does not add up to the header's check field
    }

    public unsafe struct CpioEntry
    {
        public byte* Name;          // points into the archive; as stored ("./x", "/x" and "x" are left alone)
        public int NameLength;      // without the NUL
        public uint Mode;           // full st_mode, file type (S_IFMT) included
        public uint Uid, Gid, Nlink, Mtime, Ino, DevMajor, DevMinor, RdevMajor, RdevMinor;
        public uint Check;          // 070702 only: sum of the data bytes of a regular file
        public byte* Data;          // points into the archive; a symlink's data is its target (no NUL)
        public ulong Size;

        public const uint TypeMask = 0xF000;       // S_IFMT
        public const uint TypeDirectory = 0x4000;  // S_IFDIR
        public const uint TypeRegular = 0x8000;    // S_IFREG
        public const uint TypeSymlink = 0xA000;    // S_IFLNK

        public uint Type => Mode & TypeMask;
        public uint Permissions => Mode & 0xFFF;   // rwx for user/group/other plus setuid, setgid, sticky
        public bool IsDirectory => Type == TypeDirectory;
        public bool IsRegularFile => Type == TypeRegular;
        public bool IsSymlink => Type == TypeSymlink;
        public ReadOnlySpan<byte> NameBytes => new ReadOnlySpan<byte>(Name, NameLength);
    }

    // Iterates the entries of an archive in memory. Every read is checked against `length` first,
    // so no input, however malformed, makes it read outside [archive, archive + length).
    // Errors are sticky: after one, Next keeps returning it without moving.
    public unsafe struct CpioReader
    {
        private const int HeaderSize = 110;     // 6 magic + 13 fields of 8 hex digits
        private const int FieldCount = 13;
        private const uint MaxNameSize = 4096;  // PATH_MAX, NUL included, as Linux allows

        private readonly byte* _archive;
        private readonly ulong _length;
        private ulong _offset;
        private CpioStatus _final;             // Ok while entries remain, then End or the error

        public CpioReader(byte* archive, ulong length)
        {
            _archive = archive;
            _length = length;
            _offset = 0;
            _final = CpioStatus.Ok;
        }

        // Where the next header starts, or where the error was found; never more than the length.
        public ulong Offset => _offset;

        public CpioStatus Next(out CpioEntry entry)
        {
            entry = default;
            if (_final != CpioStatus.Ok) return _final;

            // The header after its magic, in order: ino mode uid gid nlink mtime filesize devmajor devminor
            // rdevmajor rdevminor namesize check.
            uint* fields = stackalloc uint[FieldCount];
            while (true)
            {
                ulong remaining = _length - _offset;
                byte* header = _archive + _offset;
                CpioStatus magic = CheckMagic(header, remaining, out bool hasChecksum);
                if (magic != CpioStatus.Ok) return Stop(magic);
                if (remaining < HeaderSize) return Stop(CpioStatus.Truncated);

                for (int i = 0; i < FieldCount; i++)
                    if (!ParseHex8(header + 6 + i * 8, out fields[i])) return Stop(CpioStatus.BadNumber);
                uint fileSize = fields[6], nameSize = fields[11];

                // The name size counts the NUL, so an empty name still has size 1: reject it too.
                if (nameSize < 2 || nameSize > MaxNameSize) return Stop(CpioStatus.BadName);
                ulong nameEnd = HeaderSize + (ulong)nameSize;     // relative to the header
                if (nameEnd > remaining) return Stop(CpioStatus.Truncated);
                byte* name = header + HeaderSize;
                int nameLength = (int)nameSize - 1;
                if (name[nameLength] != 0) return Stop(CpioStatus.BadName);
                for (int i = 0; i < nameLength; i++)
                    if (name[i] == 0) return Stop(CpioStatus.BadName);   // a NUL inside would hide the rest

                // Headers start 4-byte aligned, so aligning relative to the header aligns in the archive.
                ulong dataStart = Align4(nameEnd);
                bool isTrailer = IsTrailerName(name, nameLength);
                // The trailer may end the data without its padding; any other entry must be complete.
                if (!(isTrailer && fileSize == 0))
                    if (dataStart > remaining || fileSize > remaining - dataStart) return Stop(CpioStatus.Truncated);
                ulong next = Align4(dataStart + fileSize);
                if (next > remaining) next = remaining;   // only the last padding is missing: the next call reports it

                if (isTrailer)
                {
                    _offset += next;
                    if (SkipZeroPadding()) return Stop(CpioStatus.End);
                    continue;   // another archive follows (concatenated archives, as Linux accepts)
                }

                byte* data = header + dataStart;
                if (hasChecksum && (fields[1] & CpioEntry.TypeMask) == CpioEntry.TypeRegular
                    && Sum(data, fileSize) != fields[12])
                    return Stop(CpioStatus.BadChecksum);

                entry.Name = name;
                entry.NameLength = nameLength;
                entry.Ino = fields[0];
                entry.Mode = fields[1];
                entry.Uid = fields[2];
                entry.Gid = fields[3];
                entry.Nlink = fields[4];
                entry.Mtime = fields[5];
                entry.Size = fileSize;
                entry.DevMajor = fields[7];
                entry.DevMinor = fields[8];
                entry.RdevMajor = fields[9];
                entry.RdevMinor = fields[10];
                entry.Check = fields[12];
                entry.Data = data;
                _offset += next;
                return CpioStatus.Ok;
            }
        }

        // What went wrong, as ASCII for the console. (Byte arrays rather than "..."u8: the kernel CoreLib
        // lacks the ReadOnlySpan(T[], int, int) constructor that u8 literals need. A constant byte array
        // converted to ReadOnlySpan<byte> compiles to a pointer into the image: nothing is allocated.)
        public static ReadOnlySpan<byte> Describe(CpioStatus status)
        {
            switch (status)
            {
                case CpioStatus.Ok: return OkText;
                case CpioStatus.End: return EndText;
                case CpioStatus.Truncated: return TruncatedText;
                case CpioStatus.BadMagic: return BadMagicText;
                case CpioStatus.BadNumber: return BadNumberText;
                case CpioStatus.BadName: return BadNameText;
                case CpioStatus.BadChecksum: return BadChecksumText;
                default: return UnknownText;
            }
        }

        // "ok"
        private static ReadOnlySpan<byte> OkText => new byte[] { (byte)'o', (byte)'k' };
        // "end of archive"
        private static ReadOnlySpan<byte> EndText => new byte[] { (byte)'e', (byte)'n', (byte)'d', (byte)' ', (byte)'o', (byte)'f', (byte)' ', (byte)'a', (byte)'r', (byte)'c', (byte)'h', (byte)'i', (byte)'v', (byte)'e' };
        // "unexpected end of archive"
        private static ReadOnlySpan<byte> TruncatedText => new byte[] { (byte)'u', (byte)'n', (byte)'e', (byte)'x', (byte)'p', (byte)'e', (byte)'c', (byte)'t', (byte)'e', (byte)'d', (byte)' ', (byte)'e', (byte)'n', (byte)'d', (byte)' ', (byte)'o', (byte)'f', (byte)' ', (byte)'a', (byte)'r', (byte)'c', (byte)'h', (byte)'i', (byte)'v', (byte)'e' };
        // "bad magic: not a newc cpio archive"
        private static ReadOnlySpan<byte> BadMagicText => new byte[] { (byte)'b', (byte)'a', (byte)'d', (byte)' ', (byte)'m', (byte)'a', (byte)'g', (byte)'i', (byte)'c', (byte)':', (byte)' ', (byte)'n', (byte)'o', (byte)'t', (byte)' ', (byte)'a', (byte)' ', (byte)'n', (byte)'e', (byte)'w', (byte)'c', (byte)' ', (byte)'c', (byte)'p', (byte)'i', (byte)'o', (byte)' ', (byte)'a', (byte)'r', (byte)'c', (byte)'h', (byte)'i', (byte)'v', (byte)'e' };
        // "bad hex number in a header"
        private static ReadOnlySpan<byte> BadNumberText => new byte[] { (byte)'b', (byte)'a', (byte)'d', (byte)' ', (byte)'h', (byte)'e', (byte)'x', (byte)' ', (byte)'n', (byte)'u', (byte)'m', (byte)'b', (byte)'e', (byte)'r', (byte)' ', (byte)'i', (byte)'n', (byte)' ', (byte)'a', (byte)' ', (byte)'h', (byte)'e', (byte)'a', (byte)'d', (byte)'e', (byte)'r' };
        // "bad file name"
        private static ReadOnlySpan<byte> BadNameText => new byte[] { (byte)'b', (byte)'a', (byte)'d', (byte)' ', (byte)'f', (byte)'i', (byte)'l', (byte)'e', (byte)' ', (byte)'n', (byte)'a', (byte)'m', (byte)'e' };
        // "file data does not match its checksum"
        private static ReadOnlySpan<byte> BadChecksumText => new byte[] { (byte)'f', (byte)'i', (byte)'l', (byte)'e', (byte)' ', (byte)'d', (byte)'a', (byte)'t', (byte)'a', (byte)' ', (byte)'d', (byte)'o', (byte)'e', (byte)'s', (byte)' ', (byte)'n', (byte)'o', (byte)'t', (byte)' ', (byte)'m', (byte)'a', (byte)'t', (byte)'c', (byte)'h', (byte)' ', (byte)'i', (byte)'t', (byte)'s', (byte)' ', (byte)'c', (byte)'h', (byte)'e', (byte)'c', (byte)'k', (byte)'s', (byte)'u', (byte)'m' };
        // "unknown archive error"
        private static ReadOnlySpan<byte> UnknownText => new byte[] { (byte)'u', (byte)'n', (byte)'k', (byte)'n', (byte)'o', (byte)'w', (byte)'n', (byte)' ', (byte)'a', (byte)'r', (byte)'c', (byte)'h', (byte)'i', (byte)'v', (byte)'e', (byte)' ', (byte)'e', (byte)'r', (byte)'r', (byte)'o', (byte)'r' };

        private CpioStatus Stop(CpioStatus status)
        {
            _final = status;
            return status;
        }

        // Compares only the bytes that exist: a proper prefix of the magic at the end of the data
        // is a truncated header, anything else that differs is not a header at all.
        private static CpioStatus CheckMagic(byte* p, ulong available, out bool hasChecksum)
        {
            hasChecksum = false;
            ReadOnlySpan<byte> magic = MagicPrefix;
            for (int i = 0; i < magic.Length; i++)
            {
                if ((ulong)i >= available) return CpioStatus.Truncated;
                if (p[i] != magic[i]) return CpioStatus.BadMagic;
            }
            if (available < 6) return CpioStatus.Truncated;
            if (p[5] == (byte)'1') return CpioStatus.Ok;
            if (p[5] == (byte)'2') { hasChecksum = true; return CpioStatus.Ok; }
            return CpioStatus.BadMagic;
        }

        // After a trailer: skips zero padding in aligned 4-byte words. True when only zeros remain
        // (the archive ends here); false when something else follows, with Offset on it.
        private bool SkipZeroPadding()
        {
            while (_length - _offset >= 4 && *(_archive + _offset) == 0 && *(_archive + _offset + 1) == 0
                   && *(_archive + _offset + 2) == 0 && *(_archive + _offset + 3) == 0)
                _offset += 4;
            for (ulong i = _offset; i < _length; i++)
                if (_archive[i] != 0) return false;
            _offset = _length;
            return true;
        }

        private static bool IsTrailerName(byte* name, int length)
        {
            ReadOnlySpan<byte> trailer = TrailerName;
            if (length != trailer.Length) return false;
            for (int i = 0; i < length; i++)
                if (name[i] != trailer[i]) return false;
            return true;
        }

        private static bool ParseHex8(byte* p, out uint value)
        {
            value = 0;
            for (int i = 0; i < 8; i++)
            {
                uint c = p[i], digit;
                if (c >= '0' && c <= '9') digit = c - '0';
                else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
                else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
                else return false;
                value = value << 4 | digit;
            }
            return true;
        }

        private static uint Sum(byte* data, ulong size)
        {
            uint sum = 0;
            for (ulong i = 0; i < size; i++) sum += data[i];
            return sum;
        }

        // "07070": the magic without its last digit, 1 (newc) or 2 (newc with checksums)
        private static ReadOnlySpan<byte> MagicPrefix => new byte[] { (byte)'0', (byte)'7', (byte)'0', (byte)'7', (byte)'0' };
        // "TRAILER!!!": the name of the entry that ends an archive
        private static ReadOnlySpan<byte> TrailerName => new byte[] { (byte)'T', (byte)'R', (byte)'A', (byte)'I', (byte)'L', (byte)'E', (byte)'R', (byte)'!', (byte)'!', (byte)'!' };

        private static ulong Align4(ulong n) => (n + 3) & ~3UL;
    }
}
