using System.Runtime;
using System.Threading;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Start;
using Nimbus.Kernel.Libc.Stdio;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Libc.Stdlib
{
    // The malloc family on the kernel heap (16-byte aligned, as glibc's). Over-aligned blocks
    // (posix_memalign and friends) are carved from a larger block; a table, grown as needed, maps
    // them back to that block (for free, realloc and malloc_usable_size). A pointer the heap did not
    // hand out, or one freed already, ends the program as glibc's "free(): invalid pointer" and
    // "double free detected" do, instead of corrupting the heap or panicking the kernel.
    internal static unsafe class Malloc
    {
        private struct AlignedEntry { public ulong Aligned, Original; }
        private static AlignedEntry* s_aligned;      // made on the first over-aligned allocation
        private static int s_alignedCapacity, s_alignedCount;
        private static Sync.Mutex s_alignedLock;

        [RuntimeExport("abi_malloc")]
        public static void* Allocate(ulong size)
        {
            if (size > (1UL << 40)) { LibcErrno.Set(Errno.ENOMEM); return null; }
            void* p;
            using (new MemoryLock())
                fixed (Heap* heap = &KernelMemory.KernelHeap) p = heap->Allocate(size);
            if (p == null) LibcErrno.Set(Errno.ENOMEM);
            return p;
        }

        [RuntimeExport("abi_free")]
        public static void Free(void* p)
        {
            if (p == null) return;
            if (Volatile.Read(ref s_alignedCount) > 0)
            {
                void* original = FindAligned(p, remove: true);
                if (original != null) p = original;
            }
            CheckAndMaybeFree(p, "free", free: true);
        }

        // Refuses (ending the program) a pointer the heap did not hand out or one already freed;
        // frees a good one when asked, under the same lock as the check.
        private static void CheckAndMaybeFree(void* p, string function, bool free)
        {
            bool owned, freed = false;
            using (new MemoryLock())
                fixed (Heap* heap = &KernelMemory.KernelHeap)
                {
                    owned = heap->Owns(p);
                    if (owned) freed = heap->IsFree(p);
                    if (owned && !freed)
                    {
                        if (free) heap->Free(p);
                        return;
                    }
                }
            Streams.FlushAll();
            if (freed) Log.Error($"nimbus: {function}(): double free of 0x{(ulong)p:x}: the block was already freed");
            else Log.Error($"nimbus: {function}(): invalid pointer 0x{(ulong)p:x}: not a block that malloc returned");
            Process.Die("invalid pointer passed to the allocator", 134);
        }

        [RuntimeExport("abi_calloc")]
        private static void* Calloc(ulong count, ulong size)
        {
            ulong total = count * size;
            if (size != 0 && total / size != count) { LibcErrno.Set(Errno.ENOMEM); return null; }
            void* p = Allocate(total);
            if (p != null) Mem.Set((byte*)p, 0, (nuint)total);
            return p;
        }

        [RuntimeExport("abi_realloc")]
        public static void* Reallocate(void* p, ulong size)
        {
            if (p == null) return Allocate(size);
            if (size == 0) { Free(p); return null; }
            ulong old = UsableSize(p);
            if (size <= old && size >= old / 2) return p;
            void* n = Allocate(size);
            if (n == null) return null;
            Mem.Move((byte*)n, (byte*)p, (nuint)(old < size ? old : size));
            Free(p);
            return n;
        }

        [RuntimeExport("abi_reallocarray")]
        private static void* ReallocArray(void* p, ulong count, ulong size)
        {
            ulong total = count * size;
            if (size != 0 && total / size != count) { LibcErrno.Set(Errno.ENOMEM); return null; }
            return Reallocate(p, total);
        }

        // The bytes usable from p on (an over-aligned p starts inside its block).
        private static ulong UsableSize(void* p)
        {
            void* block = Volatile.Read(ref s_alignedCount) > 0 ? FindAligned(p, remove: false) : null;
            if (block == null) block = p;
            CheckAndMaybeFree(block, "realloc", free: false);
            using (new MemoryLock())
                fixed (Heap* heap = &KernelMemory.KernelHeap) return heap->UsableSize(block) - (ulong)((byte*)p - (byte*)block);
        }

        [RuntimeExport("abi_malloc_usable_size")]
        private static ulong MallocUsableSize(void* p) => p == null ? 0 : UsableSize(p);

        [RuntimeExport("abi_posix_memalign")]
        private static int PosixMemalign(void** result, ulong alignment, ulong size)
        {
            if (alignment < 8 || (alignment & (alignment - 1)) != 0) return Errno.EINVAL;
            void* p = Aligned(alignment, size);
            if (p == null) return Errno.ENOMEM;
            *result = p;
            return 0;
        }

        [RuntimeExport("abi_valloc")]
        private static void* Valloc(ulong size) => Aligned(4096, size);

        [RuntimeExport("abi_aligned_alloc")]
        private static void* Aligned(ulong alignment, ulong size)
        {
            if (alignment == 0 || (alignment & (alignment - 1)) != 0) { LibcErrno.Set(Errno.EINVAL); return null; }
            if (alignment <= 16) return Allocate(size);
            byte* raw = (byte*)Allocate(size + alignment);
            if (raw == null) return null;
            byte* p = (byte*)(((ulong)raw + alignment - 1) & ~(alignment - 1));
            if (p == raw) return p;
            fixed (Sync.Mutex* m = &s_alignedLock)
            {
                m->Lock();
                if (s_alignedCount == s_alignedCapacity && !GrowAligned())
                {
                    m->Unlock();
                    KernelHeap.Free(raw);
                    LibcErrno.Set(Errno.ENOMEM);
                    return null;
                }
                s_aligned[s_alignedCount].Aligned = (ulong)p;
                s_aligned[s_alignedCount].Original = (ulong)raw;
                Volatile.Write(ref s_alignedCount, s_alignedCount + 1);
                m->Unlock();
            }
            return p;
        }

        // Doubles the table (called with its lock held).
        private static bool GrowAligned()
        {
            int capacity = s_alignedCapacity == 0 ? 64 : s_alignedCapacity * 2;
            var bigger = (AlignedEntry*)KernelHeap.Alloc((ulong)capacity * (ulong)sizeof(AlignedEntry));
            if (bigger == null) return false;
            for (int i = 0; i < s_alignedCount; i++) bigger[i] = s_aligned[i];
            if (s_aligned != null) KernelHeap.Free(s_aligned);
            s_aligned = bigger;
            s_alignedCapacity = capacity;
            return true;
        }

        // The block an over-aligned pointer was carved from (and, with remove, forgets it), or null.
        private static void* FindAligned(void* p, bool remove)
        {
            void* original = null;
            fixed (Sync.Mutex* m = &s_alignedLock)
            {
                m->Lock();
                for (int i = 0; i < s_alignedCount; i++)
                    if (s_aligned[i].Aligned == (ulong)p)
                    {
                        original = (void*)s_aligned[i].Original;
                        if (remove)
                        {
                            s_aligned[i] = s_aligned[s_alignedCount - 1];
                            Volatile.Write(ref s_alignedCount, s_alignedCount - 1);
                        }
                        break;
                    }
                m->Unlock();
            }
            return original;
        }
    }
}
