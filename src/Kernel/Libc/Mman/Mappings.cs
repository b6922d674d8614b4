using System.Runtime;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Libc.Mman
{
    // <sys/mman.h> on the application address space (Memory/AddressSpace.cs): anonymous mappings are
    // reservations paged in on first touch; file mappings are private copies of the file's bytes.
    internal static unsafe class Mappings
    {
        private const int MapShared = 0x01, MapPrivate = 0x02, MapFixed = 0x10, MapAnonymous = 0x20, MapFixedNoReplace = 0x100000;

        [RuntimeExport("abi_mmap")]
        public static ulong Map(ulong address, ulong length, int prot, int flags, int fd, long offset)
        {
            if (length == 0 || (offset & 4095) != 0 || (flags & (MapShared | MapPrivate)) == 0) return Fail(-Errno.EINVAL);
            if ((flags & (MapShared | MapAnonymous)) == MapShared && (prot & 2) != 0)
            {
                // Writes through a shared file mapping would have to reach the file; a private copy
                // would lose them silently. Refuse, and say so.
                Log.Error($"nimbus: mmap of a file with MAP_SHARED and PROT_WRITE is not supported (writes would not reach the file): ENODEV");
                return Fail(-Errno.ENODEV);
            }
            bool fixedAddress = (flags & MapFixed) != 0;
            if ((flags & MapFixedNoReplace) != 0 && address != 0)
            {
                // The caller wants exactly this address, but never over an existing mapping.
                long got = AddressSpace.Map(address, length, (uint)prot & 7, AddressSpace.KindAnonymous, false);
                if (got < 0) return Fail(got);
                if ((ulong)got != address) { AddressSpace.Unmap((ulong)got, length); return Fail(-Errno.EEXIST); }
                return (flags & MapAnonymous) == 0 ? FillFromFile((ulong)got, length, fd, offset, prot) : (ulong)got;
            }
            long start = AddressSpace.Map(address, length, (uint)prot & 7, AddressSpace.KindAnonymous, fixedAddress);
            if (start < 0) return Fail(start);
            if ((flags & MapAnonymous) != 0) return (ulong)start;
            return FillFromFile((ulong)start, length, fd, offset, prot);
        }

        // A file mapping: the file's bytes copied in (private semantics; a read-only MAP_SHARED
        // mapping reads the same bytes unless the file changes later).
        private static ulong FillFromFile(ulong start, ulong length, int fd, long offset, int prot)
        {
            OpenFile* f = Vfs.Get(fd);
            if (f == null) { AddressSpace.Unmap(start, length); return Fail(-Errno.EBADF); }
            FsNode* n = f->Node;
            if ((n->Mode & RamFs.TypeMask) != RamFs.TypeRegular) { AddressSpace.Unmap(start, length); return Fail(-Errno.ENODEV); }
            if ((prot & 2) == 0) AddressSpace.Protect(start, length, (uint)prot | 2);
            RamFs.Lock();
            if ((ulong)offset < n->Size)
            {
                ulong count = n->Size - (ulong)offset;
                if (count > length) count = length;
                Mem.Move((byte*)start, n->Data + offset, (nuint)count);
            }
            RamFs.Unlock();
            if ((prot & 2) == 0) AddressSpace.Protect(start, length, (uint)prot & 7);
            return start;
        }

        // MAP_FAILED with errno set.
        private static ulong Fail(long negErrno) => (ulong)LibcErrno.Result(negErrno);

        [RuntimeExport("abi_munmap")]
        private static int Munmap(ulong address, ulong length) => LibcErrno.Result(AddressSpace.Unmap(address, length));

        [RuntimeExport("abi_mprotect")]
        private static int Mprotect(ulong address, ulong length, int prot) => LibcErrno.Result(AddressSpace.Protect(address, length, (uint)prot & 7));

        // MADV_DONTNEED (4) gives the pages back (they read as zero afterwards, as on Linux);
        // every other advice is a hint we may ignore.
        [RuntimeExport("abi_posix_madvise")]
        private static int PosixMadvise(ulong address, ulong length, int advice) => advice == 4 ? 0 : Advise(address, length, advice) == 0 ? 0 : LibcErrno.Get();

        [RuntimeExport("abi_madvise")]
        private static int Advise(ulong address, ulong length, int advice)
        {
            if ((address & 4095) != 0) return LibcErrno.Fail(-Errno.EINVAL);
            if (advice == 4) return LibcErrno.Result(AddressSpace.Discard(address, length));
            return 0;
        }

        [RuntimeExport("abi_mlock")]
        private static int Mlock(ulong address, ulong length) => 0;          // nothing is ever paged out
        [RuntimeExport("abi_munlock")]
        private static int Munlock(ulong address, ulong length) => 0;
        [RuntimeExport("abi_mlockall")]
        private static int Mlockall(int flags) => 0;
        [RuntimeExport("abi_msync")]
        private static int Msync(ulong address, ulong length, int flags) => 0;    // no writable shared file mappings exist (see Map)
    }
}
