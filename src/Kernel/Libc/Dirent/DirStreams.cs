using System.Runtime;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Stdlib;

namespace Nimbus.Kernel.Libc.Dirent
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

    // <dirent.h>: directory streams (opendir, readdir, scandir...) over getdents64.
    internal static unsafe class DirStreams
    {
        [RuntimeExport("abi_getdents64")]
        private static long Getdents64(int fd, byte* buffer, ulong size) => LibcErrno.Result(GetDents(fd, buffer, size));

        // linux_dirent64 records (d_ino, d_off, d_reclen, d_type, d_name), 8-byte aligned. A bytes count or -errno.
        public static long GetDents(int fd, byte* buffer, ulong size)
        {
            OpenFile* f = Vfs.Acquire(fd);
            if (f == null) return -Errno.EBADF;
            long used = 0;
            DirEntry e;
            while (true)
            {
                long saved = f->DirIndex;
                int r = Directories.Next(f, &e);
                if (r <= 0) { if (r < 0 && used == 0) used = r; break; }
                int reclen = (19 + e.NameLength + 1 + 7) & ~7;
                if ((ulong)(used + reclen) > size)
                {
                    RamFs.Lock();
                    Directories.Seek(f, saved);                                  // this entry goes in the next call
                    RamFs.Unlock();
                    if (used == 0) used = -Errno.EINVAL;
                    break;
                }
                WriteDirent(buffer + used, &e, reclen);
                used += reclen;
            }
            Vfs.Put(f);
            return used;
        }

        public static void WriteDirent(byte* d, DirEntry* e, int reclen)
        {
            *(ulong*)d = e->Ino;
            *(long*)(d + 8) = e->NextOffset;
            *(ushort*)(d + 16) = (ushort)reclen;
            d[18] = e->Type;
            for (int i = 0; i <= e->NameLength; i++) d[19 + i] = e->Name[i];
            for (int i = 19 + e->NameLength + 1; i < reclen; i++) d[i] = 0;
        }

        [RuntimeExport("abi_opendir")]
        internal static DirStream* Opendir(byte* path)
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

        // The next entry, or null at the end (errno untouched) or on an error (errno set).
        [RuntimeExport("abi_readdir")]
        internal static LinuxDirent* Read(DirStream* d)
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
        internal static int Closedir(DirStream* d)
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

        private static int Compare(byte* a, byte* b)
        {
            while (*a != 0 && *a == *b) { a++; b++; }
            return *a - *b;
        }
    }
}
