using System.Runtime;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Errors;
using Nimbus.Kernel.Libc.Start;
using Nimbus.Kernel.Libc.Stdlib;

namespace Nimbus.Kernel.Libc.Stdio
{
    // The input half of stdio: filling the buffer, getc and friends (and __uflow, which glibc's
    // inlined getc_unlocked calls), ungetc, fgets, fread, getline/getdelim. End of file is sticky,
    // as in glibc since 2.28: once seen, reads return EOF until clearerr or a seek.
    internal static unsafe class StreamInput
    {
        private const int Eof = -1;

        // Refills an empty buffer (output goes out first); false at end of file or on an error.
        public static bool FillLocked(CFile* f)
        {
            if (f->AtEof) return false;
            if (f->Readable == 0) { Streams.SetError(f, -Errno.EBADF); return false; }
            if (f->Pending > 0 && !Streams.FlushLocked(f)) return false;
            if (f->Mode != Streams.BufferFull && f->Kind == CFile.KindDescriptor) Streams.FlushLineBuffered();
            Streams.EnsureBuffer(f);
            long r = Streams.RawRead(f, f->Buffer, (ulong)f->Capacity);
            f->ReadBase = f->ReadPtr = f->Buffer;
            f->ReadEnd = f->Buffer + (r > 0 ? r : 0);
            if (r == 0) f->Flags |= CFile.FlagEof;
            if (r < 0) Streams.SetError(f, r);
            return r > 0;
        }

        public static int GetCharLocked(CFile* f)
        {
            if (f->ReadPtr < f->ReadEnd) return *f->ReadPtr++;
            if (!FillLocked(f)) return Eof;
            return *f->ReadPtr++;
        }

        [RuntimeExport("abi_fgetc")]
        public static int GetChar(CFile* f)
        {
            Streams.Lock(f);
            int c = GetCharLocked(f);
            Streams.Unlock(f);
            return c;
        }

        [RuntimeExport("abi_getchar")]
        private static int Getchar() => GetChar(LibcData.Globals->Stdin);

        // __underflow: the next byte without consuming it.
        [RuntimeExport("abi___underflow")]
        private static int Underflow(CFile* f)
        {
            Streams.Lock(f);
            int c = f->ReadPtr < f->ReadEnd || FillLocked(f) ? *f->ReadPtr : Eof;
            Streams.Unlock(f);
            return c;
        }

        // ungetc: the byte goes in front of the unread input (into the buffer itself), so getc_unlocked
        // sees it too. One byte always fits; more fit while there is room.
        [RuntimeExport("abi_ungetc")]
        private static int Unget(int c, CFile* f)
        {
            if (c == Eof) return Eof;
            Streams.Lock(f);
            int r = UngetLocked((byte)c, f) ? (byte)c : Eof;
            Streams.Unlock(f);
            return r;
        }

        private static bool UngetLocked(byte c, CFile* f)
        {
            if (f->Pending > 0 && !Streams.FlushLocked(f)) return false;
            Streams.EnsureBuffer(f);
            f->Flags &= ~CFile.FlagEof;
            if (f->ReadEnd == null || f->ReadPtr == f->ReadEnd)
            {
                f->ReadBase = f->Buffer;
                f->ReadEnd = f->Buffer + f->Capacity;
                f->ReadPtr = f->ReadEnd;
            }
            else if (f->ReadPtr == f->Buffer)
            {
                if (f->ReadEnd == f->Buffer + f->Capacity) return false;
                Mem.Move(f->Buffer + 1, f->Buffer, (nuint)f->Unread);
                f->ReadPtr++;
                f->ReadEnd++;
            }
            *--f->ReadPtr = c;
            return true;
        }

        [RuntimeExport("abi___fgets_chk")]
        private static byte* FgetsChk(byte* s, ulong size, int n, CFile* f)
        {
            if ((ulong)n > size) Fortify.Fortify.Fail();
            return GetLine(s, n, f);
        }
        [RuntimeExport("abi___fgets_unlocked_chk")]
        private static byte* FgetsUnlockedChk(byte* s, ulong size, int n, CFile* f)
        {
            if ((ulong)n > size) Fortify.Fortify.Fail();
            return GetLine(s, n, f);
        }

