using System.Runtime.InteropServices;

namespace Nimbus.Kernel.Libc.Pwd
{
    // struct passwd and struct group as glibc lays them out.
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct Passwd
    {
        public byte* Name, Password;
        public uint Uid, Gid;
        public byte* Gecos, Dir, Shell;
    }

    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct Group
    {
        public byte* Name, Password;
        public uint Gid;
        public byte** Members;     // NULL-terminated
    }

    // The text of /etc/passwd and /etc/group, as glibc's "files" service reads it: one entry a line,
    // fields separated by ':', blank lines and lines starting with '#' skipped, a line that does not
    // parse skipped too. An entry is copied into the caller's buffer (the _r interface): fields as
    // NUL-terminated strings, the group's member list as a pointer array. Pure logic, no I/O.
    public static unsafe class UserDatabase
    {
        public const int Ok = 0, Skip = -1;   // or ERANGE (34): the buffer is too small
        private const int Erange = 34;

        // The next line at or after `at` (without its '\n'); false at the end of the text.
        public static bool NextLine(byte* text, ulong length, ref ulong at, out byte* line, out ulong lineLength)
        {
            line = null;
            lineLength = 0;
            if (at >= length) return false;
            ulong start = at;
            while (at < length && text[at] != (byte)'\n') at++;
            line = text + start;
            lineLength = at - start;
            if (at < length) at++;
            return true;
        }

        // Splits a line into at most `max` ':'-separated fields; returns how many there are.
        private static int Fields(byte* line, ulong length, byte** starts, ulong* lengths, int max)
        {
            while (length > 0 && (*line == (byte)' ' || *line == (byte)'\t')) { line++; length--; }
            if (length == 0 || *line == (byte)'#') return 0;
            int n = 0;
            ulong from = 0;
            for (ulong i = 0; i <= length; i++)
            {
                if (i < length && (line[i] != (byte)':' || n == max - 1)) continue;
                starts[n] = line + from;
                lengths[n] = i - from;
                n++;
                from = i + 1;
            }
            return n;
        }

        private static bool Number(byte* s, ulong length, out uint value)
        {
            value = 0;
            if (length == 0) return false;
            ulong v = 0;
            for (ulong i = 0; i < length; i++)
            {
                if (s[i] < (byte)'0' || s[i] > (byte)'9') return false;
                v = v * 10 + (ulong)(s[i] - '0');
                if (v > uint.MaxValue) return false;
            }
            value = (uint)v;
            return true;
        }

        // Copies a field into the buffer as a C string; null when it does not fit.
        private static byte* Copy(byte* s, ulong length, ref byte* at, byte* end)
        {
            if ((ulong)(end - at) < length + 1) return null;
            byte* p = at;
            for (ulong i = 0; i < length; i++) p[i] = s[i];
            p[length] = 0;
            at += length + 1;
            return p;
        }

        public static int ParsePasswd(byte* line, ulong length, Passwd* pw, byte* buffer, ulong size)
        {
            byte** f = stackalloc byte*[7];
            ulong* n = stackalloc ulong[7];
            if (Fields(line, length, f, n, 7) != 7) return Skip;
            if (!Number(f[2], n[2], out uint uid) || !Number(f[3], n[3], out uint gid)) return Skip;
            byte* at = buffer, end = buffer + size;
            pw->Name = Copy(f[0], n[0], ref at, end);
            pw->Password = Copy(f[1], n[1], ref at, end);
            pw->Gecos = Copy(f[4], n[4], ref at, end);
            pw->Dir = Copy(f[5], n[5], ref at, end);
            pw->Shell = Copy(f[6], n[6], ref at, end);
            if (pw->Name == null || pw->Password == null || pw->Gecos == null || pw->Dir == null || pw->Shell == null) return Erange;
            pw->Uid = uid;
            pw->Gid = gid;
            return Ok;
        }

        public static int ParseGroup(byte* line, ulong length, Group* gr, byte* buffer, ulong size)
        {
            byte** f = stackalloc byte*[4];
            ulong* n = stackalloc ulong[4];
            if (Fields(line, length, f, n, 4) != 4) return Skip;
            if (!Number(f[2], n[2], out uint gid)) return Skip;
            // The member pointers first (8-aligned), then the strings.
            ulong members = 0;
            for (ulong i = 0, from = 0; i <= n[3]; i++)
                if (i == n[3] || f[3][i] == (byte)',') { if (i > from) members++; from = i + 1; }
            byte* at = (byte*)(((ulong)buffer + 7) & ~7UL), end = buffer + size;
            if (at > end || (ulong)(end - at) < (members + 1) * 8) return Erange;
            byte** list = (byte**)at;
            at += (members + 1) * 8;
            gr->Name = Copy(f[0], n[0], ref at, end);
            gr->Password = Copy(f[1], n[1], ref at, end);
            if (gr->Name == null || gr->Password == null) return Erange;
            ulong k = 0;
            for (ulong i = 0, from = 0; i <= n[3]; i++)
            {
                if (i < n[3] && f[3][i] != (byte)',') continue;
                if (i > from)
                {
                    list[k] = Copy(f[3] + from, i - from, ref at, end);
                    if (list[k] == null) return Erange;
                    k++;
                }
                from = i + 1;
            }
            list[k] = null;
            gr->Members = list;
            gr->Gid = gid;
            return Ok;
        }

        public static bool Equals(byte* s, byte* name)
        {
            int i = 0;
            for (; s[i] != 0; i++) if (s[i] != name[i]) return false;
            return name[i] == 0;
        }
    }
}
