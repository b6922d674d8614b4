using System.Runtime;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Unistd
{
    // The process's user and group ids, supplementary groups, session and process group, as Linux
    // keeps them for one process that starts as root (pid 1, its own session and group leader, no
    // supplementary groups). The set* calls follow Linux's rules: an effective uid of 0 may set any
    // id; otherwise only to the real, effective or saved one. The file system does not check
    // permissions, so the ids change what the calls answer, not what the program may open.
    internal static unsafe class Credentials
    {
        private const uint Unchanged = uint.MaxValue;     // (uid_t)-1 in setre*/setres*
        public const int MaxGroups = 65536;               // NGROUPS_MAX

        // A real, effective and saved id: the user's, or the group's (the same rules apply to both;
        // the privilege is always the effective user id's).
        private struct Ids { public uint Real, Effective, Saved; }
        private static Ids s_uid, s_gid;
        private static uint* s_groups;                     // malloc'd by setgroups
        private static int s_groupCount;

        private static bool Privileged => s_uid.Effective == 0;
        public static uint EffectiveUid => s_uid.Effective;

        private static Ids* Uids { get { fixed (Ids* p = &s_uid) return p; } }
        private static Ids* Gids { get { fixed (Ids* p = &s_gid) return p; } }

        [RuntimeExport("abi_getuid")]
        private static uint GetUid() => s_uid.Real;
        [RuntimeExport("abi_geteuid")]
        private static uint GetEuid() => s_uid.Effective;
        [RuntimeExport("abi_getgid")]
        private static uint GetGid() => s_gid.Real;
        [RuntimeExport("abi_getegid")]
        private static uint GetEgid() => s_gid.Effective;

        [RuntimeExport("abi_getresuid")]
        private static int GetResUid(uint* r, uint* e, uint* s) { *r = s_uid.Real; *e = s_uid.Effective; *s = s_uid.Saved; return 0; }
        [RuntimeExport("abi_getresgid")]
        private static int GetResGid(uint* r, uint* e, uint* s) { *r = s_gid.Real; *e = s_gid.Effective; *s = s_gid.Saved; return 0; }

        // setresuid's rule for one id: unchanged, or privileged, or one of the three current ids.
        private static bool Allowed(Ids* ids, uint id) => id == Unchanged || Privileged || id == ids->Real || id == ids->Effective || id == ids->Saved;

        private static int SetRes(Ids* ids, uint r, uint e, uint s)
        {
            if (!Allowed(ids, r) || !Allowed(ids, e) || !Allowed(ids, s)) return LibcErrno.Fail(-Errno.EPERM);
            if (r != Unchanged) ids->Real = r;
            if (e != Unchanged) ids->Effective = e;
            if (s != Unchanged) ids->Saved = s;
            return 0;
        }

        // setuid/setgid: privileged, all three; otherwise the effective id, to the real or saved one.
        private static int Set(Ids* ids, uint id)
        {
            if (id == Unchanged) return LibcErrno.Fail(-Errno.EINVAL);
            if (Privileged) { ids->Real = ids->Effective = ids->Saved = id; return 0; }
            if (id != ids->Real && id != ids->Saved) return LibcErrno.Fail(-Errno.EPERM);
            ids->Effective = id;
            return 0;
        }

        // setreuid/setregid: the real id may become the real or effective one, the effective id any
        // of the three; the saved id follows the new effective one when the real id is set or the
        // effective id becomes something other than the old real id.
        private static int SetRe(Ids* ids, uint r, uint e)
        {
            uint oldReal = ids->Real;
            if (!Privileged && ((r != Unchanged && r != ids->Real && r != ids->Effective)
                || (e != Unchanged && e != ids->Real && e != ids->Effective && e != ids->Saved)))
                return LibcErrno.Fail(-Errno.EPERM);
            if (r != Unchanged) ids->Real = r;
            if (e != Unchanged) ids->Effective = e;
            if (r != Unchanged || (e != Unchanged && e != oldReal)) ids->Saved = ids->Effective;
            return 0;
        }

        [RuntimeExport("abi_setresuid")]
        private static int SetResUid(uint r, uint e, uint s) => SetRes(Uids, r, e, s);
        [RuntimeExport("abi_setresgid")]
        private static int SetResGid(uint r, uint e, uint s) => SetRes(Gids, r, e, s);
        [RuntimeExport("abi_setuid")]
        private static int SetUid(uint id) => Set(Uids, id);
        [RuntimeExport("abi_setgid")]
        private static int SetGid(uint id) => Set(Gids, id);
        [RuntimeExport("abi_setreuid")]
        private static int SetReUid(uint r, uint e) => SetRe(Uids, r, e);
        [RuntimeExport("abi_setregid")]
        private static int SetReGid(uint r, uint e) => SetRe(Gids, r, e);

        // glibc's seteuid/setegid are setresuid(-1, id, -1) after refusing -1.
        [RuntimeExport("abi_seteuid")]
        private static int SetEuid(uint id) => id == Unchanged ? LibcErrno.Fail(-Errno.EINVAL) : SetRes(Uids, Unchanged, id, Unchanged);
        [RuntimeExport("abi_setegid")]
        private static int SetEgid(uint id) => id == Unchanged ? LibcErrno.Fail(-Errno.EINVAL) : SetRes(Gids, Unchanged, id, Unchanged);

        [RuntimeExport("abi_getgroups")]
        public static int GetGroups(int size, uint* list)
        {
            if (size < 0) return LibcErrno.Fail(-Errno.EINVAL);
            if (size == 0) return s_groupCount;
            if (size < s_groupCount) return LibcErrno.Fail(-Errno.EINVAL);
            for (int i = 0; i < s_groupCount; i++) list[i] = s_groups[i];
            return s_groupCount;
        }

        [RuntimeExport("abi___getgroups_chk")]
        private static int GetGroupsChk(int size, uint* list, ulong listSize)
        {
            if (size > 0 && (ulong)size * 4 > listSize) Fortify.Fortify.Fail();
            return GetGroups(size, list);
        }

        [RuntimeExport("abi_setgroups")]
        public static int SetGroups(ulong size, uint* list)
        {
            if (size > MaxGroups) return LibcErrno.Fail(-Errno.EINVAL);
            if (!Privileged) return LibcErrno.Fail(-Errno.EPERM);
            uint* copy = null;
            if (size > 0)
            {
                copy = (uint*)Stdlib.Malloc.Allocate(size * 4);
                if (copy == null) return LibcErrno.Fail(-Errno.ENOMEM);
                for (ulong i = 0; i < size; i++) copy[i] = list[i];
            }
            if (s_groups != null) Stdlib.Malloc.Free(s_groups);
            s_groups = copy;
            s_groupCount = (int)size;
            return 0;
        }

        // Sessions and process groups: the program is process 1, leader of session 1 and group 1;
        // there is no other process to name.
        [RuntimeExport("abi_getsid")]
        private static int GetSid(int pid) => pid == 0 || pid == Identity.ProcessId ? Identity.ProcessId : LibcErrno.Fail(-Errno.ESRCH);
        [RuntimeExport("abi_getpgid")]
        private static int GetPgid(int pid) => pid == 0 || pid == Identity.ProcessId ? Identity.ProcessId : LibcErrno.Fail(-Errno.ESRCH);
        [RuntimeExport("abi_getpgrp")]
        private static int GetPgrp() => Identity.ProcessId;
        // A process group leader cannot start a new session.
        [RuntimeExport("abi_setsid")]
        private static int SetSid() => LibcErrno.Fail(-Errno.EPERM);
        // A session leader cannot change its process group.
        [RuntimeExport("abi_setpgid")]
        private static int SetPgid(int pid, int pgid)
        {
            if (pgid < 0) return LibcErrno.Fail(-Errno.EINVAL);
            if (pid != 0 && pid != Identity.ProcessId) return LibcErrno.Fail(-Errno.ESRCH);
            return LibcErrno.Fail(-Errno.EPERM);
        }

        // chroot: the VFS has one root, so only "/" (or a path naming it) can be the new root;
        // anything else is refused by name rather than pretending the program is confined.
        [RuntimeExport("abi_chroot")]
        private static int Chroot(byte* path)
        {
            int r = Names.Find(Vfs.AtFdCwd, path, 0, out FsNode* node, out OpenFile* held);
            if (r != 0) return LibcErrno.Fail(r);
            bool directory = RamFs.IsDirectory(node), root = node == RamFs.Root;
            Names.Done(held);
            if (!directory) return LibcErrno.Fail(-Errno.ENOTDIR);
            if (!Privileged) return LibcErrno.Fail(-Errno.EPERM);
            if (root) return 0;
            Console.Log.Error($"nimbus: chroot(\"{Start.Process.Str(path)}\"): Nimbus has one file system root; only chroot(\"/\") is supported");
            return LibcErrno.Fail(-Errno.ENOSYS);
        }
    }
}
