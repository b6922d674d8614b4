using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Elf;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Sync;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Libc
{
    // An application thread (pthread_t points to one). Lives until joined (or, detached, until it ends).
    internal unsafe struct PThread
    {
        public KThread* Thread;
        public ulong Start, Argument, Result;
        public ulong StackLow, StackSize;     // the application stack (pthread_getattr_np)
        public ulong StackTop;                // where the thread starts on it
        public int OwnsStack;                 // 1: made by pthread_create (freed with the thread), 0: the caller's
        public ulong KernelSave;              // app_call's saved kernel stack pointer (pthread_exit)
        public void* TlsBlock;
        public int Detached;
        public int IsMain;
        public int CancelState, CancelType;   // pthread_setcancelstate/-type (nothing cancels: see ThreadOptions)
        public ulong SignalMask;
        public ulong AltStack, AltStackSize;
        public int AltStackFlags;
        public ulong PendingSignals;
        public fixed ulong Keys[Threads.MaxKeys];
    }

    // <pthread.h>: threads, keys, once, and the synchronisation objects mapped onto the kernel's
    // lock-free mutex, condition variable and reader-writer lock (Sync/). pthread_mutex_t holds a
    // kernel Mutex directly (all 40 bytes, with the type where glibc keeps it); condition variables
    // and rwlocks carry a pointer to a kernel object made on first use (glibc's static initialisers
    // are all zeros). Barriers, semaphores and spin locks are in ThreadSync.cs.
    internal static unsafe class Threads
    {
        public const int MaxKeys = 128;
        public static KThread* MainThread;         // the thread running main()
        private const int EPERM = 1, EAGAIN = 11, EBUSY = 16, EFAULT = 14, EINVAL = 22, ESRCH = 3, EDEADLK = 35, ETIMEDOUT = 110, ENOMEM = 12;
        private const ulong DefaultStackSize = 8UL << 20;

        [RuntimeImport("*", "app_call")] [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern ulong AppCall(ulong function, ulong argument, ulong stack, ulong* save);
        [RuntimeImport("*", "app_unwind")] [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void AppUnwind(ulong* save, ulong result);

        private struct KeyTable { public fixed ulong Destructors[MaxKeys]; public fixed int Used[MaxKeys]; }
        private static KeyTable s_keys;
        private static Mutex s_keyLock;
        public static int LiveThreads = 1;

        public static PThread* Current
        {
            get
            {
                KThread* t = Scheduler.Current;
                if (t->AppThread == null) t->AppThread = NewRecord(t);    // the main thread, or a kernel thread calling in
                return (PThread*)t->AppThread;
            }
        }

        private static PThread* NewRecord(KThread* t)
        {
            var p = (PThread*)KernelHeap.AllocZeroed((ulong)sizeof(PThread));
            p->Thread = t;
            return p;
        }

        public static void AdoptMain(ulong stackLow, ulong stackSize)
        {
            PThread* p = Current;
            p->IsMain = 1;
            MainThread = p->Thread;
            p->StackLow = stackLow;
            p->StackSize = stackSize;
        }

        // pthread_attr_t (56 bytes): ours, since only these functions read it.
        [StructLayout(LayoutKind.Sequential)]
        internal struct Attr { public ulong StackSize, StackAddress, GuardSize; public int Detached, Initialized, Policy, Priority, ExplicitScheduling; }

        [RuntimeExport("abi_pthread_attr_init")]
        private static int AttrInit(Attr* a) { *a = default; a->StackSize = DefaultStackSize; a->GuardSize = 4096; a->Initialized = 1; return 0; }
        [RuntimeExport("abi_pthread_attr_destroy")]
        private static int AttrDestroy(Attr* a) => 0;
        [RuntimeExport("abi_pthread_attr_setstacksize")]
        private static int AttrSetStackSize(Attr* a, ulong size) { if (size < 16384) return EINVAL; a->StackSize = size; return 0; }
        [RuntimeExport("abi_pthread_attr_getstacksize")]
        private static int AttrGetStackSize(Attr* a, ulong* size) { *size = a->StackSize; return 0; }
        [RuntimeExport("abi_pthread_attr_setdetachstate")]
        private static int AttrSetDetach(Attr* a, int state) { a->Detached = state; return 0; }
        [RuntimeExport("abi_pthread_attr_getdetachstate")]
        private static int AttrGetDetach(Attr* a, int* state) { *state = a->Detached; return 0; }
        [RuntimeExport("abi_pthread_attr_setguardsize")]
        private static int AttrSetGuard(Attr* a, ulong size) { a->GuardSize = size; return 0; }
        [RuntimeExport("abi_pthread_attr_getguardsize")]
        private static int AttrGetGuard(Attr* a, ulong* size) { *size = a->GuardSize; return 0; }
        [RuntimeExport("abi_pthread_attr_getstack")]
        private static int AttrGetStack(Attr* a, ulong* address, ulong* size) { *address = a->StackAddress; *size = a->StackSize; return 0; }
        [RuntimeExport("abi_pthread_attr_setstack")]
        private static int AttrSetStack(Attr* a, ulong address, ulong size) { a->StackAddress = address; a->StackSize = size; return 0; }

        // The attributes of a running thread: its stack is what .NET asks for here.
        [RuntimeExport("abi_pthread_getattr_np")]
        private static int GetAttrNp(PThread* p, Attr* a)
        {
            *a = default;
            a->Initialized = 1;
            a->StackAddress = p->StackLow;
            a->StackSize = p->StackSize;
            a->GuardSize = AppStacks.GuardSize;
            a->Detached = p->Detached;
            return 0;
        }

        [RuntimeExport("abi_pthread_create")]
        private static int Create(PThread** result, Attr* attr, ulong start, ulong argument)
        {
            // Real-time scheduling asked for explicitly: refused, as Linux refuses it to an unprivileged process.
            if (attr != null && attr->Initialized != 0 && attr->ExplicitScheduling != 0 && attr->Policy != ThreadOptions.SchedOther) return EPERM;
            ulong stackSize = attr != null && attr->Initialized != 0 ? attr->StackSize : DefaultStackSize;
            stackSize = AddressSpace.RoundUp(stackSize);
            var p = (PThread*)KernelHeap.AllocZeroed((ulong)sizeof(PThread));
            ulong top;
            if (attr != null && attr->StackAddress != 0) { p->StackLow = attr->StackAddress; top = (attr->StackAddress + stackSize) & ~15UL; }
            else
            {
                top = AppStacks.Map(stackSize, out p->StackLow);
                if (top == 0) { KernelHeap.Free(p); return EAGAIN; }
                p->OwnsStack = 1;
            }
            p->StackSize = stackSize;
            p->StackTop = top;
            p->Start = start;
            p->Argument = argument;
            p->Detached = attr != null && attr->Detached != 0 ? 1 : 0;
            p->SignalMask = Current->SignalMask;
            ulong tp = Tls.CreateThreadArea(out p->TlsBlock);
            KThread* t = Scheduler.Create(&Run, p, "app-thread");
            t->FsBase = tp;
            if (p->OwnsStack != 0) AppStacks.SetOwner(top, t);
            t->AppThread = p;
            p->Thread = t;
            Interlocked.Increment(ref LiveThreads);
            LibcData.Globals->SingleThreaded = 0;
            *result = p;
            if (p->Detached != 0) Scheduler.Detach(t);
            Scheduler.Start(t);
            return 0;
        }

        private static void Run(void* arg)
        {
            var p = (PThread*)arg;
            AppThreads.PrepareToRunApplication();
            p->Result = AppCall(p->Start, p->Argument, p->StackTop, &p->KernelSave);
            Finish(p);
        }

        // Runs the key destructors (up to four rounds, as glibc), then ends the thread.
        private static void Finish(PThread* p)
        {
            for (int round = 0; round < 4; round++)
            {
                bool any = false;
                for (int k = 0; k < MaxKeys; k++)
                {
                    ulong value = p->Keys[k];
                    ulong destructor;
                    fixed (KeyTable* t = &s_keys) destructor = t->Used[k] != 0 ? t->Destructors[k] : 0;
                    if (value == 0 || destructor == 0) continue;
                    p->Keys[k] = 0;
                    any = true;
                    ((delegate* unmanaged<ulong, void>)destructor)(value);
                }
                if (!any) break;
            }
            if (Interlocked.Decrement(ref LiveThreads) == 0) Process.Exit(0);   // the main thread left with pthread_exit
            if (p->Detached != 0) Release(p);
        }

        private static void Release(PThread* p)
        {
            if (p->TlsBlock != null) KernelHeap.Free(p->TlsBlock);
            if (p->OwnsStack != 0) AppStacks.Free(p->StackLow, p->StackSize);
            KernelHeap.Free(p);
        }

        [RuntimeExport("abi_pthread_exit")]
        private static void Exit(ulong result)
        {
            PThread* p = Current;
            if (p->IsMain != 0 || p->KernelSave == 0)
            {
                // The main thread ending with pthread_exit: the program goes on while others run
                // and ends (status 0) when the last of them does (Finish). This thread never runs again.
                if (Interlocked.Decrement(ref LiveThreads) == 0) Process.Exit(0);
                int never = 0;
                Parking.Park(&never);
            }
            p->Result = result;
            AppUnwind(&p->KernelSave, result);
        }

        [RuntimeExport("abi_pthread_join")]
        private static int Join(PThread* p, ulong* result)
        {
            if (p == null || p->Detached != 0) return EINVAL;
            if (p == Current) return EDEADLK;
            Scheduler.Join(p->Thread);
            if (result != null) *result = p->Result;
            Release(p);
            return 0;
        }

        [RuntimeExport("abi_pthread_detach")]
        private static int Detach(PThread* p)
        {
            if (p == null || p->Detached != 0) return EINVAL;
            p->Detached = 1;
            Scheduler.Detach(p->Thread);
            return 0;
        }

        [RuntimeExport("abi_pthread_self")]
        private static PThread* Self() => Current;

        [RuntimeExport("abi_pthread_equal")]
        private static int Equal(PThread* a, PThread* b) => a == b ? 1 : 0;

        [RuntimeExport("abi_pthread_setname_np")]
        private static int SetName(PThread* p, byte* name)
        {
            int i = 0;
            for (; i < KThread.MaxName && name[i] != 0; i++) p->Thread->Name[i] = name[i];
            p->Thread->Name[i] = 0;
            return 0;
        }

        [RuntimeExport("abi_pthread_getname_np")]
        private static int GetName(PThread* p, byte* buffer, ulong size)
        {
            ulong i = 0;
            for (; i + 1 < size && p->Thread->Name[i] != 0; i++) buffer[i] = p->Thread->Name[i];
            if (size > 0) buffer[i] = 0;
            return 0;
        }

        // Keys.
        [RuntimeExport("abi_pthread_key_create")]
        private static int KeyCreate(uint* key, ulong destructor)
        {
            fixed (Mutex* m = &s_keyLock)
            {
                m->Lock();
                fixed (KeyTable* t = &s_keys)
                    for (int k = 0; k < MaxKeys; k++)
                        if (t->Used[k] == 0)
                        {
                            t->Used[k] = 1;
                            t->Destructors[k] = destructor;
                            m->Unlock();
                            *key = (uint)k;
                            return 0;
                        }
                m->Unlock();
            }
            return EAGAIN;
        }

        [RuntimeExport("abi_pthread_key_delete")]
        private static int KeyDelete(uint key)
        {
            if (key >= MaxKeys) return EINVAL;
            fixed (KeyTable* t = &s_keys) { t->Used[key] = 0; t->Destructors[key] = 0; }
            return 0;
        }

        [RuntimeExport("abi_pthread_getspecific")]
        private static ulong GetSpecific(uint key) => key < MaxKeys ? Current->Keys[key] : 0;

        [RuntimeExport("abi_pthread_setspecific")]
        private static int SetSpecific(uint key, ulong value)
        {
            if (key >= MaxKeys) return EINVAL;
            Current->Keys[key] = value;
            return 0;
        }

        // pthread_once: 0 = not run, 1 = running, 2 = done. Late callers sleep on one condition
        // variable shared by all once-controls until the first caller's init has returned.
        private static Mutex s_onceLock;
        private static CondVar s_onceDone;

        [RuntimeExport("abi_pthread_once")]
        private static int Once(int* control, delegate* unmanaged<void> init)
        {
            if (Volatile.Read(ref *control) == 2) return 0;
            fixed (Mutex* m = &s_onceLock)
            fixed (CondVar* done = &s_onceDone)
            {
                if (Interlocked.CompareExchange(ref *control, 1, 0) == 0)
                {
                    init();
                    m->Lock();
                    Volatile.Write(ref *control, 2);
                    done->Broadcast();
                    m->Unlock();
                    return 0;
                }
                m->Lock();
                while (Volatile.Read(ref *control) != 2) done->Wait(m);
                m->Unlock();
            }
            return 0;
        }

        // Mutexes: the kernel's lock-free mutex in place (it is recursive; NORMAL and ERRORCHECK
        // mutexes relocked by their owner therefore succeed instead of deadlocking or failing).
        // Mutex types (glibc's values; a static initialiser such as PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP
        // stores one at offset 16, where Mutex keeps Kind). The kernel mutex is always recursive;
        // the other types are enforced here, before it is called.
        private const int MutexRecursive = 1, MutexErrorCheck = 2;     // 0 normal and 3 adaptive: no relocking

        private static int TypeOf(Mutex* m) => m->Kind & 3;

        [RuntimeExport("abi_pthread_mutex_init")]
        private static int MutexInit(Mutex* m, int* attr)
        {
            *m = default;
            if (attr != null) m->Kind = *attr & 3;
            return 0;
        }
        [RuntimeExport("abi_pthread_mutex_destroy")]
        private static int MutexDestroy(Mutex* m) => m->IsLocked ? EBUSY : 0;
        [RuntimeExport("abi_pthread_mutex_lock")]
        private static int MutexLock(Mutex* m)
        {
            void* me = Parking.CurrentThread();
            if (m->Owner == me)
            {
                if (TypeOf(m) != MutexRecursive) return Relock(m);
                if (m->Depth == Mutex.MaxDepth) return EAGAIN;      // as glibc, instead of the kernel mutex's panic
            }
            m->LockAs(me);
            return 0;
        }
        [RuntimeExport("abi_pthread_mutex_trylock")]
        private static int MutexTryLock(Mutex* m)
        {
            if (m->Owner != null && m->IsLockedByCurrentThread && (TypeOf(m) != MutexRecursive || m->Depth == Mutex.MaxDepth))
                return TypeOf(m) == MutexRecursive ? EAGAIN : EBUSY;
            return m->TryLock() ? 0 : EBUSY;
        }
        // A timed lock does not join the mutex's waiter queue: a queued record can only leave it when
        // the mutex's consumer pops it, so a waiter could not give up at its deadline. Instead it
        // retries with sleeps that double from 1 us to 1 ms, so it notices a release within 1 ms.
        private static int TimedLock(Mutex* m, int clock, TimeSpec* abstime)
        {
            bool mine = m->Owner != null && m->IsLockedByCurrentThread;
            if (mine && TypeOf(m) == MutexRecursive && m->Depth == Mutex.MaxDepth) return EAGAIN;
            bool relock = mine && TypeOf(m) != MutexRecursive;
            if (relock && TypeOf(m) == MutexErrorCheck) return EDEADLK;
            if (!relock && m->TryLock()) return 0;
            if (abstime->Nanoseconds < 0 || abstime->Nanoseconds >= 1_000_000_000) return EINVAL;
            ulong deadline = TimeFunctions.DeadlineFromAbsolute(clock, abstime);
            if (relock)                                     // a normal mutex it holds: glibc waits out the deadline
            {
                Scheduler.SleepUntil(deadline);
                return ETIMEDOUT;
            }
            return RetryUntil(&TryMutex, m, deadline);
        }

        private static bool TryMutex(void* m) => ((Mutex*)m)->TryLock();

        // Calls tryLock(lock) after sleeps that double from 1 us to 1 ms until it succeeds (0) or the
        // deadline passes (ETIMEDOUT): the timed lock functions, which cannot leave a waiter queue.
        private static int RetryUntil(delegate*<void*, bool> tryLock, void* lockObject, ulong deadline)
        {
            for (ulong pause = 1_000; ; pause = pause < 1_000_000 ? pause * 2 : pause)
            {
                ulong now = Time.Clock.NowNs();
                if (now >= deadline) return ETIMEDOUT;
                Scheduler.SleepUntil(deadline - now < pause ? deadline : now + pause);
                if (tryLock(lockObject)) return 0;
            }
        }

        [RuntimeExport("abi_pthread_mutex_timedlock")]
        private static int MutexTimedLock(Mutex* m, TimeSpec* abstime) => TimedLock(m, TimeFunctions.ClockRealtime, abstime);

        [RuntimeExport("abi_pthread_mutex_clocklock")]
        private static int MutexClockLock(Mutex* m, int clock, TimeSpec* abstime) => TimedLock(m, clock, abstime);

        [RuntimeExport("abi_pthread_mutex_unlock")]
        private static int MutexUnlock(Mutex* m)
        {
            void* me = Parking.CurrentThread();
            if (m->Owner != me) return EPERM;               // as an error-checking mutex reports
            m->UnlockAs(me);
            return 0;
        }

        // A thread locks a non-recursive mutex it already holds: an error-checking mutex says EDEADLK;
        // a normal one would deadlock for ever under glibc, so the program is ended with a report
        // instead of hanging the VM.
        private static int Relock(Mutex* m)
        {
            if (TypeOf(m) == MutexErrorCheck) return EDEADLK;
            Process.Die("pthread_mutex_lock: the calling thread already holds this (non-recursive) mutex: a deadlock", 134);
            return EDEADLK;
        }
        [RuntimeExport("abi_pthread_mutexattr_init")]
        private static int MutexAttrInit(int* a) { *a = 0; return 0; }
        [RuntimeExport("abi_pthread_mutexattr_destroy")]
        private static int MutexAttrDestroy(int* a) => 0;
        [RuntimeExport("abi_pthread_mutexattr_settype")]
        private static int MutexAttrSetType(int* a, int type) { if (type < 0 || type > 3) return EINVAL; *a = (*a & ~3) | type; return 0; }
        [RuntimeExport("abi_pthread_mutexattr_gettype")]
        private static int MutexAttrGetType(int* a, int* type) { *type = *a & 3; return 0; }

        // Condition variables: a kernel CondVar plus the clock its deadlines use, made on first use.
        private struct Cond { public CondVar Var; public int Clock; }

        private static Cond* CondOf(ulong* slot, int clock)
        {
            Cond* c = (Cond*)Volatile.Read(ref *slot);
            if (c != null) return c;
            var fresh = (Cond*)KernelHeap.AllocZeroed((ulong)sizeof(Cond));
            fresh->Clock = clock;
            if (Interlocked.CompareExchange(ref *(long*)slot, (long)fresh, 0) != 0) { KernelHeap.Free(fresh); return (Cond*)*slot; }
            return fresh;
        }

        [RuntimeExport("abi_pthread_condattr_init")]
        private static int CondAttrInit(int* a) { *a = 0; return 0; }
        [RuntimeExport("abi_pthread_condattr_destroy")]
        private static int CondAttrDestroy(int* a) => 0;
        [RuntimeExport("abi_pthread_condattr_setclock")]
        private static int CondAttrSetClock(int* a, int clock) { if (clock != 0 && clock != 1) return EINVAL; *a = (*a & ~0xFF) | clock; return 0; }
        [RuntimeExport("abi_pthread_condattr_getclock")]
        private static int CondAttrGetClock(int* a, int* clock) { *clock = *a & 0xFF; return 0; }

        [RuntimeExport("abi_pthread_cond_init")]
        private static int CondInit(ulong* c, int* attr)
        {
            for (int i = 0; i < 6; i++) c[i] = 0;
            CondOf(c, attr != null ? *attr & 0xFF : 0);
            return 0;
        }

        [RuntimeExport("abi_pthread_cond_destroy")]
        private static int CondDestroy(ulong* c)
        {
            var cond = (Cond*)*c;
            if (cond != null) { *c = 0; KernelHeap.Free(cond); }
            return 0;
        }

        [RuntimeExport("abi_pthread_cond_signal")]
        private static int CondSignal(ulong* c) { CondOf(c, 0)->Var.Signal(); return 0; }
        [RuntimeExport("abi_pthread_cond_broadcast")]
        private static int CondBroadcast(ulong* c) { CondOf(c, 0)->Var.Broadcast(); return 0; }
        // Waiting needs the mutex held: EPERM otherwise (as glibc says for an error-checking mutex),
        // rather than the kernel condition variable's panic.
        [RuntimeExport("abi_pthread_cond_wait")]
        private static int CondWait(ulong* c, Mutex* m)
        {
            if (!m->IsLockedByCurrentThread) return EPERM;
            CondOf(c, 0)->Var.Wait(m);
            return 0;
        }

        [RuntimeExport("abi_pthread_cond_timedwait")]
        private static int CondTimedWait(ulong* c, Mutex* m, TimeSpec* abstime)
        {
            if (!m->IsLockedByCurrentThread) return EPERM;
            Cond* cond = CondOf(c, 0);
            if (abstime->Nanoseconds < 0 || abstime->Nanoseconds >= 1_000_000_000) return EINVAL;
            ulong deadline = TimeFunctions.DeadlineFromAbsolute(cond->Clock, abstime);
            return cond->Var.WaitUntil(m, deadline) ? 0 : ETIMEDOUT;
        }

        [RuntimeExport("abi_pthread_cond_clockwait")]
        private static int CondClockWait(ulong* c, Mutex* m, int clock, TimeSpec* abstime)
        {
            if (!m->IsLockedByCurrentThread) return EPERM;
            if (abstime->Nanoseconds < 0 || abstime->Nanoseconds >= 1_000_000_000) return EINVAL;
            Cond* cond = CondOf(c, 0);
            ulong deadline = TimeFunctions.DeadlineFromAbsolute(clock, abstime);
            return cond->Var.WaitUntil(m, deadline) ? 0 : ETIMEDOUT;
        }

        // Reader-writer locks: a kernel RwLock made on first use.
        private static RwLock* RwOf(ulong* slot)
        {
            RwLock* r = (RwLock*)Volatile.Read(ref *slot);
            if (r != null) return r;
            var fresh = (RwLock*)KernelHeap.AllocZeroed((ulong)sizeof(RwLock));
            if (Interlocked.CompareExchange(ref *(long*)slot, (long)fresh, 0) != 0) { KernelHeap.Free(fresh); return (RwLock*)*slot; }
            return fresh;
        }

        // Which way the current thread holds a rwlock is not recorded by the kernel lock; the write
        // owner is, so unlock asks it.
        [RuntimeExport("abi_pthread_rwlock_init")]
        private static int RwInit(ulong* r, void* attr) { for (int i = 0; i < 7; i++) r[i] = 0; return 0; }
        [RuntimeExport("abi_pthread_rwlock_destroy")]
        private static int RwDestroy(ulong* r) { var l = (RwLock*)*r; if (l != null) { *r = 0; KernelHeap.Free(l); } return 0; }
        // Locking again what the thread holds for writing would deadlock: EDEADLK, as glibc says.
        [RuntimeExport("abi_pthread_rwlock_rdlock")]
        private static int RwRead(ulong* r)
        {
            RwLock* l = RwOf(r);
            if (l->IsWriteLockedByCurrentThread) return EDEADLK;
            l->ReadLock();
            return 0;
        }
        [RuntimeExport("abi_pthread_rwlock_tryrdlock")]
        private static int RwTryRead(ulong* r) => RwOf(r)->TryReadLock() ? 0 : EBUSY;
        [RuntimeExport("abi_pthread_rwlock_wrlock")]
        private static int RwWrite(ulong* r)
        {
            RwLock* l = RwOf(r);
            if (l->IsWriteLockedByCurrentThread) return EDEADLK;
            l->WriteLock();
            return 0;
        }
        [RuntimeExport("abi_pthread_rwlock_trywrlock")]
        private static int RwTryWrite(ulong* r) => RwOf(r)->TryWriteLock() ? 0 : EBUSY;

        // Timed rwlocks retry like timed mutexes (the rwlock's queues have no timed waiters either).
        private static bool TryRead(void* l) => ((RwLock*)l)->TryReadLock();
        private static bool TryWrite(void* l) => ((RwLock*)l)->TryWriteLock();

        private static int RwTimed(ulong* r, bool write, int clock, TimeSpec* abstime)
        {
            RwLock* l = RwOf(r);
            if (l->IsWriteLockedByCurrentThread) return EDEADLK;
            if (write ? l->TryWriteLock() : l->TryReadLock()) return 0;
            if (abstime->Nanoseconds < 0 || abstime->Nanoseconds >= 1_000_000_000) return EINVAL;
            return RetryUntil(write ? &TryWrite : &TryRead, l, TimeFunctions.DeadlineFromAbsolute(clock, abstime));
        }

        [RuntimeExport("abi_pthread_rwlock_timedrdlock")]
        private static int RwTimedRead(ulong* r, TimeSpec* abstime) => RwTimed(r, false, TimeFunctions.ClockRealtime, abstime);
        [RuntimeExport("abi_pthread_rwlock_timedwrlock")]
        private static int RwTimedWrite(ulong* r, TimeSpec* abstime) => RwTimed(r, true, TimeFunctions.ClockRealtime, abstime);
        [RuntimeExport("abi_pthread_rwlock_clockrdlock")]
        private static int RwClockRead(ulong* r, int clock, TimeSpec* abstime) => RwTimed(r, false, clock, abstime);
        [RuntimeExport("abi_pthread_rwlock_clockwrlock")]
        private static int RwClockWrite(ulong* r, int clock, TimeSpec* abstime) => RwTimed(r, true, clock, abstime);
        [RuntimeExport("abi_pthread_rwlock_unlock")]
        private static int RwUnlock(ulong* r)
        {
            RwLock* l = RwOf(r);
            if (l->IsWriteLockedByCurrentThread) l->WriteUnlock();
            else if (l->Readers > 0) l->ReadUnlock();
            else return 1;                                  // EPERM: nobody holds it
            return 0;
        }

        // Scheduling.
        [RuntimeExport("abi_sched_yield")]
        private static int SchedYield() { Scheduler.Yield(); return 0; }

        [RuntimeExport("abi_sched_getcpu")]
        private static int SchedGetCpu() => PerCpu.CurrentIndex;

        // CPU affinity. A thread is either free (the load balancer places it: its mask is every CPU)
        // or pinned to one CPU. A mask that allows every online CPU frees the calling thread; any
        // other pins it to one CPU of the mask (the one it runs on, if allowed, else the lowest).
        // Only the calling thread can be moved; another thread's mask is read, not changed.
        private static void FillAffinity(KThread* t, ulong size, byte* mask)
        {
            for (ulong i = 0; i < size; i++) mask[i] = 0;
            for (int c = 0; c < PerCpu.Count && (ulong)(c / 8) < size; c++)
                if (t == null || t->Pinned == 0 || t->Cpu == c) mask[c / 8] |= (byte)(1 << (c % 8));
        }

        private static int SetAffinity(PThread* p, ulong size, byte* mask)
        {
            if (mask == null) return EFAULT;
            int chosen = -1, allowed = 0, here = PerCpu.CurrentIndex;
            for (int c = 0; c < PerCpu.Count; c++)
            {
                if ((ulong)(c / 8) >= size || (mask[c / 8] & (1 << (c % 8))) == 0) continue;
                allowed++;
                if (chosen < 0 || c == here) chosen = c;
            }
            if (chosen < 0) return EINVAL;                  // no online CPU in the mask
            if (p != Current)
            {
                if (Interlocked.Exchange(ref s_affinityWarned, 1) == 0)
                    Log.Error($"nimbus: pthread_setaffinity_np: only the calling thread can be moved; the mask of another thread is ignored");
                return 0;
            }
            Scheduler.MoveCurrentTo(chosen, pin: allowed < PerCpu.Count);
            return 0;
        }

        private static int s_affinityWarned;

        // sched_*affinity name a thread by id: 0 or its own id is the caller, the process id the main thread.
        internal static KThread* ThreadById(int pid) =>
            pid == 0 || pid == Scheduler.CurrentId ? Scheduler.Current
            : pid == SystemInfo.ProcessId && MainThread != null ? MainThread : Scheduler.Find(pid);

        [RuntimeExport("abi_sched_getaffinity")]
        private static int SchedGetAffinity(int pid, ulong size, byte* mask)
        {
            KThread* t = ThreadById(pid);
            if (t == null) { Process.SetErrno(ESRCH); return -1; }
            FillAffinity(t, size, mask);
            return 0;
        }

        [RuntimeExport("abi_pthread_getaffinity_np")]
        private static int PthreadGetAffinity(PThread* p, ulong size, byte* mask)
        {
            FillAffinity(p == null ? null : p->Thread, size, mask);
            return 0;
        }

        [RuntimeExport("abi_sched_setaffinity")]
        private static int SchedSetAffinity(int pid, ulong size, byte* mask)
        {
            KThread* t = ThreadById(pid);
            int e = t == null ? ESRCH : SetAffinity(t == Scheduler.Current ? Current : (PThread*)t->AppThread, size, mask);
            if (e == 0) return 0;
            Process.SetErrno(e);
            return -1;
        }

        [RuntimeExport("abi_pthread_setaffinity_np")]
        private static int PthreadSetAffinity(PThread* p, ulong size, byte* mask) => SetAffinity(p, size, mask);

        [RuntimeExport("abi___sched_cpucount")]
        private static int CpuCount(ulong size, byte* set)
        {
            int n = 0;
            for (ulong i = 0; i < size; i++) for (int b = 0; b < 8; b++) if ((set[i] & (1 << b)) != 0) n++;
            return n;
        }

        [RuntimeExport("abi___sched_cpualloc")]
        private static void* CpuAlloc(ulong count) => Memory.Malloc(((count + 63) / 64) * 8);

        [RuntimeExport("abi___sched_cpufree")]
        private static void CpuFree(void* set) => Memory.Free(set);
    }
}
