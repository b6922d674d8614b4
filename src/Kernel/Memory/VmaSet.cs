namespace Nimbus.Kernel.Memory
{
    // One region of the application address space: [Start, End), page aligned, with mmap's
    // protection bits (PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4) and what it is (Kind).
    public struct Vma
    {
        public ulong Start, End;
        public uint Prot;
        public uint Kind;
    }

    // The application address space's regions, sorted by address, in caller-provided storage.
    // Every operation needs at most two free slots (a split of one region into three); the caller
    // guarantees them (see Spare) so no operation can fail half-way. Touching regions with the same
    // protection and kind are merged, so mprotect-heavy runtimes (the .NET GC commits its
    // reservation piece by piece) keep the list short. Pure logic: tested on the host.
    public unsafe struct VmaSet
    {
        public const uint ProtRead = 1, ProtWrite = 2, ProtExec = 4;
        public const ulong PageSize = 4096;

        private Vma* _items;
        private int _count, _capacity;

        public int Count => _count;
        public int Capacity => _capacity;
        public Vma this[int i] => _items[i];
        public int Spare => _capacity - _count;

        public void Initialize(Vma* storage, int capacity)
        {
            _items = storage;
            _capacity = capacity;
            _count = 0;
        }

        // Moves the regions to bigger storage (the kernel grows the array when Spare < 2).
        public Vma* MoveTo(Vma* storage, int capacity)
        {
            Vma* old = _items;
            for (int i = 0; i < _count; i++) storage[i] = _items[i];
            _items = storage;
            _capacity = capacity;
            return old;
        }

        // Index of the region containing addr, or -1.
        public int IndexOf(ulong addr)
        {
            int lo = 0, hi = _count - 1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >> 1;
                if (addr < _items[mid].Start) hi = mid - 1;
                else if (addr >= _items[mid].End) lo = mid + 1;
                else return mid;
            }
            return -1;
        }

        // Index of the first region ending after addr (count if none).
        private int FirstEndingAfter(ulong addr)
        {
            int lo = 0, hi = _count;
            while (lo < hi)
            {
                int mid = (lo + hi) >> 1;
                if (_items[mid].End <= addr) lo = mid + 1; else hi = mid;
            }
            return lo;
        }

        public bool IsFree(ulong start, ulong end)
        {
            int i = FirstEndingAfter(start);
            return i == _count || _items[i].Start >= end;
        }

        // Whether [start, end) is covered by regions with no hole.
        public bool IsFullyMapped(ulong start, ulong end)
        {
            int i = FirstEndingAfter(start);
            ulong at = start;
            for (; i < _count && at < end; i++)
            {
                if (_items[i].Start > at) return false;
                at = _items[i].End;
            }
            return at >= end;
        }

        // The highest free range of `size` bytes (page multiple) within [floor, ceiling), or 0.
        public ulong FindFreeTopDown(ulong size, ulong floor, ulong ceiling)
        {
            if (size == 0 || ceiling < floor || ceiling - floor < size) return 0;
            ulong gapEnd = ceiling;
            for (int i = _count - 1; ; i--)
            {
                if (i >= 0 && _items[i].Start >= ceiling) continue;   // above the window
                ulong gapStart = i >= 0 ? _items[i].End : floor;
                if (gapStart < floor) gapStart = floor;
                if (gapEnd > gapStart && gapEnd - gapStart >= size) return gapEnd - size;
                if (i < 0) return 0;
                if (_items[i].Start < gapEnd) gapEnd = _items[i].Start;
                if (gapEnd <= floor) return 0;
            }
        }

        // Adds a region over a free range (the caller checked IsFree). Needs one spare slot.
        public void Add(ulong start, ulong end, uint prot, uint kind)
        {
            int i = FirstEndingAfter(start);
            InsertAt(i, new Vma { Start = start, End = end, Prot = prot, Kind = kind });
            MergeAround(i);
        }

        // Removes [start, end) from whatever regions it covers. Needs one spare slot.
        public void Remove(ulong start, ulong end)
        {
            int i = FirstEndingAfter(start);
            while (i < _count && _items[i].Start < end)
            {
                Vma v = _items[i];
                if (v.Start < start && v.End > end)
                {
                    // Punch a hole: split into the part below and the part above.
                    _items[i].End = start;
                    InsertAt(i + 1, new Vma { Start = end, End = v.End, Prot = v.Prot, Kind = v.Kind });
                    return;
                }
                if (v.Start < start) { _items[i].End = start; i++; continue; }
                if (v.End > end) { _items[i].Start = end; return; }
                RemoveAt(i);
            }
        }

        // Changes the protection of [start, end), which must be fully mapped (false otherwise,
        // as mprotect's ENOMEM). Needs two spare slots.
        public bool Protect(ulong start, ulong end, uint prot)
        {
            if (!IsFullyMapped(start, end)) return false;
            int i = FirstEndingAfter(start);
            while (i < _count && _items[i].Start < end)
            {
                Vma v = _items[i];
                if (v.Prot == prot) { i++; continue; }
                if (v.Start < start)
                {
                    _items[i].End = start;
                    InsertAt(i + 1, new Vma { Start = start, End = v.End, Prot = v.Prot, Kind = v.Kind });
                    i++;
                    continue;
                }
                if (v.End > end)
                {
                    _items[i].Start = end;
                    InsertAt(i, new Vma { Start = v.Start, End = end, Prot = prot, Kind = v.Kind });
                    break;
                }
                _items[i].Prot = prot;
                i++;
            }
            int first = FirstEndingAfter(start);
            int after = FirstEndingAfter(end);
            for (int k = after < _count ? after : _count - 1; k >= first - 1 && k >= 0; k--) MergeAround(k);
            return true;
        }

        private void InsertAt(int i, Vma v)
        {
            for (int k = _count; k > i; k--) _items[k] = _items[k - 1];
            _items[i] = v;
            _count++;
        }

        private void RemoveAt(int i)
        {
            for (int k = i; k < _count - 1; k++) _items[k] = _items[k + 1];
            _count--;
        }

        // Merges region i with its neighbours when they touch and agree.
        private void MergeAround(int i)
        {
            if (i < 0 || i >= _count) return;
            if (i + 1 < _count && Mergeable(_items[i], _items[i + 1]))
            {
                _items[i].End = _items[i + 1].End;
                RemoveAt(i + 1);
            }
            if (i > 0 && Mergeable(_items[i - 1], _items[i]))
            {
                _items[i - 1].End = _items[i].End;
                RemoveAt(i);
            }
        }

        private static bool Mergeable(Vma a, Vma b) => a.End == b.Start && a.Prot == b.Prot && a.Kind == b.Kind;
    }
}
