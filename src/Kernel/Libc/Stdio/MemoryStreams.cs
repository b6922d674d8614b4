using System.Runtime;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Stdlib;

namespace Nimbus.Kernel.Libc.Stdio
{
    // The memory behind an fmemopen or open_memstream stream.
    internal unsafe struct MemoryStream
    {
        public byte* Data;
        public ulong Size;                // fmemopen: the buffer's size; open_memstream: allocated bytes
        public ulong Length;              // bytes of content
        public ulong Position;
        public int OwnsData;              // fmemopen(NULL, ...): freed by fclose
        public byte** UserBuffer;         // open_memstream's *ptr and *sizeloc
        public ulong* UserSize;
    }

    // fmemopen (a fixed buffer: writes stop at its end, a NUL follows the content when there is
    // room) and open_memstream (a malloc'd buffer that grows; after fflush or fclose the caller's
    // pointer and size describe it, NUL-terminated). The stdio buffer sits in front of both.
    internal static unsafe class MemoryStreams
    {
        [RuntimeExport("abi_fmemopen")]
        private static CFile* Fmemopen(byte* buffer, ulong size, byte* mode)
        {
            if (size == 0 || !FileStreams.ParseMode(mode, out int flags)) { LibcErrno.Set(Errno.EINVAL); return null; }
            int access = flags & Fs.Vfs.OAccMode;
            CFile* f = Streams.NewFile(-1, access != Fs.Vfs.OWrOnly, access != Fs.Vfs.ORdOnly, Streams.BufferFull);
            if (f == null) { LibcErrno.Set(Errno.EMFILE); return null; }
            f->Kind = CFile.KindFixedMemory;
            f->Append = (flags & Fs.Vfs.OAppend) != 0 ? 1 : 0;
            MemoryStream* m = &f->Memory;
            if (buffer == null)
            {
                buffer = (byte*)KernelHeap.AllocZeroed(size);
                m->OwnsData = 1;
            }
            m->Data = buffer;
            m->Size = size;
            if ((flags & Fs.Vfs.OTrunc) != 0) { m->Length = 0; buffer[0] = 0; }
            else if (f->Append != 0) m->Length = m->Position = Strnlen(buffer, size);
            else m->Length = size;
            return f;
        }

        private static ulong Strnlen(byte* s, ulong max)
        {
            ulong n = 0;
            while (n < max && s[n] != 0) n++;
            return n;
        }

        [RuntimeExport("abi_open_memstream")]
        private static CFile* OpenMemstream(byte** pointer, ulong* size)
        {
            if (pointer == null || size == null) { LibcErrno.Set(Errno.EINVAL); return null; }
            CFile* f = Streams.NewFile(-1, false, true, Streams.BufferFull);
            if (f == null) { LibcErrno.Set(Errno.EMFILE); return null; }
            f->Kind = CFile.KindDynamicMemory;
            MemoryStream* m = &f->Memory;
            m->Data = (byte*)Malloc.Allocate(64);
            if (m->Data == null) { Streams.FreeFile(f); return null; }
            Mem.Set(m->Data, 0, 64);
            m->Size = 64;
            m->UserBuffer = pointer;
            m->UserSize = size;
            Publish(f);
            return f;
        }

        public static long Read(CFile* f, byte* data, ulong count)
        {
            MemoryStream* m = &f->Memory;
            if (f->Kind != CFile.KindFixedMemory) return -Errno.EBADF;
            if (m->Position >= m->Length) return 0;
            if (count > m->Length - m->Position) count = m->Length - m->Position;
            Mem.Move(data, m->Data + m->Position, (nuint)count);
            m->Position += count;
            return (long)count;
        }

        public static long Write(CFile* f, byte* data, ulong count)
        {
            MemoryStream* m = &f->Memory;
            if (f->Append != 0) m->Position = m->Length;
            if (f->Kind == CFile.KindDynamicMemory && !Grow(m, m->Position + count + 1)) return -Errno.ENOMEM;
            if (f->Kind == CFile.KindFixedMemory)
            {
                ulong space = m->Position < m->Size ? m->Size - m->Position : 0;
                if (count > space) count = space;
                if (count == 0) return -Errno.ENOSPC;
            }
            Mem.Move(m->Data + m->Position, data, (nuint)count);
            m->Position += count;
            if (m->Position > m->Length) m->Length = m->Position;
            if (m->Length < m->Size) m->Data[m->Length] = 0;
            return (long)count;
        }

        // Keeps the bytes past the content zero, so a seek past the end reads back zeros.
        private static bool Grow(MemoryStream* m, ulong needed)
        {
            if (needed <= m->Size) return true;
            ulong size = m->Size * 2;
            while (size < needed) size *= 2;
            var data = (byte*)Malloc.Reallocate(m->Data, size);
            if (data == null) return false;
            Mem.Set(data + m->Size, 0, (nuint)(size - m->Size));
            m->Data = data;
            m->Size = size;
            return true;
        }

        public static long Seek(CFile* f, long offset, int whence)
        {
            MemoryStream* m = &f->Memory;
            long basePos = whence == 0 ? 0 : whence == 1 ? (long)m->Position : whence == 2 ? (long)m->Length : -1;
            if (basePos < 0) return -Errno.EINVAL;
            long to = basePos + offset;
            if (to < 0 || (f->Kind == CFile.KindFixedMemory && (ulong)to > m->Size)) return -Errno.EINVAL;
            m->Position = (ulong)to;
            return to;
        }

        // open_memstream: the caller's pointer and size follow the buffer (size = current position, as glibc).
        public static void Publish(CFile* f)
        {
            MemoryStream* m = &f->Memory;
            if (f->Kind != CFile.KindDynamicMemory) return;
            *m->UserBuffer = m->Data;
            *m->UserSize = m->Position;
        }

        // fclose: the memory is the caller's (open_memstream, NUL-terminated at the position) or freed.
        public static void Close(CFile* f)
        {
            MemoryStream* m = &f->Memory;
            if (f->Kind == CFile.KindDynamicMemory)
            {
                if (Grow(m, m->Position + 1)) m->Data[m->Position] = 0;
                Publish(f);
            }
            else if (m->OwnsData != 0) KernelHeap.Free(m->Data);
        }
    }
}
