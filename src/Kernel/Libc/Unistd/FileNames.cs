using System.Runtime;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Stat;
using Nimbus.Kernel.Libc.Stdlib;

namespace Nimbus.Kernel.Libc.Unistd
{
    // x86-64 `struct dirent` (dirent64 is the same): d_ino, d_off, d_reclen, d_type, d_name[256].
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct LinuxDirent
    {
        public ulong Ino;
        public long Offset;
        public ushort RecordLength;
        public byte Type;
        public fixed byte Name[256];
    }

    // A directory stream (DIR): the descriptor and the entry readdir returns.
    internal unsafe struct DirStream
    {
        public int Fd;
        public LinuxDirent Entry;
    }

    // <dirent.h> and the directory half of <unistd.h>/<stdio.h>: directory streams, creating and
    // removing names, links, the working directory, realpath and temporary names.
    internal static unsafe class FileNames
    {
        private const int AtFdCwd = Vfs.AtFdCwd;
        private const int PathMax = 4096;

        [RuntimeExport("abi_opendir")]
        private static DirStream* Opendir(byte* path)
        {
            int fd = Vfs.Open(path, Vfs.ORdOnly | Vfs.ODirectory | Vfs.OCloExec, 0);
            if (LibcErrno.Failed(fd)) return null;
            return NewStream(fd);
        }

        [RuntimeExport("abi_fdopendir")]
        private static DirStream* Fdopendir(int fd)
        {
            OpenFile* f = Vfs.Get(fd);
            if (f == null || (f->Flags & Vfs.OPath) != 0) { LibcErrno.Set(Errno.EBADF); return null; }
            if (!RamFs.IsDirectory(f->Node)) { LibcErrno.Set(Errno.ENOTDIR); return null; }
            return NewStream(fd);
        }

        private static DirStream* NewStream(int fd)
        {
            var d = (DirStream*)Malloc.Allocate((ulong)sizeof(DirStream));
            if (d == null) { Vfs.Close(fd); return null; }
            d->Fd = fd;
            return d;
        }

        [RuntimeExport("abi_readdir")]
        private static LinuxDirent* Readdir(DirStream* d) => Read(d);
        [RuntimeExport("abi_readdir64")]
        private static LinuxDirent* Readdir64(DirStream* d) => Read(d);

        // The next entry, or null at the end (errno untouched) or on an error (errno set).
        private static LinuxDirent* Read(DirStream* d)
        {
            if (d == null) { LibcErrno.Set(Errno.EBADF); return null; }
            OpenFile* f = Vfs.Acquire(d->Fd);
            if (f == null) { LibcErrno.Set(Errno.EBADF); return null; }
            DirEntry e;
            int r = Directories.Next(f, &e);
            Vfs.Put(f);
            if (LibcErrno.Failed(r) || r == 0) return null;
            LinuxDirent* out_ = &d->Entry;
            out_->Ino = e.Ino;
            out_->Offset = e.NextOffset;
            out_->RecordLength = (ushort)((19 + e.NameLength + 1 + 7) & ~7);
            out_->Type = e.Type;
            for (int i = 0; i <= e.NameLength; i++) out_->Name[i] = e.Name[i];
            return out_;
        }

        [RuntimeExport("abi_readdir_r")]
        private static int ReaddirR(DirStream* d, LinuxDirent* entry, LinuxDirent** result) => ReadInto(d, entry, result);
        [RuntimeExport("abi_readdir64_r")]
        private static int Readdir64R(DirStream* d, LinuxDirent* entry, LinuxDirent** result) => ReadInto(d, entry, result);

        private static int ReadInto(DirStream* d, LinuxDirent* entry, LinuxDirent** result)
        {
            int saved = LibcErrno.Get();
            LibcErrno.Set(0);
            LinuxDirent* e = Read(d);
            int error = LibcErrno.Get();
            LibcErrno.Set(saved);
            if (e != null) { *entry = *e; *result = entry; return 0; }
            *result = null;
            return error;
        }

        [RuntimeExport("abi_closedir")]
        private static int Closedir(DirStream* d)
        {
            if (d == null) return LibcErrno.Fail(-Errno.EBADF);
            int r = Vfs.Close(d->Fd);
            Malloc.Free(d);
            return (int)LibcErrno.Result(r);
        }

        [RuntimeExport("abi_rewinddir")]
        private static void Rewinddir(DirStream* d) => Vfs.Seek(d->Fd, 0, 0);
        [RuntimeExport("abi_dirfd")]
        private static int Dirfd(DirStream* d) => d == null ? LibcErrno.Fail(-Errno.EINVAL) : d->Fd;
        [RuntimeExport("abi_telldir")]
        private static long Telldir(DirStream* d) => LibcErrno.Result(Vfs.Seek(d->Fd, 0, 1));
        [RuntimeExport("abi_seekdir")]
        private static void Seekdir(DirStream* d, long position) => Vfs.Seek(d->Fd, position, 0);