        // fgets: up to n - 1 bytes, through the first newline; null when nothing was read.
        [RuntimeExport("abi_fgets")]
        private static byte* GetLine(byte* s, int n, CFile* f)
        {
            if (n <= 0) { LibcErrno.Set(Errno.EINVAL); return null; }
            if (n == 1) { s[0] = 0; return s; }
            Streams.Lock(f);
            int oldError = f->Flags & CFile.FlagError;
            f->Flags &= ~CFile.FlagError;
            int got = 0;
            bool newline = false;
            while (got < n - 1 && !newline)
            {
                if (f->ReadPtr >= f->ReadEnd && !FillLocked(f)) break;
                int take = f->Unread < n - 1 - got ? f->Unread : n - 1 - got;
                byte* nl = Find(f->ReadPtr, take, (byte)'\n');
                if (nl != null) { take = (int)(nl - f->ReadPtr) + 1; newline = true; }
                Mem.Move(s + got, f->ReadPtr, (nuint)take);
                f->ReadPtr += take;
                got += take;
            }
            bool failed = got == 0 || (f->Flags & CFile.FlagError) != 0;      // an error in this call, as glibc
            f->Flags |= oldError;
            Streams.Unlock(f);
            if (failed) return null;
            s[got] = 0;
            return s;
        }

        private static byte* Find(byte* p, int length, byte c)
        {
            for (int i = 0; i < length; i++) if (p[i] == c) return p + i;
            return null;
        }

        [RuntimeExport("abi___fread_chk")]
        private static ulong FreadChk(byte* data, ulong length, ulong size, ulong count, CFile* f)
        {
            if (size != 0 && count > length / size) Fortify.Fortify.Fail();
            return ReadItems(data, size, count, f);
        }
        [RuntimeExport("abi___fread_unlocked_chk")]
        private static ulong FreadUnlockedChk(byte* data, ulong length, ulong size, ulong count, CFile* f)
        {
            if (size != 0 && count > length / size) Fortify.Fortify.Fail();
            return ReadItems(data, size, count, f);
        }

        [RuntimeExport("abi_fread")]
        private static ulong ReadItems(byte* data, ulong size, ulong count, CFile* f)
        {
            ulong total = size * count;
            if (total == 0) return 0;
            Streams.Lock(f);
            ulong got = ReadLocked(f, data, total);
            Streams.Unlock(f);
            return got / size;
        }

        // Buffered bytes first; big remainders go straight into the caller's memory.
        public static ulong ReadLocked(CFile* f, byte* data, ulong total)
        {
            ulong got = 0;
            while (got < total)
            {
                if (f->ReadPtr < f->ReadEnd)
                {
                    ulong take = (ulong)f->Unread < total - got ? (ulong)f->Unread : total - got;
                    Mem.Move(data + got, f->ReadPtr, (nuint)take);
                    f->ReadPtr += take;
                    got += take;
                    continue;
                }
                Streams.EnsureBuffer(f);
                if (total - got >= (ulong)f->Capacity && !f->AtEof && f->Readable != 0 && f->Pending == 0)
                {
                    long r = Streams.RawRead(f, data + got, total - got);
                    if (r <= 0) { if (r == 0) f->Flags |= CFile.FlagEof; else Streams.SetError(f, r); break; }
                    got += (ulong)r;
                    continue;
                }
                if (!FillLocked(f)) break;
            }
            return got;
        }

        [RuntimeExport("abi_getline")]
        private static long Getline(byte** line, ulong* size, CFile* f) => GetDelimited(line, size, '\n', f);

        // getdelim: the line (delimiter included) in *line, grown with realloc as needed; its length, or -1.
        [RuntimeExport("abi_getdelim")]
        private static long GetDelimited(byte** line, ulong* size, int delimiter, CFile* f)
        {
            if (line == null || size == null || f == null) { LibcErrno.Set(Errno.EINVAL); return -1; }
            if (*line == null) *size = 0;
            Streams.Lock(f);
            long length = 0;
            bool done = false;
            while (!done)
            {
                if (f->ReadPtr >= f->ReadEnd && !FillLocked(f)) break;
                byte* end = Find(f->ReadPtr, f->Unread, (byte)delimiter);
                int take = end != null ? (int)(end - f->ReadPtr) + 1 : f->Unread;
                done = end != null;
                if (!Reserve(line, size, (ulong)(length + take + 1))) { length = -1; break; }
                Mem.Move(*line + length, f->ReadPtr, (nuint)take);
                f->ReadPtr += take;
                length += take;
            }
            Streams.Unlock(f);
            if (length <= 0)
            {
                if (length == 0 && Reserve(line, size, 1)) (*line)[0] = 0;
                return -1;
            }
            (*line)[length] = 0;
            return length;
        }

        private static bool Reserve(byte** line, ulong* size, ulong needed)
        {
            if (*line != null && *size >= needed) return true;
            ulong grown = *size < 120 ? 120 : *size;
            while (grown < needed) grown *= 2;
            byte* p = (byte*)Malloc.Reallocate(*line, grown);
            if (p == null) { LibcErrno.Set(Errno.ENOMEM); return false; }
            *line = p;
            *size = grown;
            return true;
        }
    }
}
