using System.Runtime;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.String;

namespace Nimbus.Kernel.Libc.Stat
{
    // The stat family (every name glibc has had: stat/stat64, the *at forms, and the old
    // __xstat-style ones whose first argument is the struct version, 1 on x86-64), statx, statfs,
    // statvfs, access, chmod, chown (a no-op: everything belongs to root), times, umask, truncate.
    internal static unsafe class FileStatus
    {
        private const int AtFdCwd = Vfs.AtFdCwd, NoFollow = Names.AtSymlinkNoFollow, EmptyPath = Names.AtEmptyPath;

        // Fills *s for path (relative to dirFd) or, with AT_EMPTY_PATH and "", for dirFd itself.
        public static int StatAt(int dirFd, byte* path, LinuxStat* s, int flags)
        {
            if (s == null) return -Errno.EFAULT;
            if ((flags & ~(NoFollow | EmptyPath | 0x800 | 0x6000)) != 0) return -Errno.EINVAL;   // AT_NO_AUTOMOUNT, AT_STATX_* accepted
            int r = Names.Find(dirFd, path, flags, out FsNode* n, out OpenFile* held);
            if (r != 0) return r;
            Fs.Stat.Fill(n, s);
            Names.Done(held);
            return 0;
        }

        public static int FStat(int fd, LinuxStat* s)
        {
            if (s == null) return -Errno.EFAULT;
            OpenFile* f = Vfs.Acquire(fd);
            if (f == null) return -Errno.EBADF;
            RamFs.Lock();
            Fs.Stat.Fill(f->Node, s);
            RamFs.Unlock();
            Vfs.Put(f);
            return 0;
        }

        [RuntimeExport("abi_stat")]
        private static int StatExport(byte* p, LinuxStat* s) => (int)LibcErrno.Result(StatAt(AtFdCwd, p, s, 0));
        [RuntimeExport("abi_lstat")]
        private static int Lstat(byte* p, LinuxStat* s) => (int)LibcErrno.Result(StatAt(AtFdCwd, p, s, NoFollow));
        [RuntimeExport("abi_fstat")]
        private static int Fstat(int fd, LinuxStat* s) => (int)LibcErrno.Result(FStat(fd, s));
        [RuntimeExport("abi_fstatat")]
        private static int Fstatat(int dirFd, byte* p, LinuxStat* s, int flags) => (int)LibcErrno.Result(StatAt(dirFd, p, s, flags));

        // The pre-2.33 glibc entry points (what binaries built against older glibc, NativeAOT's
        // runtime among them, import). Version 1 is x86-64's struct stat; anything else is EINVAL.
        private static int Versioned(int version, long r) => version == 1 || version == 0 ? (int)LibcErrno.Result(r) : LibcErrno.Fail(-Errno.EINVAL);

        [RuntimeExport("abi___xstat")]
        private static int Xstat(int v, byte* p, LinuxStat* s) => Versioned(v, StatAt(AtFdCwd, p, s, 0));
        [RuntimeExport("abi___lxstat")]
        private static int Lxstat(int v, byte* p, LinuxStat* s) => Versioned(v, StatAt(AtFdCwd, p, s, NoFollow));
        [RuntimeExport("abi___fxstat")]
        private static int Fxstat(int v, int fd, LinuxStat* s) => Versioned(v, FStat(fd, s));
        [RuntimeExport("abi___fxstatat")]
        private static int Fxstatat(int v, int dirFd, byte* p, LinuxStat* s, int flags) => Versioned(v, StatAt(dirFd, p, s, flags));

        // statx: the same facts in struct statx (256 bytes); no birth time.
        [RuntimeExport("abi_statx")]
        private static int Statx(int dirFd, byte* path, int flags, uint mask, byte* x)
        {
            if (x == null) return LibcErrno.Fail(-Errno.EFAULT);
            LinuxStat s;
            int r = StatAt(dirFd, path, &s, flags & ~0x6000);
            if (r != 0) return (int)LibcErrno.Result(r);
            for (int i = 0; i < 256; i++) x[i] = 0;
            *(uint*)x = 0x7FF;                                  // STATX_BASIC_STATS
            *(uint*)(x + 4) = (uint)s.BlockSize;
            *(uint*)(x + 16) = (uint)s.Nlink;
            *(ushort*)(x + 28) = (ushort)s.Mode;
            *(ulong*)(x + 32) = s.Ino;
            *(long*)(x + 40) = s.Size;
            *(long*)(x + 48) = s.Blocks;
            Timestamp(x + 64, s.AtimeSec, s.AtimeNsec);
            Timestamp(x + 96, s.CtimeSec, s.CtimeNsec);
            Timestamp(x + 112, s.MtimeSec, s.MtimeNsec);
            *(uint*)(x + 128) = (uint)(s.Rdev >> 8);
            *(uint*)(x + 132) = (uint)(s.Rdev & 0xFF);
            *(uint*)(x + 140) = (uint)s.Dev;
            return 0;
        }