        // scandir: every entry the filter accepts, sorted with compar, in malloc'd memory the caller frees.
        [RuntimeExport("abi_scandir")]
        private static int Scandir(byte* path, LinuxDirent*** list, delegate* unmanaged<LinuxDirent*, int> filter,
            delegate* unmanaged<LinuxDirent**, LinuxDirent**, int> compare) => Scan(path, list, filter, compare);
        [RuntimeExport("abi_scandir64")]
        private static int Scandir64(byte* path, LinuxDirent*** list, delegate* unmanaged<LinuxDirent*, int> filter,
            delegate* unmanaged<LinuxDirent**, LinuxDirent**, int> compare) => Scan(path, list, filter, compare);

        private static int Scan(byte* path, LinuxDirent*** list, delegate* unmanaged<LinuxDirent*, int> filter,
            delegate* unmanaged<LinuxDirent**, LinuxDirent**, int> compare)
        {
            int fd = Vfs.Open(path, Vfs.ORdOnly | Vfs.ODirectory | Vfs.OCloExec, 0);
            if (fd < 0) return (int)LibcErrno.Result(fd);
            DirStream* d = NewStream(fd);
            if (d == null) return -1;
            int count = 0, capacity = 16;
            var items = (LinuxDirent**)Malloc.Allocate((ulong)capacity * 8);
            for (LinuxDirent* e = Read(d); e != null && items != null; e = Read(d))
            {
                if (filter != null && filter(e) == 0) continue;
                if (count == capacity) items = (LinuxDirent**)Malloc.Reallocate(items, (ulong)(capacity *= 2) * 8);
                var copy = (LinuxDirent*)Malloc.Allocate((ulong)sizeof(LinuxDirent));
                if (items == null || copy == null) break;
                *copy = *e;
                items[count++] = copy;
            }
            Vfs.Close(fd);
            Malloc.Free(d);
            if (items == null) return LibcErrno.Fail(-Errno.ENOMEM);
            if (compare != null) Sort(items, count, compare);
            *list = items;
            return count;
        }

        // Insertion sort: directory listings are short, and it needs no scratch memory.
        private static void Sort(LinuxDirent** items, int count, delegate* unmanaged<LinuxDirent**, LinuxDirent**, int> compare)
        {
            for (int i = 1; i < count; i++)
            {
                LinuxDirent* item = items[i];
                int j = i - 1;
                while (j >= 0 && compare(&items[j], &item) > 0) { items[j + 1] = items[j]; j--; }
                items[j + 1] = item;
            }
        }

        [RuntimeExport("abi_alphasort")]
        private static int Alphasort(LinuxDirent** a, LinuxDirent** b) => Compare((*a)->Name, (*b)->Name);
        [RuntimeExport("abi_alphasort64")]
        private static int Alphasort64(LinuxDirent** a, LinuxDirent** b) => Compare((*a)->Name, (*b)->Name);
        [RuntimeExport("abi_versionsort")]
        private static int Versionsort(LinuxDirent** a, LinuxDirent** b) => Compare((*a)->Name, (*b)->Name);

        private static int Compare(byte* a, byte* b)
        {
            while (*a != 0 && *a == *b) { a++; b++; }
            return *a - *b;
        }

        [RuntimeExport("abi_mkdir")]
        private static int Mkdir(byte* p, uint mode) => (int)LibcErrno.Result(Names.Mkdir(AtFdCwd, p, mode));
        [RuntimeExport("abi_mkdirat")]
        private static int Mkdirat(int dirFd, byte* p, uint mode) => (int)LibcErrno.Result(Names.Mkdir(dirFd, p, mode));
        [RuntimeExport("abi_rmdir")]
        private static int Rmdir(byte* p) => (int)LibcErrno.Result(Names.Unlink(AtFdCwd, p, Names.AtRemoveDir));
        [RuntimeExport("abi_unlink")]
        private static int Unlink(byte* p) => (int)LibcErrno.Result(Names.Unlink(AtFdCwd, p, 0));
        [RuntimeExport("abi_unlinkat")]
        private static int Unlinkat(int dirFd, byte* p, int flags) => (int)LibcErrno.Result(Names.Unlink(dirFd, p, flags));

        // remove: unlink, or rmdir for a directory.
        [RuntimeExport("abi_remove")]
        private static int Remove(byte* p)
        {
            int r = Names.Unlink(AtFdCwd, p, 0);
            if (r == -Errno.EISDIR) r = Names.Unlink(AtFdCwd, p, Names.AtRemoveDir);
            return (int)LibcErrno.Result(r);
        }

