using System;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Fs
{
    // Operations on names, with Linux's rules and errno values: mkdir, rmdir, unlink, rename,
    // symlink, readlink, link (refused: RamFs nodes have one name each, so no hard links: EPERM as
    // from a file system without them), the working directory, realpath, chmod and times. Each takes
    // a directory descriptor for relative paths (AT_FDCWD: the working directory), as the *at calls do.
    // Results are 0 (or a length) or a negative errno.
    internal static unsafe class Names
    {
        public const int AtSymlinkNoFollow = 0x100, AtRemoveDir = 0x200, AtSymlinkFollow = 0x400, AtEmptyPath = 0x1000;
        public const int RenameNoReplace = 1, RenameExchange = 2;

        // A resolution in progress: the RamFs lock held and the start directory referenced.
        private ref struct At
        {
            public OpenFile* Dir;
            public FsNode* Start;
            public ReadOnlySpan<byte> Path;

            public int Begin(int dirFd, byte* path)
            {
                Path = path == null ? default : Vfs.Span(path);
                RamFs.Lock();
                Dir = null;
                if (path == null) return -Errno.EINVAL;
                return Vfs.StartDirectory(dirFd, Path, ref Dir, out Start);
            }

            public int End(int r)
            {
                RamFs.Unlock();
                if (Dir != null) Vfs.Put(Dir);
                return r;
            }
        }

        // Finds a node for the stat/access/chmod family: the path, or with AT_EMPTY_PATH and "" the
        // descriptor itself. On success the caller holds the RamFs lock and must call Done.
        public static int Find(int dirFd, byte* path, int flags, out FsNode* node, out OpenFile* held)
        {
            node = null;
            held = null;
            if ((path == null || path[0] == 0) && (flags & AtEmptyPath) != 0)
            {
                held = Vfs.Acquire(dirFd);
                if (held == null && dirFd == Vfs.AtFdCwd) { RamFs.Lock(); node = Vfs.Cwd; return 0; }
                if (held == null) return -Errno.EBADF;
                RamFs.Lock();
                node = held->Node;
                return 0;
            }
            var at = new At();
            int r = at.Begin(dirFd, path);
            if (r == 0) r = RamFs.Lookup(at.Path, at.Start, (flags & AtSymlinkNoFollow) == 0, out node);
            if (r != 0) return at.End(r);
            held = at.Dir;                                        // kept until Done; the lock stays held
            return 0;
        }

        public static void Done(OpenFile* held)
        {
            RamFs.Unlock();
            if (held != null) Vfs.Put(held);
        }

        public static int Mkdir(int dirFd, byte* path, uint mode)
        {
            var at = new At();
            int r = at.Begin(dirFd, path);
            if (r == 0) r = MkdirLocked(at.Path, at.Start, mode);
            return at.End(r);
        }

        private static int MkdirLocked(ReadOnlySpan<byte> p, FsNode* start, uint mode)
        {
            int r = RamFs.LookupParent(p, start, out FsNode* parent, out int s, out int len);
            if (r != 0) return r;
            var name = p.Slice(s, len);
            if (RamFs.IsDot(name) || RamFs.IsDotDot(name) || RamFs.Child(parent, name) != null) return -Errno.EEXIST;
            if (parent->Links == 0) return -Errno.ENOENT;
            RamFs.Create(parent, name, RamFs.TypeDirectory | (mode & 0x3FF & ~Vfs.Umask));
            Touch(parent);
            return 0;
        }

        public static int Unlink(int dirFd, byte* path, int flags)
        {
            if ((flags & ~AtRemoveDir) != 0) return -Errno.EINVAL;
            var at = new At();
            int r = at.Begin(dirFd, path);
            if (r == 0) r = (flags & AtRemoveDir) != 0 ? RmdirLocked(at.Path, at.Start) : UnlinkLocked(at.Path, at.Start);
            return at.End(r);
        }

        private static int UnlinkLocked(ReadOnlySpan<byte> p, FsNode* start)
        {
            int r = RamFs.LookupParent(p, start, out FsNode* parent, out int s, out int len);
            if (r == -Errno.EEXIST) return -Errno.EISDIR;
            if (r != 0) return r;
            var name = p.Slice(s, len);
            if (RamFs.IsDot(name) || RamFs.IsDotDot(name)) return -Errno.EISDIR;
            FsNode* n = RamFs.Child(parent, name);
            if (n == null) return -Errno.ENOENT;
            if (RamFs.IsDirectory(n)) return -Errno.EISDIR;
            if (p[p.Length - 1] == (byte)'/') return -Errno.ENOTDIR;
            if (n->Generator != 0) return -Errno.EPERM;
            Remove(n);
            return 0;
        }

        private static int RmdirLocked(ReadOnlySpan<byte> p, FsNode* start)
        {
            int r = RamFs.LookupParent(p, start, out FsNode* parent, out int s, out int len);
            if (r == -Errno.EEXIST) return -Errno.EBUSY;
            if (r != 0) return r;
            var name = p.Slice(s, len);
            if (RamFs.IsDot(name)) return -Errno.EINVAL;
            if (RamFs.IsDotDot(name)) return -Errno.ENOTEMPTY;
            FsNode* n = RamFs.Child(parent, name);
            if (n == null) return -Errno.ENOENT;
            if (!RamFs.IsDirectory(n)) return -Errno.ENOTDIR;
            if (n->FirstChild != null) return -Errno.ENOTEMPTY;
            if (n == RamFs.Root) return -Errno.EBUSY;
            Remove(n);
            return 0;
        }

        // Takes a node out of its directory for good; it is freed once nothing holds it open.
        private static void Remove(FsNode* n)
        {
            FsNode* parent = n->Parent;
            RamFs.Detach(n);
            n->Links = 0;
            n->CtimeNs = Time.Clock.WallNs();
            Touch(parent);
            RamFs.ReleaseIfUnused(n);
        }

        private static void Touch(FsNode* dir) => dir->MtimeNs = dir->CtimeNs = Time.Clock.WallNs();

        public static int Rename(int oldFd, byte* oldPath, int newFd, byte* newPath, int flags)
        {
            if ((flags & ~RenameNoReplace) != 0) return -Errno.EINVAL;      // RENAME_EXCHANGE, WHITEOUT: not here
            OpenFile* newDir = null;
            var at = new At();
            int r = at.Begin(oldFd, oldPath);
            if (r == 0 && newPath == null) r = -Errno.EINVAL;
            FsNode* newStart = null;
            ReadOnlySpan<byte> np = newPath == null ? default : Vfs.Span(newPath);
            if (r == 0) r = Vfs.StartDirectory(newFd, np, ref newDir, out newStart);
            if (r == 0) r = RenameLocked(at.Path, at.Start, np, newStart, (flags & RenameNoReplace) != 0);
            r = at.End(r);
            if (newDir != null) Vfs.Put(newDir);
            return r;
        }

        private static int RenameLocked(ReadOnlySpan<byte> op, FsNode* os, ReadOnlySpan<byte> np, FsNode* ns, bool noReplace)
        {
            FsNode* newParent = null;
            int s2 = 0, l2 = 0;
            int r = RamFs.LookupParent(op, os, out FsNode* oldParent, out int s1, out int l1);
            if (r == 0) r = RamFs.LookupParent(np, ns, out newParent, out s2, out l2);
            if (r == -Errno.EEXIST) return -Errno.EBUSY;
            if (r != 0) return r;
            var oldName = op.Slice(s1, l1);
            var newName = np.Slice(s2, l2);
            if (RamFs.IsDot(oldName) || RamFs.IsDotDot(oldName) || RamFs.IsDot(newName) || RamFs.IsDotDot(newName)) return -Errno.EBUSY;
            FsNode* src = RamFs.Child(oldParent, oldName);
            if (src == null) return -Errno.ENOENT;
            FsNode* dst = RamFs.Child(newParent, newName);
            r = CheckRename(src, dst, newParent, op, np, noReplace);
            if (r != 0 || src == dst) return r;
            if (dst != null) Remove(dst);
            RamFs.Detach(src);
            if (oldParent != newParent || !Same(oldName, newName)) RamFs.SetName(src, newName);
            RamFs.Attach(newParent, src);
            src->CtimeNs = Time.Clock.WallNs();
            Touch(oldParent);
            Touch(newParent);
            return 0;
        }

        private static bool Same(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
        {
            if (a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++) if (a[i] != b[i]) return false;
            return true;
        }

        private static int CheckRename(FsNode* src, FsNode* dst, FsNode* newParent, ReadOnlySpan<byte> op, ReadOnlySpan<byte> np, bool noReplace)
        {
            bool srcDir = RamFs.IsDirectory(src);
            if (!srcDir && (op[op.Length - 1] == (byte)'/' || np[np.Length - 1] == (byte)'/')) return -Errno.ENOTDIR;
            if (dst == src) return 0;
            if (dst != null && noReplace) return -Errno.EEXIST;
            if (srcDir && RamFs.IsWithin(newParent, src)) return -Errno.EINVAL;
            if (src->Generator != 0 || newParent->Links == 0) return src->Generator != 0 ? -Errno.EPERM : -Errno.ENOENT;
            if (dst == null) return 0;
            if (srcDir && !RamFs.IsDirectory(dst)) return -Errno.ENOTDIR;
            if (!srcDir && RamFs.IsDirectory(dst)) return -Errno.EISDIR;
            if (srcDir && dst->FirstChild != null) return -Errno.ENOTEMPTY;
            return dst == RamFs.Root ? -Errno.EBUSY : 0;
        }

        // link(2): the names are checked as Linux would, then refused (no hard links, see above).
        public static int Link(int oldFd, byte* oldPath, int newFd, byte* newPath, int flags)
        {
            if ((flags & ~(AtSymlinkFollow | AtEmptyPath)) != 0) return -Errno.EINVAL;
            int r = Find(oldFd, oldPath, (flags & AtSymlinkFollow) != 0 ? 0 : AtSymlinkNoFollow, out FsNode* node, out OpenFile* held);
            if (r != 0) return r;
            Done(held);
            var at = new At();
            r = at.Begin(newFd, newPath);
            FsNode* parent = null;
            int s = 0, len = 0;
            if (r == 0) r = RamFs.LookupParent(at.Path, at.Start, out parent, out s, out len);
            if (r == 0 && RamFs.Child(parent, at.Path.Slice(s, len)) != null) r = -Errno.EEXIST;
            return at.End(r != 0 ? r : -Errno.EPERM);
        }

        public static int Symlink(byte* target, int dirFd, byte* path)
        {
            if (target == null) return -Errno.EINVAL;
            var t = Vfs.Span(target);
            if (t.Length == 0) return -Errno.ENOENT;
            if (t.Length >= 4096) return -Errno.ENAMETOOLONG;
            var at = new At();
            int r = at.Begin(dirFd, path);
            if (r == 0) r = SymlinkLocked(t, at.Path, at.Start);
            return at.End(r);
        }

        private static int SymlinkLocked(ReadOnlySpan<byte> target, ReadOnlySpan<byte> p, FsNode* start)
        {
            int r = RamFs.LookupParent(p, start, out FsNode* parent, out int s, out int len);
            if (r != 0) return r;
            var name = p.Slice(s, len);
            if (RamFs.IsDot(name) || RamFs.IsDotDot(name) || RamFs.Child(parent, name) != null) return -Errno.EEXIST;
            if (parent->Links == 0) return -Errno.ENOENT;
            FsNode* n = RamFs.Create(parent, name, RamFs.TypeSymlink | 0x1FF);
            n->Data = (byte*)KernelHeap.Alloc((ulong)target.Length);
            for (int i = 0; i < target.Length; i++) n->Data[i] = target[i];
            n->Size = n->Capacity = (ulong)target.Length;
            Touch(parent);
            return 0;
        }

        public static long Readlink(int dirFd, byte* path, byte* buffer, long size)
        {
            if (size <= 0) return -Errno.EINVAL;
            int r = Find(dirFd, path, AtSymlinkNoFollow, out FsNode* n, out OpenFile* held);
            if (r != 0) return r;
            long length = -Errno.EINVAL;
            if (RamFs.TypeOf(n) == RamFs.TypeSymlink)
            {
                var target = RamFs.LinkTarget(n);
                length = target.Length < size ? target.Length : size;
                for (int i = 0; i < length; i++) buffer[i] = target[i];
            }
            Done(held);
            return length;
        }

        // chdir(path), or fchdir(fd) as Chdir(fd, "", AtEmptyPath).
        public static int Chdir(int dirFd, byte* path, int flags)
        {
            int r = Find(dirFd, path, flags, out FsNode* n, out OpenFile* held);
            if (r != 0) return r;
            if (!RamFs.IsDirectory(n)) r = -Errno.ENOTDIR;
            else
            {
                FsNode* old = Vfs.Cwd;
                n->OpenCount++;
                Vfs.Cwd = n;
                old->OpenCount--;
                RamFs.ReleaseIfUnused(old);
            }
            Done(held);
            return r;
        }

        // The working directory's path into buffer (NUL-terminated): its length, -ERANGE or -ENOENT (removed).
        public static int Getcwd(byte* buffer, int size)
        {
            RamFs.Lock();
            int r = RamFs.PathOf(Vfs.Cwd, buffer, size);
            RamFs.Unlock();
            return r;
        }

        // realpath: every link, "." and ".." resolved; the file must exist. Length or a negative errno.
        public static int Realpath(byte* path, byte* buffer, int size)
        {
            int r = Find(Vfs.AtFdCwd, path, 0, out FsNode* n, out OpenFile* held);
            if (r != 0) return r;
            r = RamFs.PathOf(n, buffer, size);
            Done(held);
            return r == -Errno.ERANGE ? -Errno.ENAMETOOLONG : r;
        }

        public static int Chmod(int dirFd, byte* path, uint mode, int flags)
        {
            int r = Find(dirFd, path, flags, out FsNode* n, out OpenFile* held);
            if (r != 0) return r;
            if (RamFs.TypeOf(n) == RamFs.TypeSymlink) r = -Errno.EOPNOTSUPP;      // as Linux for links
            else
            {
                n->Mode = (n->Mode & RamFs.TypeMask) | (mode & 0xFFF);
                n->CtimeNs = Time.Clock.WallNs();
            }
            Done(held);
            return r;
        }

        // utimensat: times[0] access, times[1] modification ({sec, nsec}; UTIME_NOW, UTIME_OMIT); null: now.
        public static int SetTimes(int dirFd, byte* path, long* times, int flags)
        {
            const long UtimeNow = (1L << 30) - 1, UtimeOmit = (1L << 30) - 2;
            if (times != null)
                for (int i = 0; i < 2; i++)
                {
                    long ns = times[i * 2 + 1];
                    if (ns != UtimeNow && ns != UtimeOmit && (ns < 0 || ns > 999_999_999)) return -Errno.EINVAL;
                }
            int r = Find(dirFd, path, flags | (path == null ? AtEmptyPath : 0), out FsNode* n, out OpenFile* held);
            if (r != 0) return r;
            ulong now = Time.Clock.WallNs();
            for (int i = 0; i < 2; i++)
            {
                long ns = times == null ? UtimeNow : times[i * 2 + 1];
                if (ns == UtimeOmit) continue;
                ulong value = ns == UtimeNow ? now : (ulong)times[i * 2] * 1_000_000_000UL + (ulong)ns;
                if (i == 0) n->AtimeNs = value; else n->MtimeNs = value;
            }
            n->CtimeNs = now;
            Done(held);
            return 0;
        }

        public static int Truncate(int dirFd, byte* path, long length)
        {
            if (length < 0) return -Errno.EINVAL;
            int r = Find(dirFd, path, 0, out FsNode* n, out OpenFile* held);
            if (r != 0) return r;
            r = TruncateNode(n, length);
            Done(held);
            return r;
        }

        // Caller holds the RamFs lock; returns 0 or a negative errno.
        public static int TruncateNode(FsNode* n, long length)
        {
            if (RamFs.IsDirectory(n)) return -Errno.EISDIR;
            if (RamFs.TypeOf(n) != RamFs.TypeRegular || n->Generator != 0) return -Errno.EINVAL;
            return RamFs.Truncate(n, (ulong)length);
        }
    }
}