        private static void Timestamp(byte* at, long sec, long nsec)
        {
            *(long*)at = sec;
            *(uint*)(at + 8) = (uint)nsec;
        }

        [RuntimeExport("abi_statfs")]
        private static int Statfs(byte* path, LinuxStatfs* s) => (int)LibcErrno.Result(StatfsPath(path, s));
        [RuntimeExport("abi_fstatfs")]
        private static int Fstatfs(int fd, LinuxStatfs* s) => (int)LibcErrno.Result(StatfsFd(fd, s));

        private static int StatfsPath(byte* path, LinuxStatfs* s)
        {
            LinuxStat st;
            int r = StatAt(AtFdCwd, path, &st, 0);
            if (r == 0) Fs.Stat.FillStatfs(s);
            return r;
        }

        private static int StatfsFd(int fd, LinuxStatfs* s)
        {
            if (Vfs.Get(fd) == null) return -Errno.EBADF;
            Fs.Stat.FillStatfs(s);
            return 0;
        }

        [RuntimeExport("abi_statvfs")]
        private static int Statvfs(byte* path, ulong* v) { LinuxStatfs s; int r = StatfsPath(path, &s); if (r == 0) ToStatvfs(&s, v); return (int)LibcErrno.Result(r); }
        [RuntimeExport("abi_fstatvfs")]
        private static int Fstatvfs(int fd, ulong* v) { LinuxStatfs s; int r = StatfsFd(fd, &s); if (r == 0) ToStatvfs(&s, v); return (int)LibcErrno.Result(r); }

        // struct statvfs (112 bytes): bsize, frsize, blocks, bfree, bavail, files, ffree, favail, fsid, flag, namemax.
        private static void ToStatvfs(LinuxStatfs* s, ulong* v)
        {
            for (int i = 0; i < 14; i++) v[i] = 0;
            v[0] = (ulong)s->BlockSize; v[1] = (ulong)s->FragmentSize;
            v[2] = s->Blocks; v[3] = s->FreeBlocks; v[4] = s->AvailableBlocks;
            v[5] = s->Files; v[6] = s->FreeFiles; v[7] = s->FreeFiles;
            v[9] = 0x400;                                                      // ST_RELATIME
            v[10] = (ulong)s->NameLength;
        }

        // access: the caller is root, so only execute permission can be missing (no x bit at all).
        public static int Access(int dirFd, byte* path, int mode, int flags)
        {
            if ((mode & ~7) != 0 || (flags & ~(NoFollow | EmptyPath | 0x200)) != 0) return -Errno.EINVAL;   // AT_EACCESS accepted
            int r = Names.Find(dirFd, path, flags, out FsNode* n, out OpenFile* held);
            if (r != 0) return r;
            if ((mode & 1) != 0 && !RamFs.IsDirectory(n) && (n->Mode & 0x49) == 0) r = -Errno.EACCES;
            Names.Done(held);
            return r;
        }

        [RuntimeExport("abi_access")]
        private static int AccessExport(byte* p, int mode) => (int)LibcErrno.Result(Access(AtFdCwd, p, mode, 0));
        [RuntimeExport("abi_faccessat")]
        private static int Faccessat(int dirFd, byte* p, int mode, int flags) => (int)LibcErrno.Result(Access(dirFd, p, mode, flags));

        [RuntimeExport("abi_chmod")]
        private static int Chmod(byte* p, uint mode) => (int)LibcErrno.Result(Names.Chmod(AtFdCwd, p, mode, 0));
        [RuntimeExport("abi_fchmodat")]
        private static int Fchmodat(int dirFd, byte* p, uint mode, int flags) => (int)LibcErrno.Result(Names.Chmod(dirFd, p, mode, flags));
        [RuntimeExport("abi_fchmod")]
        private static int Fchmod(int fd, uint mode) => (int)LibcErrno.Result(Names.Chmod(fd, Strings.Literal("\0"u8), mode, EmptyPath));

        // Ownership: everything is root's and stays so; the file must exist.
        [RuntimeExport("abi_chown")]
        private static int Chown(byte* p, uint uid, uint gid) => (int)LibcErrno.Result(Exists(AtFdCwd, p, 0));
        [RuntimeExport("abi_lchown")]
        private static int Lchown(byte* p, uint uid, uint gid) => (int)LibcErrno.Result(Exists(AtFdCwd, p, NoFollow));
        [RuntimeExport("abi_fchown")]
        private static int Fchown(int fd, uint uid, uint gid) => (int)LibcErrno.Result(Vfs.Get(fd) == null ? -Errno.EBADF : 0);
        [RuntimeExport("abi_fchownat")]
        private static int Fchownat(int dirFd, byte* p, uint uid, uint gid, int flags) => (int)LibcErrno.Result(Exists(dirFd, p, flags));