        [RuntimeExport("abi_rename")]
        private static int Rename(byte* from, byte* to) => (int)LibcErrno.Result(Names.Rename(AtFdCwd, from, AtFdCwd, to, 0));
        [RuntimeExport("abi_renameat")]
        private static int Renameat(int fromFd, byte* from, int toFd, byte* to) => (int)LibcErrno.Result(Names.Rename(fromFd, from, toFd, to, 0));
        [RuntimeExport("abi_renameat2")]
        private static int Renameat2(int fromFd, byte* from, int toFd, byte* to, uint flags) => (int)LibcErrno.Result(Names.Rename(fromFd, from, toFd, to, (int)flags));

        [RuntimeExport("abi_link")]
        private static int Link(byte* from, byte* to) => (int)LibcErrno.Result(Names.Link(AtFdCwd, from, AtFdCwd, to, 0));
        [RuntimeExport("abi_linkat")]
        private static int Linkat(int fromFd, byte* from, int toFd, byte* to, int flags) => (int)LibcErrno.Result(Names.Link(fromFd, from, toFd, to, flags));
        [RuntimeExport("abi_symlink")]
        private static int Symlink(byte* target, byte* p) => (int)LibcErrno.Result(Names.Symlink(target, AtFdCwd, p));
        [RuntimeExport("abi_symlinkat")]
        private static int Symlinkat(byte* target, int dirFd, byte* p) => (int)LibcErrno.Result(Names.Symlink(target, dirFd, p));

        [RuntimeExport("abi_readlink")]
        private static long Readlink(byte* p, byte* b, ulong size) => LibcErrno.Result(Names.Readlink(AtFdCwd, p, b, (long)size));
        [RuntimeExport("abi_readlinkat")]
        private static long Readlinkat(int dirFd, byte* p, byte* b, ulong size) => LibcErrno.Result(Names.Readlink(dirFd, p, b, (long)size));
        [RuntimeExport("abi___readlink_chk")]
        private static long ReadlinkChk(byte* p, byte* b, ulong size, ulong bufferSize) => LibcErrno.Result(Names.Readlink(AtFdCwd, p, b, (long)size));

        [RuntimeExport("abi_chdir")]
        private static int Chdir(byte* p) => (int)LibcErrno.Result(Names.Chdir(AtFdCwd, p, 0));
        [RuntimeExport("abi_fchdir")]
        private static int Fchdir(int fd) => (int)LibcErrno.Result(Names.Chdir(fd, null, Names.AtEmptyPath));

        [RuntimeExport("abi_getcwd")]
        private static byte* Getcwd(byte* buffer, ulong size) => CurrentDirectory(buffer, size);
        [RuntimeExport("abi___getcwd_chk")]
        private static byte* GetcwdChk(byte* buffer, ulong size, ulong bufferSize) => CurrentDirectory(buffer, size);
        [RuntimeExport("abi_get_current_dir_name")]
        private static byte* GetCurrentDirName() => CurrentDirectory(null, 0);

        // getcwd; with a null buffer the result is malloc'd (size bytes, or as many as needed for 0).
        private static byte* CurrentDirectory(byte* buffer, ulong size)
        {
            if (buffer != null && size == 0) { LibcErrno.Set(Errno.EINVAL); return null; }
            byte* scratch = stackalloc byte[PathMax];
            int n = Names.Getcwd(scratch, PathMax);
            if (LibcErrno.Failed(n)) return null;
            if (size != 0 && (ulong)n + 1 > size) { LibcErrno.Set(Errno.ERANGE); return null; }
            if (buffer == null) buffer = (byte*)Malloc.Allocate(size != 0 ? size : (ulong)n + 1);
            if (buffer == null) return null;
            Mem.Move(buffer, scratch, (nuint)n + 1);
            return buffer;
        }

        [RuntimeExport("abi_realpath")]
        private static byte* Realpath(byte* path, byte* resolved) => Resolve(path, resolved);
        [RuntimeExport("abi___realpath_chk")]
        private static byte* RealpathChk(byte* path, byte* resolved, ulong size) => Resolve(path, resolved);
        [RuntimeExport("abi_canonicalize_file_name")]
        private static byte* CanonicalizeFileName(byte* path) => Resolve(path, null);

