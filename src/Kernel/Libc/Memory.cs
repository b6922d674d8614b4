using System.Runtime;
using Nimbus.Kernel.Memory;

namespace Nimbus.Kernel.Libc
{
    // The malloc family on the kernel heap (16-byte aligned, as glibc's). Over-aligned blocks
    // (posix_memalign and friends) are carved from a larger block; a small table maps them back
    // to what free must release.
    internal static unsafe class Memory
    {
        private const int ENOMEM = 12, EINVAL = 22;
        private const int AlignedSlots = 1024;
        private struct AlignedTable { public fixed ulong Keys[AlignedSlots]; public fixed ulong Originals[AlignedSlots]; }
        private static AlignedTable* s_aligned;      // made on the first over-aligned allocation
        private static int s_alignedCount;
        private static Sync.Mutex s_alignedLock;

        public static void* Malloc(ulong size)
        {
            if (size > (1UL << 40)) { Process.SetErrno(ENOMEM); return null; }
            void* p;
            using (new MemoryLock())
                fixed (Heap* heap = &KernelMemory.KernelHeap) p = heap->Allocate(size);
            if (p == null) Process.SetErrno(ENOMEM);
            return p;
        }

        public static void Free(void* p)
        {
            if (p == null) return;
            if (s_alignedCount > 0)
            {
                void* original = TakeAligned(p);
                if (original != null) p = original;
            }
            KernelHeap.Free(p);
        }

        [RuntimeExport("abi_malloc")]
        private static void* MallocExport(ulong size) => Malloc(size);

        [RuntimeExport("abi_free")]
        private static void FreeExport(void* p) => Free(p);

        [RuntimeExport("abi_calloc")]
        private static void* Calloc(ulong count, ulong size)
        {
            ulong total = count * size;
            if (size != 0 && total / size != count) { Process.SetErrno(ENOMEM); return null; }
            void* p = Malloc(total);
            if (p != null) Mem.Set((byte*)p, 0, (nuint)total);
            return p;
        }

        [RuntimeExport("abi_realloc")]
        private static void* Realloc(void* p, ulong size) => Reallocate(p, size);

        public static void* Reallocate(void* p, ulong size)
        {
            if (p == null) return Malloc(size);
            if (size == 0) { Free(p); return null; }
            ulong old = UsableSize(p);
            if (size <= old && size >= old / 2) return p;
            void* n = Malloc(size);
            if (n == null) return null;
            Mem.Move((byte*)n, (byte*)p, (nuint)(old < size ? old : size));
            Free(p);
            return n;
        }

        [RuntimeExport("abi_reallocarray")]
        private static void* ReallocArray(void* p, ulong count, ulong size)
        {
            ulong total = count * size;
            if (size != 0 && total / size != count) { Process.SetErrno(ENOMEM); return null; }
            return Reallocate(p, total);
        }

        private static ulong UsableSize(void* p)
        {
            using (new MemoryLock())
                fixed (Heap* heap = &KernelMemory.KernelHeap) return heap->UsableSize(p);
        }

        [RuntimeExport("abi_malloc_usable_size")]
        private static ulong MallocUsableSize(void* p) => p == null ? 0 : UsableSize(p);

        [RuntimeExport("abi_posix_memalign")]
        private static int PosixMemalign(void** result, ulong alignment, ulong size)
        {
            if (alignment < 8 || (alignment & (alignment - 1)) != 0) return EINVAL;
            void* p = Aligned(alignment, size);
            if (p == null) return ENOMEM;
            *result = p;
            return 0;
        }

        [RuntimeExport("abi_aligned_alloc")]
        private static void* AlignedAlloc(ulong alignment, ulong size) => Aligned(alignment, size);

        [RuntimeExport("abi_memalign")]
        private static void* Memalign(ulong alignment, ulong size) => Aligned(alignment, size);

        [RuntimeExport("abi_valloc")]
        private static void* Valloc(ulong size) => Aligned(4096, size);

        private static void* Aligned(ulong alignment, ulong size)
        {
            if (alignment == 0 || (alignment & (alignment - 1)) != 0) { Process.SetErrno(EINVAL); return null; }
            if (alignment <= 16) return Malloc(size);
            byte* raw = (byte*)Malloc(size + alignment);
            if (raw == null) return null;
            byte* p = (byte*)(((ulong)raw + alignment - 1) & ~(alignment - 1));
            if (p == raw) return p;
            fixed (Sync.Mutex* m = &s_alignedLock)
            {
                m->Lock();
                bool stored = false;
                if (s_aligned == null) s_aligned = (AlignedTable*)KernelHeap.AllocZeroed((ulong)sizeof(AlignedTable));
                AlignedTable* t = s_aligned;
                for (int i = 0; t != null && i < AlignedSlots && !stored; i++)
                    if (t->Keys[i] == 0) { t->Keys[i] = (ulong)p; t->Originals[i] = (ulong)raw; s_alignedCount++; stored = true; }
                m->Unlock();
                if (!stored) Process.Die("too many live over-aligned allocations (posix_memalign)", 134);
            }
            return p;
        }

        private static void* TakeAligned(void* p)
        {
            void* original = null;
            fixed (Sync.Mutex* m = &s_alignedLock)
            {
                m->Lock();
                AlignedTable* t = s_aligned;
                for (int i = 0; t != null && i < AlignedSlots; i++)
                    if (t->Keys[i] == (ulong)p) { original = (void*)t->Originals[i]; t->Keys[i] = 0; s_alignedCount--; break; }
                m->Unlock();
            }
            return original;
        }
    }
}
