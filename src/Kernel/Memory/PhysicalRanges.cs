using System;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Memory
{
    public struct PhysicalRange
    {
        public ulong Start, End;   // [Start, End)
        public ulong Size => End - Start;
        public PhysicalRange(ulong start, ulong end) { Start = start; End = end; }
    }

    // A sorted set of disjoint physical ranges in caller-provided storage. Built from the boot memory
    // map: add the usable RAM, then remove what is taken (kernel image, boot data, modules).
    // Pure logic: tested on the host.
    public ref struct PhysicalRangeSet
    {
        private readonly Span<PhysicalRange> _ranges;
        private int _count;

        public PhysicalRangeSet(Span<PhysicalRange> storage) { _ranges = storage; _count = 0; }

        public int Count => _count;
        public PhysicalRange this[int i] => _ranges.Slice(0, _count)[i];

        public ulong TotalBytes
        {
            get { ulong t = 0; for (int i = 0; i < _count; i++) t += _ranges[i].Size; return t; }
        }

        // Adds [start, end), merging with overlapping or touching ranges.
        public void Add(ulong start, ulong end)
        {
            if (end <= start) return;
            int i = 0;
            while (i < _count && _ranges[i].End < start) i++;
            int j = i;
            while (j < _count && _ranges[j].Start <= end)
            {
                if (_ranges[j].Start < start) start = _ranges[j].Start;
                if (_ranges[j].End > end) end = _ranges[j].End;
                j++;
            }
            int removed = j - i;
            if (removed == 0)
            {
                if (_count == _ranges.Length) Panic.Fail("physical range set full");
                for (int k = _count; k > i; k--) _ranges[k] = _ranges[k - 1];
                _count++;
            }
            else if (removed > 1)
            {
                for (int k = i + 1; k + removed - 1 < _count; k++) _ranges[k] = _ranges[k + removed - 1];
                _count -= removed - 1;
            }
            _ranges[i] = new PhysicalRange(start, end);
        }

        // Removes [start, end) from every range, splitting where needed.
        public void Remove(ulong start, ulong end)
        {
            if (end <= start) return;
            for (int i = 0; i < _count; i++)
            {
                var r = _ranges[i];
                if (r.End <= start || r.Start >= end) continue;
                bool keepLeft = r.Start < start, keepRight = r.End > end;
                if (keepLeft && keepRight)
                {
                    if (_count == _ranges.Length) Panic.Fail("physical range set full");
                    for (int k = _count; k > i + 1; k--) _ranges[k] = _ranges[k - 1];
                    _count++;
                    _ranges[i] = new PhysicalRange(r.Start, start);
                    _ranges[i + 1] = new PhysicalRange(end, r.End);
                    return;
                }
                if (keepLeft) _ranges[i] = new PhysicalRange(r.Start, start);
                else if (keepRight) _ranges[i] = new PhysicalRange(end, r.End);
                else
                {
                    for (int k = i; k < _count - 1; k++) _ranges[k] = _ranges[k + 1];
                    _count--;
                    i--;
                }
            }
        }

        // Shrinks every range inward to `alignment` boundaries, dropping ranges that vanish.
        public void AlignInward(ulong alignment)
        {
            for (int i = 0; i < _count; i++)
            {
                ulong s = (_ranges[i].Start + alignment - 1) & ~(alignment - 1);
                ulong e = _ranges[i].End & ~(alignment - 1);
                if (e <= s)
                {
                    for (int k = i; k < _count - 1; k++) _ranges[k] = _ranges[k + 1];
                    _count--;
                    i--;
                }
                else _ranges[i] = new PhysicalRange(s, e);
            }
        }
    }
}
