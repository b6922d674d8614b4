using System.Runtime.CompilerServices;
using System.Threading;

namespace Nimbus.Kernel.Memory
{
    // Application stacks live in 16 MiB slots of a window at the top of the application half, as
    // kernel stacks do in theirs: the 8 bytes above a stack's top hold the thread running on it, at
    // a fixed place in its slot, so the current thread is found from the stack pointer alone
    // (Scheduler.Current), without a call, in every libc function an application thread calls (a
    // mutex, errno, malloc's lock). The window is one PROT_NONE region that AddressSpace reserves
    // before anything is mapped; a stack is mapped near the top of its slot and the rest of the slot
    // below it is its guard. A stack too large for a slot goes elsewhere, with a guard region of its
    // own, and its thread is found through GS instead.
    internal static unsafe class AppStacks
    {
        public const ulong GuardSize = 64 * 1024;           // below a stack that does not fit a slot
        public const ulong SlotSize = 16UL << 20;
        public const int Slots = 4096;
        public const ulong WindowSize = SlotSize * Slots;          // 64 GiB of address space
        public const ulong WindowBase = AddressSpace.Ceiling - WindowSize;
        private const ulong SlotReserve = 16;               // at the stack's end: [end - 8] the owner, [end - 16] zero
        // The stack ends this far below its slot's end. Without the gap, the stack's busiest page
        // (its top) would sit just below a 16 MiB boundary, like the last page of the program image,
        // which is placed right below the window: the two then share a TLB set, and under TCG every
        // call evicted the other (a function call cost 4x more). Any page count that is not a
        // multiple of a TLB's set count works; 45 pages is 180 KiB of address space, no memory.
        private const ulong TopGap = 45 * 4096;
        private struct SlotMap { public fixed ulong Words[Slots / 64]; }
        private static SlotMap s_slots;                     // one bit per slot in use

        // The thread that runs on the application stack `sp` (null when sp is not in a stack slot or
        // the slot has no owner yet).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void* OwnerOfStack(ulong sp)
        {
            if (sp - WindowBase >= WindowSize) return null;
            return *(void**)((sp | (SlotSize - 1)) - TopGap - 7);
        }

        // Records the thread that will run on the stack whose top Map returned.
        public static void SetOwner(ulong top, void* owner)
        {
            if (top - WindowBase < WindowSize) *(void**)(top + 8) = owner;
        }

        private static int TakeSlot()
        {
            fixed (ulong* words = s_slots.Words)
                for (int w = 0; w < Slots / 64; w++)
                    for (ulong bits = Volatile.Read(ref words[w]); bits != ulong.MaxValue; bits = Volatile.Read(ref words[w]))
                    {
                        int bit = 0;
                        while ((bits & (1UL << bit)) != 0) bit++;
                        if (Interlocked.CompareExchange(ref words[w], bits | (1UL << bit), bits) == bits) return w * 64 + bit;
                    }
            return -1;
        }

        // A stack of `size` bytes with a guard region below; returns its usable top (16-byte aligned;
        // 0 when out of space) and its lowest address.
        public static ulong Map(ulong size, out ulong low)
        {
            low = 0;
            size = AddressSpace.RoundUp(size);
            if (TakeCached(size, out low)) return low + size - SlotReserve;
            if (size <= SlotSize - TopGap - GuardSize)
            {
                int slot = TakeSlot();
                if (slot >= 0)
                {
                    ulong end = WindowBase + (ulong)(slot + 1) * SlotSize - TopGap;
                    if (AddressSpace.Map(end - size, size, VmaSet.ProtRead | VmaSet.ProtWrite, AddressSpace.KindStack, true) == (long)(end - size))
                    {
                        low = end - size;
                        return end - SlotReserve;
                    }
                    ReleaseSlot(slot);
                }
            }
            long guard = AddressSpace.Map(0, size + GuardSize, 0, AddressSpace.KindGuard, false);
            if (guard < 0) return 0;
            long stack = AddressSpace.Map((ulong)guard + GuardSize, size, VmaSet.ProtRead | VmaSet.ProtWrite, AddressSpace.KindStack, true);
            if (stack < 0)
            {
                AddressSpace.Unmap((ulong)guard, size + GuardSize);
                return 0;
            }
            low = (ulong)stack;
            return low + size;
        }

        // Frees a stack Map made (its thread has left it for good).
        public static void Free(ulong low, ulong size)
        {
            if (low - WindowBase < WindowSize)
            {
                if (Cache(low, size)) return;
                // Back to reserved address space: the slot's pages are freed, its guard stays.
                AddressSpace.Map(low, size, 0, AddressSpace.KindGuard, true);
                ReleaseSlot((int)((low - WindowBase) / SlotSize));
            }
            else AddressSpace.Unmap(low - GuardSize, size + GuardSize);
        }

        // Stacks of ended threads stay mapped for the next thread that asks for the same size, as
        // glibc's stack cache does (StackCache; keyed by size).
        private static StackCache s_cache;

        private static bool TakeCached(ulong size, out ulong low)
        {
            low = 0;
            if (s_cache.IsEmpty) return false;
            using (new MemoryLock())
                fixed (StackCache* c = &s_cache)
                    return c->Take(size, out low);
        }

        private static bool Cache(ulong low, ulong size)
        {
            using (new MemoryLock())
                fixed (StackCache* c = &s_cache)
                    return c->Put(size, low);
        }

        private static void ReleaseSlot(int slot)
        {
            fixed (ulong* words = s_slots.Words)
            {
                ulong* word = &words[slot / 64];
                ulong bits;
                do bits = Volatile.Read(ref *word);
                while (Interlocked.CompareExchange(ref *word, bits & ~(1UL << (slot % 64)), bits) != bits);
            }
        }
    }
}