        private static int Exists(int dirFd, byte* path, int flags)
        {
            int r = Names.Find(dirFd, path, flags, out _, out OpenFile* held);
            if (r == 0) Names.Done(held);
            return r;
        }

        [RuntimeExport("abi_utimensat")]
        private static int Utimensat(int dirFd, byte* p, long* times, int flags) => (int)LibcErrno.Result(Names.SetTimes(dirFd, p, times, flags));
        [RuntimeExport("abi_futimens")]
        private static int Futimens(int fd, long* times) => (int)LibcErrno.Result(Names.SetTimes(fd, null, times, EmptyPath));

        // utimes/futimes/lutimes: struct timeval pairs ({sec, usec}), converted to timespecs.
        [RuntimeExport("abi_utimes")]
        private static int Utimes(byte* p, long* tv) => TimevalTimes(AtFdCwd, p, tv, 0);
        [RuntimeExport("abi_lutimes")]
        private static int Lutimes(byte* p, long* tv) => TimevalTimes(AtFdCwd, p, tv, NoFollow);
        [RuntimeExport("abi_futimes")]
        private static int Futimes(int fd, long* tv) => TimevalTimes(fd, null, tv, EmptyPath);
        [RuntimeExport("abi_futimesat")]
        private static int Futimesat(int dirFd, byte* p, long* tv) => TimevalTimes(dirFd, p, tv, 0);

        private static int TimevalTimes(int dirFd, byte* path, long* tv, int flags)
        {
            if (tv == null) return (int)LibcErrno.Result(Names.SetTimes(dirFd, path, null, flags));
            long* ts = stackalloc long[4];
            for (int i = 0; i < 2; i++)
            {
                if (tv[i * 2 + 1] < 0 || tv[i * 2 + 1] >= 1_000_000) return LibcErrno.Fail(-Errno.EINVAL);
                ts[i * 2] = tv[i * 2];
                ts[i * 2 + 1] = tv[i * 2 + 1] * 1000;
            }
            return (int)LibcErrno.Result(Names.SetTimes(dirFd, path, ts, flags));
        }

        // utime: struct utimbuf {actime, modtime} in whole seconds.
        [RuntimeExport("abi_utime")]
        private static int Utime(byte* p, long* times)
        {
            if (times == null) return (int)LibcErrno.Result(Names.SetTimes(AtFdCwd, p, null, 0));
            long* ts = stackalloc long[4];
            ts[0] = times[0]; ts[1] = 0; ts[2] = times[1]; ts[3] = 0;
            return (int)LibcErrno.Result(Names.SetTimes(AtFdCwd, p, ts, 0));
        }

        [RuntimeExport("abi_pathconf")]
        private static long Pathconf(byte* p, int name) { LinuxStat s; int r = StatAt(AtFdCwd, p, &s, 0); return r != 0 ? (int)LibcErrno.Result(r) : Limit(name); }
        [RuntimeExport("abi_fpathconf")]
        private static long Fpathconf(int fd, int name) => Vfs.Get(fd) == null ? LibcErrno.Fail(-Errno.EBADF) : Limit(name);

        // pathconf's limits for the one file system: what Linux reports for tmpfs.
        private static long Limit(int name) => name switch
        {
            0 => 127, 1 => 255, 2 => 255, 3 => 255, 4 => 4096, 5 => 4096,   // LINK_MAX, MAX_CANON, MAX_INPUT, NAME_MAX, PATH_MAX, PIPE_BUF
            6 => 1, 7 => 1, 8 => 0,                                          // CHOWN_RESTRICTED, NO_TRUNC, VDISABLE
            13 => 64, 16 => 4096, 17 => 4096, 18 => 4096, 20 => 1,           // FILESIZEBITS, REC_MIN_XFER, REC_XFER_ALIGN, ALLOC_SIZE_MIN, 2_SYMLINKS
            9 or 10 or 11 or 12 or 14 or 15 or 19 => -1,                     // no limit (errno untouched)
            _ => LibcErrno.Fail(-Errno.EINVAL),
        };

        [RuntimeExport("abi_umask")]
        private static uint Umask(uint mask)
        {
            uint old = Vfs.Umask;
            Vfs.Umask = mask & 0x1FF;
            return old;
        }

        [RuntimeExport("abi_truncate")]
        private static int Truncate(byte* p, long length) => (int)LibcErrno.Result(Names.Truncate(AtFdCwd, p, length));
    }
}
