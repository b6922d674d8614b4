using System.Runtime;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Stdlib;
using Nimbus.Kernel.Libc.Unistd;

namespace Nimbus.Kernel.Libc.Pwd
{
    // <pwd.h> and <grp.h>: the user and group databases from /etc/passwd and /etc/group in the
    // image (a manifest puts them there), read at each call as glibc's "files" service reads them.
    // Without the file, the database holds root alone (uid 0, gid 0), so a program asking who
    // root is gets an answer. The non-reentrant calls use one static entry and buffer each, as
    // glibc's do (the next call overwrites them).
    internal static unsafe class Users
    {
        private const int BufferSize = 4096;
        private static Passwd s_passwd;
        private static Group s_group;
        private static byte* s_passwdBuffer, s_groupBuffer;   // BufferSize bytes each, allocated on first use
        private static ulong s_passwdNext, s_groupNext;        // getpwent/getgrent: the next line's offset

        // A database: its file's whole text (malloc'd), or the built-in text when the file is absent.
        private struct Text
        {
            public byte* Bytes;
            public ulong Length;
            public bool Owned;
            public void Free() { if (Owned) Malloc.Free(Bytes); }
        }

        private static int Load(bool groups, out Text text)
        {
            text = default;
            byte* path = String.Strings.Literal(groups ? "/etc/group"u8 : "/etc/passwd"u8);
            int fd = Vfs.Open(path, Vfs.ORdOnly | Vfs.OCloExec, 0);
            if (fd == -Errno.ENOENT)
            {
                text.Bytes = String.Strings.Literal(groups ? "root:x:0:\n"u8 : "root:x:0:0:root:/root:/bin/sh\n"u8);
                text.Length = String.Strings.Length(text.Bytes);
                return 0;
            }
            if (fd < 0) return -fd;
            ulong capacity = 4096, used = 0;
            byte* buffer = (byte*)Malloc.Allocate(capacity);
            while (buffer != null)
            {
                if (used == capacity)
                {
                    byte* bigger = (byte*)Malloc.Reallocate(buffer, capacity * 2);
                    if (bigger == null) { Malloc.Free(buffer); buffer = null; break; }
                    buffer = bigger;
                    capacity *= 2;
                }
                long n = Vfs.Read(fd, buffer + used, capacity - used);
                if (n < 0) { Malloc.Free(buffer); Vfs.Close(fd); return (int)-n; }
                if (n == 0) break;
                used += (ulong)n;
            }
            Vfs.Close(fd);
            if (buffer == null) return Errno.ENOMEM;
            text.Bytes = buffer;
            text.Length = used;
            text.Owned = true;
            return 0;
        }

        // What a lookup matches: a name, or an id when name is null.
        private struct Key
        {
            public byte* Name;
            public uint Id;
            public bool Matches(byte* name, uint id) => Name != null ? UserDatabase.Equals(name, Name) : id == Id;
        }

        // The first entry matching `key` (or, with key null, the first at or after *next, which
        // then moves past it) into entry/buffer. 0 with *found set, 0 with *found null when there
        // is none, or an errno value.
        private static int Find(bool groups, Key* key, ulong* next, void* entry, byte* buffer, ulong size, void** found)
        {
            *found = null;
            int r = Load(groups, out Text text);
            if (r != 0) return r;
            ulong at = next != null ? *next : 0;
            r = 0;
            while (UserDatabase.NextLine(text.Bytes, text.Length, ref at, out byte* line, out ulong length))
            {
                int p = groups ? UserDatabase.ParseGroup(line, length, (Group*)entry, buffer, size)
                               : UserDatabase.ParsePasswd(line, length, (Passwd*)entry, buffer, size);
                if (p == UserDatabase.Skip) continue;
                if (key == null && next != null && p == 0) *next = at;
                if (p != 0) { r = p; break; }                      // ERANGE: the caller retries with more room
                bool match = key == null || (groups ? key->Matches(((Group*)entry)->Name, ((Group*)entry)->Gid)
                                                    : key->Matches(((Passwd*)entry)->Name, ((Passwd*)entry)->Uid));
                if (match) { *found = entry; break; }
            }
            text.Free();
            return r;
        }

        private static int FindR(bool groups, Key key, void* entry, byte* buffer, ulong size, void** result) =>
            Find(groups, &key, null, entry, buffer, size, result);

        // The non-reentrant form: the static entry, errno set on failure, null when absent.
        private static void* FindStatic(bool groups, Key* key, ulong* next)
        {
            if (groups && s_groupBuffer == null) s_groupBuffer = (byte*)Malloc.Allocate(BufferSize);
            if (!groups && s_passwdBuffer == null) s_passwdBuffer = (byte*)Malloc.Allocate(BufferSize);
            byte* buffer = groups ? s_groupBuffer : s_passwdBuffer;
            if (buffer == null) { LibcErrno.Set(Errno.ENOMEM); return null; }
            void* entry = groups ? (void*)Group() : Password();
            void* found;
            int r = Find(groups, key, next, entry, buffer, BufferSize, &found);
            if (r != 0) { LibcErrno.Set(r); return null; }
            return found;
        }

        private static Passwd* Password() { fixed (Passwd* p = &s_passwd) return p; }
        private static Group* Group() { fixed (Group* g = &s_group) return g; }