        // realpath: into `resolved` (PATH_MAX bytes) or a malloc'd copy when it is null.
        private static byte* Resolve(byte* path, byte* resolved)
        {
            if (path == null) { LibcErrno.Set(Errno.EINVAL); return null; }
            byte* scratch = stackalloc byte[PathMax];
            int n = Names.Realpath(path, scratch, PathMax);
            if (LibcErrno.Failed(n)) return null;
            if (resolved == null) resolved = (byte*)Malloc.Allocate((ulong)n + 1);
            if (resolved == null) return null;
            Mem.Move(resolved, scratch, (nuint)n + 1);
            return resolved;
        }

        [RuntimeExport("abi_mkstemp")]
        private static int Mkstemp(byte* template) => (int)LibcErrno.Result(TempFile(template, 0, 0));
        [RuntimeExport("abi_mkstemp64")]
        private static int Mkstemp64(byte* template) => (int)LibcErrno.Result(TempFile(template, 0, 0));
        [RuntimeExport("abi_mkostemp")]
        private static int Mkostemp(byte* template, int flags) => (int)LibcErrno.Result(TempFile(template, 0, flags));
        [RuntimeExport("abi_mkostemp64")]
        private static int Mkostemp64(byte* template, int flags) => (int)LibcErrno.Result(TempFile(template, 0, flags));
        [RuntimeExport("abi_mkstemps")]
        private static int Mkstemps(byte* template, int suffix) => (int)LibcErrno.Result(TempFile(template, suffix, 0));
        [RuntimeExport("abi_mkstemps64")]
        private static int Mkstemps64(byte* template, int suffix) => (int)LibcErrno.Result(TempFile(template, suffix, 0));
        [RuntimeExport("abi_mkostemps")]
        private static int Mkostemps(byte* template, int suffix, int flags) => (int)LibcErrno.Result(TempFile(template, suffix, flags));
        [RuntimeExport("abi_mkostemps64")]
        private static int Mkostemps64(byte* template, int suffix, int flags) => (int)LibcErrno.Result(TempFile(template, suffix, flags));

        // Replaces the six X before `suffix` trailing bytes with random letters and digits and
        // creates the file exclusively (0600), trying new names while they exist.
        public static int TempFile(byte* template, int suffix, int flags)
        {
            byte* x = Xs(template, suffix);
            if (x == null) return -Errno.EINVAL;
            int flagsOk = flags & (Vfs.OAppend | Vfs.OCloExec | 0x1000 | 0x4000 | 0x40000);   // O_SYNC, O_DIRECT, O_NOATIME
            for (int attempt = 0; attempt < 1000; attempt++)
            {
                Fill(x);
                int fd = Vfs.Open(template, Vfs.ORdWr | Vfs.OCreat | Vfs.OExcl | flagsOk, 0x180);
                if (fd != -Errno.EEXIST) return fd;
            }
            return -Errno.EEXIST;
        }

        [RuntimeExport("abi_mkdtemp")]
        private static byte* Mkdtemp(byte* template)
        {
            byte* x = Xs(template, 0);
            if (x == null) { LibcErrno.Set(Errno.EINVAL); return null; }
            for (int attempt = 0; attempt < 1000; attempt++)
            {
                Fill(x);
                int r = Names.Mkdir(AtFdCwd, template, 0x1C0);
                if (r == 0) return template;
                if (r != -Errno.EEXIST && LibcErrno.Failed(r)) return null;
            }
            LibcErrno.Set(Errno.EEXIST);
            return null;
        }

        // mktemp: only the name (racy by design; kept for old programs).
        [RuntimeExport("abi_mktemp")]
        private static byte* Mktemp(byte* template)
        {
            int r = UnusedName(template);
            if (LibcErrno.Failed(r)) template[0] = 0;
            return template;
        }

        // Fills the template's XXXXXX with a name nothing has yet: 0 or a negative errno.
        public static int UnusedName(byte* template)
        {
            byte* x = Xs(template, 0);
            if (x == null) return -Errno.EINVAL;
            LinuxStat s;
            for (int attempt = 0; attempt < 1000; attempt++)
            {
                Fill(x);
                if (FileStatus.StatAt(AtFdCwd, template, &s, Names.AtSymlinkNoFollow) == -Errno.ENOENT) return 0;
            }
            return -Errno.EEXIST;
        }

        private static byte* Xs(byte* template, int suffix)
        {
            if (template == null || suffix < 0) return null;
            int n = 0;
            while (template[n] != 0) n++;
            if (n < 6 + suffix) return null;
            byte* x = template + n - suffix - 6;
            for (int i = 0; i < 6; i++) if (x[i] != (byte)'X') return null;
            return x;
        }

        private static void Fill(byte* x)
        {
            System.ReadOnlySpan<byte> chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"u8;
            byte* random = stackalloc byte[6];
            Vfs.Random(random, 6);
            for (int i = 0; i < 6; i++) x[i] = chars[random[i] % chars.Length];
        }
    }
}
