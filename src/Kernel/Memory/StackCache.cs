using System.Threading;

namespace Nimbus.Kernel.Memory
{
    // A few stacks of ended threads, kept mapped for the next thread that asks for the same size
    // (KernelMemory keeps kernel stacks, AppStacks application stacks): freeing a stack costs an
    // unmapping and a TLB shootdown, which dominated creating and joining a thread. Nothing is kept
    // when memory runs low. The caller holds the memory lock.
    internal unsafe struct StackCache
    {
        public const int Capacity = 8;
        private const ulong KeepFreePages = 1024;       // 4 MiB: below this, stacks go back at once
        private fixed ulong _keys[Capacity];            // what the stack is: its size or page order
        private fixed ulong _stacks[Capacity];
        private int _count;

        public bool IsEmpty => Volatile.Read(ref _count) == 0;

        public bool Take(ulong key, out ulong stack)
        {
            for (int i = 0; i < _count; i++)
                if (_keys[i] == key)
                {
                    stack = _stacks[i];
                    _count--;
                    _keys[i] = _keys[_count];
                    _stacks[i] = _stacks[_count];
                    return true;
                }
            stack = 0;
            return false;
        }

        // False when the stack must be freed instead.
        public bool Put(ulong key, ulong stack)
        {
            if (_count == Capacity || KernelMemory.Pages.FreePages < KeepFreePages) return false;
            _keys[_count] = key;
            _stacks[_count] = stack;
            _count++;
            return true;
        }
    }
}
