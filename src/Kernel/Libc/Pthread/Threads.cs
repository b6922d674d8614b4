using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using Nimbus.Kernel.Elf;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Sync;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Start;

namespace Nimbus.Kernel.Libc.Pthread
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
        public void* Locale;                  // uselocale's locale_t (Libc/Locale), null: the global one
    }

    // <pthread.h>: threads (attributes, create, join, exit, names), keys, once and cancellation
    // state. The synchronisation objects are Mutexes.cs, Conditions.cs, RwLocks.cs, Barriers.cs,
    // SpinLocks.cs and Semaphores.cs; scheduling and affinity are Scheduling.cs.
    internal static unsafe class Threads
    {
        public const int MaxKeys = 128;
        public static KThread* MainThread;         // the thread running main()
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
        private static int AttrSetStackSize(Attr* a, ulong size) { if (size < 16384) return Errno.EINVAL; a->StackSize = size; return 0; }
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
            if (attr != null && attr->Initialized != 0 && attr->ExplicitScheduling != 0 && attr->Policy != Scheduling.SchedOther) return Errno.EPERM;
            ulong stackSize = attr != null && attr->Initialized != 0 ? attr->StackSize : DefaultStackSize;
            stackSize = AddressSpace.RoundUp(stackSize);
            var p = (PThread*)KernelHeap.AllocZeroed((ulong)sizeof(PThread));
            ulong top;
            if (attr != null && attr->StackAddress != 0) { p->StackLow = attr->StackAddress; top = (attr->StackAddress + stackSize) & ~15UL; }
            else
            {
                top = AppStacks.Map(stackSize, out p->StackLow);
                if (top == 0) { KernelHeap.Free(p); return Errno.EAGAIN; }
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
            if (p == null || p->Detached != 0) return Errno.EINVAL;
            if (p == Current) return Errno.EDEADLK;
            Scheduler.Join(p->Thread);
            if (result != null) *result = p->Result;
            Release(p);
            return 0;
        }

        [RuntimeExport("abi_pthread_detach")]
        private static int Detach(PThread* p)
        {
            if (p == null || p->Detached != 0) return Errno.EINVAL;
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
            return Errno.EAGAIN;
        }

        [RuntimeExport("abi_pthread_key_delete")]
        private static int KeyDelete(uint key)
        {
            if (key >= MaxKeys) return Errno.EINVAL;
            fixed (KeyTable* t = &s_keys) { t->Used[key] = 0; t->Destructors[key] = 0; }
            return 0;
        }

        [RuntimeExport("abi_pthread_getspecific")]
        private static ulong GetSpecific(uint key) => key < MaxKeys ? Current->Keys[key] : 0;

        [RuntimeExport("abi_pthread_setspecific")]
        private static int SetSpecific(uint key, ulong value)
        {
            if (key >= MaxKeys) return Errno.EINVAL;
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

        // ---- cancellation ----
        // pthread_cancel is not provided (a program that uses it is told at load time), so no thread
        // is ever cancelled: the state can be kept and reported, and testing for a pending cancel
        // finds none.
        [RuntimeExport("abi_pthread_setcancelstate")]
        private static int SetCancelState(int state, int* old) => Keep(ref Threads.Current->CancelState, state, old);
        [RuntimeExport("abi_pthread_setcanceltype")]
        private static int SetCancelType(int type, int* old) => Keep(ref Threads.Current->CancelType, type, old);
        [RuntimeExport("abi_pthread_testcancel")]
        private static void TestCancel() { }

        private static int Keep(ref int field, int value, int* old)
        {
            if (value != 0 && value != 1) return Errno.EINVAL;
            if (old != null) *old = field;
            field = value;
            return 0;
        }
    }
}
