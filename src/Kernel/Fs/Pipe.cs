using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Fs
{
    // The buffer between a pipe's two ends: a 64 KiB ring, as Linux's default pipe.
    internal unsafe struct Pipe
    {
        public byte* Buffer;
        public int Head, Count;           // the unread bytes are Buffer[Head .. Head + Count) modulo Capacity
        public int Readers, Writers;      // open descriptions of each end; 0 readers: EPIPE, 0 writers: EOF
        public Sync.WaitQueue CanRead, CanWrite;
    }

    // pipe(2): an anonymous FIFO node whose two open descriptions share a Pipe. Readers block until
    // data arrives or every writer is gone; writers block while the buffer is full. One mutex guards
    // every pipe and the queue poll/select sleep on, so a poller checks many pipes and sleeps without
    // missing a change (pipes are few; one lock is simpler than lock ordering across them).
    internal static unsafe class Pipes
    {
        public const int Capacity = 65536;
        public const int AtomicSize = 4096;              // PIPE_BUF: writes up to this size are never split
        private static Sync.Mutex s_lock;
        private static Sync.WaitQueue s_changed;         // any pipe changed: pollers re-check

        public static Sync.Mutex* Lock { get { fixed (Sync.Mutex* m = &s_lock) return m; } }

        // Creates the pipe and its two open descriptions (read end, write end).
        public static void Create(int flags, out OpenFile* readEnd, out OpenFile* writeEnd)
        {
            var p = (Pipe*)KernelHeap.AllocZeroed((ulong)sizeof(Pipe));
            p->Buffer = (byte*)KernelHeap.Alloc(Capacity);
            p->Readers = p->Writers = 1;
            RamFs.Lock();
            FsNode* n = RamFs.CreateAnonymous("pipe"u8, RamFs.TypeFifo | 0x180);
            n->Pipe = p;
            readEnd = Vfs.NewOpenFile(n, Vfs.ORdOnly | (flags & Vfs.ONonBlock));
            writeEnd = Vfs.NewOpenFile(n, Vfs.OWrOnly | (flags & Vfs.ONonBlock));
            RamFs.Unlock();
        }

        // One end's last description closed: wake whoever waits for the other end; free the buffer
        // once both ends are gone.
        public static void CloseEnd(FsNode* n, bool writer)
        {
            var p = (Pipe*)n->Pipe;
            s_lock.Lock();
            if (writer) p->Writers--; else p->Readers--;
            bool gone = p->Readers == 0 && p->Writers == 0;
            p->CanRead.WakeAll();
            p->CanWrite.WakeAll();
            s_changed.WakeAll();
            s_lock.Unlock();
            if (!gone) return;
            KernelHeap.Free(p->Buffer);
            KernelHeap.Free(p);
            n->Pipe = null;
        }

        private static bool Readable(void* state) { var p = (Pipe*)state; return p->Count > 0 || p->Writers == 0; }

        public static long Read(FsNode* n, byte* buffer, ulong count, bool nonBlocking)
        {
            if (count == 0) return 0;
            var p = (Pipe*)n->Pipe;
            fixed (Sync.Mutex* m = &s_lock)
            {
                m->Lock();
                if (!Readable(p) && nonBlocking) { m->Unlock(); return -Errno.EAGAIN; }
                p->CanRead.WaitUntil(m, &Readable, p);
                int take = p->Count < (long)count ? p->Count : (int)count;
                for (int done = 0; done < take;)
                {
                    int run = Capacity - p->Head < take - done ? Capacity - p->Head : take - done;
                    Mem.Move(buffer + done, p->Buffer + p->Head, (nuint)run);
                    p->Head = (p->Head + run) % Capacity;
                    done += run;
                }
                p->Count -= take;
                if (p->Count == 0) p->Head = 0;
                if (take > 0) { p->CanWrite.WakeAll(); s_changed.WakeAll(); }
                m->Unlock();
                return take;
            }
        }

        private struct WriteWait { public Pipe* Pipe; public int Needed; }

        private static bool Writable(void* state)
        {
            var w = (WriteWait*)state;
            return w->Pipe->Readers == 0 || Capacity - w->Pipe->Count >= w->Needed;
        }

        // Blocking writes write everything (a write of up to PIPE_BUF bytes in one piece); a
        // non-blocking one writes what fits, or fails with EAGAIN when nothing (or, for a small
        // write, not all of it) fits. No readers: EPIPE (there is no SIGPIPE to deliver).
        public static long Write(FsNode* n, byte* buffer, ulong count, bool nonBlocking)
        {
            var p = (Pipe*)n->Pipe;
            long done = 0;
            fixed (Sync.Mutex* m = &s_lock)
            {
                m->Lock();
                while ((ulong)done < count)
                {
                    ulong left = count - (ulong)done;
                    var wait = new WriteWait { Pipe = p, Needed = left <= AtomicSize ? (int)left : 1 };
                    if (!Writable(&wait) && nonBlocking) break;
                    p->CanWrite.WaitUntil(m, &Writable, &wait);
                    if (p->Readers == 0) { m->Unlock(); return done > 0 ? done : -Errno.EPIPE; }
                    int space = Capacity - p->Count;
                    int put = left < (ulong)space ? (int)left : space;
                    Append(p, buffer + done, put);
                    done += put;
                    p->CanRead.WakeAll();
                    s_changed.WakeAll();
                }
                m->Unlock();
            }
            return done > 0 || count == 0 ? done : -Errno.EAGAIN;
        }

        private static void Append(Pipe* p, byte* data, int length)
        {
            int tail = (p->Head + p->Count) % Capacity;
            int first = Capacity - tail < length ? Capacity - tail : length;
            Mem.Move(p->Buffer + tail, data, (nuint)first);
            Mem.Move(p->Buffer, data + first, (nuint)(length - first));
            p->Count += length;
        }

        // poll(2) readiness of one end (POLLIN 1, POLLOUT 4, POLLERR 8, POLLHUP 16). Caller holds Lock.
        public static int Events(FsNode* n, bool writeEnd)
        {
            var p = (Pipe*)n->Pipe;
            if (writeEnd) return (p->Readers == 0 ? 8 : 0) | (Capacity - p->Count >= AtomicSize ? 4 : 0);
            return (p->Count > 0 ? 1 : 0) | (p->Writers == 0 ? 16 : 0);
        }

        public static int Available(FsNode* n)
        {
            s_lock.Lock();
            int count = ((Pipe*)n->Pipe)->Count;
            s_lock.Unlock();
            return count;
        }

        // Sleeps (holding Lock on return) until some pipe changes or the deadline (0: none) passes.
        public static bool WaitForChange(Sync.Mutex* m, delegate*<void*, bool> ready, void* state, ulong deadlineNs)
        {
            if (deadlineNs == 0) { s_changed.WaitUntil(m, ready, state); return true; }
            return s_changed.WaitUntil(m, ready, state, deadlineNs);
        }
    }
}
