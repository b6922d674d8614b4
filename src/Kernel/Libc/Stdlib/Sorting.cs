// qsort, qsort_r and bsearch of the kernel's libc (<stdlib.h>).
using System.Runtime;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Stdlib
{
    internal static unsafe class Sorting
    {
        // qsort, qsort_r, bsearch. glibc's qsort is a merge sort, so in practice stable, and programs
        // print records with equal keys in the order it leaves them. A stable sort's result is unique,
        // so this one is stable too and gives exactly glibc's order. Runs are merged through a buffer
        // (malloc'd like glibc's, or a small stack one) when one of them fits; otherwise they are split
        // around a binary search and rotated into place, which needs no memory at all (O(n log n)
        // comparisons, O(n log^2 n) moves at worst, O(log n) stack). A comparator that contradicts
        // itself gives some order but never a read or write outside the array.

        private struct SortContext
        {
            public delegate* unmanaged<void*, void*, int> Compare;
            public delegate* unmanaged<void*, void*, void*, int> CompareWithArgument;
            public void* Argument;
            public ulong Size;
            public byte* Buffer;
            public ulong BufferBytes;
        }

        private const int SortBufferBytes = 4096;
        private const ulong InsertionRun = 16;

        private static int CompareElements(SortContext* c, byte* a, byte* b) =>
            c->Compare != null ? c->Compare(a, b) : c->CompareWithArgument(a, b, c->Argument);

        private static void Swap(byte* a, byte* b, ulong size)
        {
            if (a == b) return;
            ulong i = 0;
            for (; i + 8 <= size; i += 8)
            {
                ulong t = *(ulong*)(a + i);
                *(ulong*)(a + i) = *(ulong*)(b + i);
                *(ulong*)(b + i) = t;
            }
            for (; i < size; i++)
            {
                byte t = a[i];
                a[i] = b[i];
                b[i] = t;
            }
        }

        private static void Copy(byte* destination, byte* source, ulong bytes)
        {
            ulong i = 0;
            for (; i + 8 <= bytes; i += 8) *(ulong*)(destination + i) = *(ulong*)(source + i);
            for (; i < bytes; i++) destination[i] = source[i];
        }

        [RuntimeExport("abi_qsort")]
        internal static void Qsort(byte* array, ulong count, ulong size, delegate* unmanaged<void*, void*, int> compare)
        {
            SortContext c = default;
            c.Compare = compare;
            c.Size = size;
            Sort(array, count, &c);
        }

        [RuntimeExport("abi_qsort_r")]
        internal static void QsortR(byte* array, ulong count, ulong size, delegate* unmanaged<void*, void*, void*, int> compare, void* argument)
        {
            SortContext c = default;
            c.CompareWithArgument = compare;
            c.Argument = argument;
            c.Size = size;
            Sort(array, count, &c);
        }

        private static void Sort(byte* array, ulong count, SortContext* c, bool mayAllocate = true)
        {
            if (count < 2 || c->Size == 0) return;
            ulong size = c->Size;
            byte* buffer = stackalloc byte[SortBufferBytes];
            c->Buffer = buffer;
            c->BufferBytes = SortBufferBytes;
            // The shorter of two runs being merged is at most half the array: with that much buffer
            // every merge is a plain one. Like glibc, leave errno as it was even if malloc fails.
            byte* allocated = null;
            ulong half = (count / 2 + 1) * size;
            if (half > SortBufferBytes && mayAllocate && Numbers.Allocate != null && Numbers.Release != null)
            {
                int savedErrno = Numbers.CurrentErrno();
                allocated = (byte*)Numbers.Allocate(half);
                if (Numbers.CanReadErrno) Errno.Set(savedErrno);
                if (allocated != null) { c->Buffer = allocated; c->BufferBytes = half; }
            }

            for (ulong first = 0; first < count; first += InsertionRun)
                InsertionSort(array + first * size, count - first < InsertionRun ? count - first : InsertionRun, c);
            for (ulong width = InsertionRun; width < count; width *= 2)
                for (ulong first = 0; first + width < count; first += 2 * width)
                {
                    ulong last = count - first < 2 * width ? count : first + 2 * width;
                    Merge(array + first * size, width, last - first - width, c);
                }
            if (allocated != null) Numbers.Release(allocated);
        }

        // qsort without the malloc'd buffer: what happens when malloc fails (and for the tests).
        internal static void SortInPlace(byte* array, ulong count, ulong size, delegate* unmanaged<void*, void*, int> compare)
        {
            SortContext c = default;
            c.Compare = compare;
            c.Size = size;
            Sort(array, count, &c, false);
        }

        // Stable: an element moves left only past strictly greater ones.
        private static void InsertionSort(byte* first, ulong count, SortContext* c)
        {
            ulong size = c->Size;
            for (ulong i = 1; i < count; i++)
                for (ulong j = i; j > 0 && CompareElements(c, first + (j - 1) * size, first + j * size) > 0; j--)
                    Swap(first + (j - 1) * size, first + j * size, size);
        }

        // Merges the sorted runs [first, first + left) and [first + left, first + left + right); on
        // equal keys the left run's elements stay first.
        private static void Merge(byte* first, ulong left, ulong right, SortContext* c)
        {
            ulong size = c->Size;
            while (left != 0 && right != 0)
            {
                byte* middle = first + left * size;
                if (CompareElements(c, middle - size, middle) <= 0) return;   // already in order
                if (CompareElements(c, first, middle + (right - 1) * size) > 0)
                {
                    Rotate(first, left, right, size);                             // entirely out of order
                    return;
                }
                if (left * size <= c->BufferBytes) { MergeForward(first, left, right, c); return; }
                if (right * size <= c->BufferBytes) { MergeBackward(first, left, right, c); return; }

                if (left == 1 && right == 1) { Swap(first, middle, size); return; }

                // Split the longer run in half, find where its middle element goes in the other,
                // rotate the two inner pieces past each other, then merge each side. Both merges are
                // strictly smaller whatever the comparator answers, so this always ends.
                ulong leftCut, rightCut;
                if (left > right)
                {
                    leftCut = left / 2;
                    rightCut = LowerBound(middle, right, first + leftCut * size, c);
                }
                else
                {
                    rightCut = right / 2;
                    leftCut = UpperBound(first, left, middle + rightCut * size, c);
                }
                Rotate(first + leftCut * size, left - leftCut, rightCut, size);
                byte* second = first + (leftCut + rightCut) * size;
                ulong secondLeft = left - leftCut, secondRight = right - rightCut;
                // Recurse into the smaller merge and continue with the larger: O(log n) stack.
                if (leftCut + rightCut < secondLeft + secondRight)
                {
                    Merge(first, leftCut, rightCut, c);
                    first = second;
                    left = secondLeft;
                    right = secondRight;
                }
                else
                {
                    Merge(second, secondLeft, secondRight, c);
                    left = leftCut;
                    right = rightCut;
                }
            }
        }

        // The left run goes to the buffer and the merge fills the array from the front.
        private static void MergeForward(byte* first, ulong left, ulong right, SortContext* c)
        {
            ulong size = c->Size;
            byte* buffer = c->Buffer;
            Copy(buffer, first, left * size);
            byte* fromLeft = buffer, leftEnd = buffer + left * size;
            byte* fromRight = first + left * size, rightEnd = fromRight + right * size;
            byte* to = first;
            while (fromLeft < leftEnd && fromRight < rightEnd)
            {
                if (CompareElements(c, fromLeft, fromRight) <= 0) { Copy(to, fromLeft, size); fromLeft += size; }
                else { Copy(to, fromRight, size); fromRight += size; }
                to += size;
            }
            Copy(to, fromLeft, (ulong)(leftEnd - fromLeft));
        }

        // The right run goes to the buffer and the merge fills the array from the back.
        private static void MergeBackward(byte* first, ulong left, ulong right, SortContext* c)
        {
            ulong size = c->Size;
            byte* buffer = c->Buffer;
            byte* middle = first + left * size;
            Copy(buffer, middle, right * size);
            byte* fromLeft = middle, fromRight = buffer + right * size;
            byte* to = middle + right * size;
            while (fromLeft > first && fromRight > buffer)
            {
                to -= size;
                if (CompareElements(c, fromLeft - size, fromRight - size) > 0) { fromLeft -= size; Copy(to, fromLeft, size); }
                else { fromRight -= size; Copy(to, fromRight, size); }
            }
            Copy(first, buffer, (ulong)(fromRight - buffer));
        }

        // How many elements of the sorted run are less than key (equal ones stay after the key's run).
        private static ulong LowerBound(byte* run, ulong count, byte* key, SortContext* c)
        {
            ulong low = 0, high = count;
            while (low < high)
            {
                ulong middle = low + (high - low) / 2;
                if (CompareElements(c, run + middle * c->Size, key) < 0) low = middle + 1;
                else high = middle;
            }
            return low;
        }

        // How many elements of the sorted run are not greater than key.
        private static ulong UpperBound(byte* run, ulong count, byte* key, SortContext* c)
        {
            ulong low = 0, high = count;
            while (low < high)
            {
                ulong middle = low + (high - low) / 2;
                if (CompareElements(c, key, run + middle * c->Size) >= 0) low = middle + 1;
                else high = middle;
            }
            return low;
        }

        // Exchanges the adjacent blocks of `left` and `right` elements starting at first.
        private static void Rotate(byte* first, ulong left, ulong right, ulong size)
        {
            if (left == 0 || right == 0) return;
            Reverse(first, left, size);
            Reverse(first + left * size, right, size);
            Reverse(first, left + right, size);
        }

        private static void Reverse(byte* first, ulong count, ulong size)
        {
            for (ulong i = 0, j = count - 1; i < j; i++, j--) Swap(first + i * size, first + j * size, size);
        }

        [RuntimeExport("abi_bsearch")]
        internal static void* Bsearch(void* key, byte* array, ulong count, ulong size, delegate* unmanaged<void*, void*, int> compare)
        {
            ulong low = 0, high = count;
            while (low < high)
            {
                ulong middle = low + (high - low) / 2;
                byte* element = array + middle * size;
                int order = compare(key, element);
                if (order < 0) high = middle;
                else if (order > 0) low = middle + 1;
                else return element;
            }
            return null;
        }
    }
}