        [RuntimeExport("abi_getpwnam_r")]
        private static int GetpwnamR(byte* name, Passwd* pw, byte* buffer, ulong size, Passwd** result) =>
            FindR(false, new Key { Name = name }, pw, buffer, size, (void**)result);
        [RuntimeExport("abi_getpwuid_r")]
        private static int GetpwuidR(uint uid, Passwd* pw, byte* buffer, ulong size, Passwd** result) =>
            FindR(false, new Key { Id = uid }, pw, buffer, size, (void**)result);
        [RuntimeExport("abi_getgrnam_r")]
        private static int GetgrnamR(byte* name, Group* gr, byte* buffer, ulong size, Group** result) =>
            FindR(true, new Key { Name = name }, gr, buffer, size, (void**)result);
        [RuntimeExport("abi_getgrgid_r")]
        private static int GetgrgidR(uint gid, Group* gr, byte* buffer, ulong size, Group** result) =>
            FindR(true, new Key { Id = gid }, gr, buffer, size, (void**)result);

        [RuntimeExport("abi_getpwnam")]
        private static Passwd* Getpwnam(byte* name) { var k = new Key { Name = name }; return (Passwd*)FindStatic(false, &k, null); }
        [RuntimeExport("abi_getpwuid")]
        private static Passwd* Getpwuid(uint uid) { var k = new Key { Id = uid }; return (Passwd*)FindStatic(false, &k, null); }
        [RuntimeExport("abi_getgrnam")]
        private static Group* Getgrnam(byte* name) { var k = new Key { Name = name }; return (Group*)FindStatic(true, &k, null); }
        [RuntimeExport("abi_getgrgid")]
        private static Group* Getgrgid(uint gid) { var k = new Key { Id = gid }; return (Group*)FindStatic(true, &k, null); }

        // Iteration: each call returns the next entry; set*ent starts over, end*ent too.
        [RuntimeExport("abi_getpwent")]
        private static Passwd* Getpwent() { fixed (ulong* next = &s_passwdNext) return (Passwd*)FindStatic(false, null, next); }
        [RuntimeExport("abi_setpwent")]
        private static void Setpwent() => s_passwdNext = 0;
        [RuntimeExport("abi_endpwent")]
        private static void Endpwent() => s_passwdNext = 0;
        [RuntimeExport("abi_getgrent")]
        private static Group* Getgrent() { fixed (ulong* next = &s_groupNext) return (Group*)FindStatic(true, null, next); }
        [RuntimeExport("abi_setgrent")]
        private static void Setgrent() => s_groupNext = 0;
        [RuntimeExport("abi_endgrent")]
        private static void Endgrent() => s_groupNext = 0;

        // getpwent_r/getgrent_r share the iteration with getpwent/getgrent, as glibc's do; at the
        // end they return ENOENT.
        [RuntimeExport("abi_getpwent_r")]
        private static int GetpwentR(Passwd* pw, byte* buffer, ulong size, Passwd** result)
        {
            int r;
            fixed (ulong* next = &s_passwdNext) r = Find(false, null, next, pw, buffer, size, (void**)result);
            return r != 0 ? r : *result == null ? Errno.ENOENT : 0;
        }
        [RuntimeExport("abi_getgrent_r")]
        private static int GetgrentR(Group* gr, byte* buffer, ulong size, Group** result)
        {
            int r;
            fixed (ulong* next = &s_groupNext) r = Find(true, null, next, gr, buffer, size, (void**)result);
            return r != 0 ? r : *result == null ? Errno.ENOENT : 0;
        }

        // The groups `user` belongs to: `group` first, then each group listing the user, in file
        // order, without repeating `group`. When more than *count, -1 and *count says how many.
        [RuntimeExport("abi_getgrouplist")]
        private static int Getgrouplist(byte* user, uint group, uint* groups, int* count)
        {
            int n = 0;
            if (n < *count) groups[n] = group;
            n++;
            if (Load(true, out Text text) == 0)
            {
                byte* scratch = (byte*)Malloc.Allocate(BufferSize);
                ulong at = 0;
                Group g;
                while (scratch != null && UserDatabase.NextLine(text.Bytes, text.Length, ref at, out byte* line, out ulong length))
                {
                    if (UserDatabase.ParseGroup(line, length, &g, scratch, BufferSize) != 0 || g.Gid == group) continue;
                    for (byte** m = g.Members; *m != null; m++)
                    {
                        if (!UserDatabase.Equals(*m, user)) continue;
                        if (n < *count) groups[n] = g.Gid;
                        n++;
                        break;
                    }
                }
                if (scratch != null) Malloc.Free(scratch);
                text.Free();
            }
            bool fits = n <= *count;
            *count = n;
            return fits ? n : -1;
        }

        // initgroups: the supplementary groups become getgrouplist's answer (root only).
        [RuntimeExport("abi_initgroups")]
        private static int Initgroups(byte* user, uint group)
        {
            int count = 0;
            Getgrouplist(user, group, null, &count);
            uint* list = (uint*)Malloc.Allocate((ulong)count * 4);
            if (list == null) return LibcErrno.Fail(-Errno.ENOMEM);
            Getgrouplist(user, group, list, &count);
            int r = Credentials.SetGroups((ulong)count, list);
            Malloc.Free(list);
            return r;
        }
    }
}
