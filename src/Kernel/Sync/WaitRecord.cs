using System.Threading;
using Nimbus.Kernel.Sched;

namespace Nimbus.Kernel.Sync
{
    // A blocked thread's entry in a waiter queue. It lives on the waiting thread's stack, inside the
    // blocking call, so no primitive ever allocates. It stays valid exactly until its flag is set:
    // after that the waiter may return and its stack frame is reused, so a waker reads everything it
    // needs (the thread) *before* setting the flag and touches nothing of the record afterwards.
    //
    // Every primitive uses the same record type, so a condition variable can move a waiter's record
    // onto a mutex's queue (wait morphing) without copying it.
    internal unsafe struct WaitRecord
    {
        public WaitRecord* Next;     // link in whichever queue holds the record (one at a time)
        public void* Thread;         // the waiter (Parking.CurrentThread())
        public int Flag;             // 0 while waiting; set to 1 by the waker (a mutex waiter re-arms it to queue again)
        public int State;            // owned by the primitive that queued the record (see each one)
        public Mutex* Mutex;         // CondVar: the mutex the waiter must get back

        public void Init(void* thread)
        {
            Next = null;
            Thread = thread;
            Flag = 0;
            State = 0;
            Mutex = null;
        }

        // Wakes the waiter. `r` must not be touched after this returns (or even after the flag store).
        public static void Wake(WaitRecord* r)
        {
            void* t = r->Thread;
            Volatile.Write(ref r->Flag, 1);
            Parking.Unpark(t);
        }
    }

    // A FIFO list of wait records with a single owner at a time (the holder of some lock):
    // used by the primitives whose waiter lists are protected by an internal Mutex.
    internal unsafe struct WaitList
    {
        public WaitRecord* Head, Tail;

        public bool IsEmpty => Head == null;

        public void Append(WaitRecord* r)
        {
            r->Next = null;
            if (Tail == null) Head = r; else Tail->Next = r;
            Tail = r;
        }

        public WaitRecord* RemoveFirst()
        {
            WaitRecord* r = Head;
            if (r == null) return null;
            Head = r->Next;
            if (Head == null) Tail = null;
            r->Next = null;
            return r;
        }

        // Unlinks `r` if it is in the list; returns whether it was.
        public bool Remove(WaitRecord* r)
        {
            WaitRecord* prev = null;
            for (WaitRecord* p = Head; p != null; prev = p, p = p->Next)
            {
                if (p != r) continue;
                if (prev == null) Head = p->Next; else prev->Next = p->Next;
                if (Tail == p) Tail = prev;
                p->Next = null;
                return true;
            }
            return false;
        }

        // Takes the whole list (for a broadcast): returns its first record, leaves this list empty.
        public WaitRecord* TakeAll()
        {
            WaitRecord* r = Head;
            Head = Tail = null;
            return r;
        }
    }
}
