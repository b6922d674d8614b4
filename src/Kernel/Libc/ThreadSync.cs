using System.Runtime;
using System.Threading;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Sync;
using Nimbus.Kernel.Libc.String;

namespace Nimbus.Kernel.Libc
{
    // The rest of the POSIX thread synchronisation a C program uses: barriers, unnamed semaphores
    // (<semaphore.h>) and spin locks. Barriers and semaphores have no static initialiser, so their
    // init functions make a kernel object and the 32-byte pthread_barrier_t / sem_t holds a pointer to it.
    internal static unsafe class ThreadSync
    {
        private const int EAGAIN = 11, EBUSY = 16, EINVAL = 22, ETIMEDOUT = 110, ENOMEM = 12, EOVERFLOW = 75;
        private const int BarrierSerialThread = -1;     // PTHREAD_BARRIER_SERIAL_THREAD

        // ---- barriers ----

        private struct Barrier
        {
            public Mutex Lock;
            public CondVar Released;
            public uint Count, Arrived;
            public ulong Generation;                    // one more each time the barrier opens
        }

        [RuntimeExport("abi_pthread_barrier_init")]
        private static int BarrierInit(Barrier** b, void* attr, uint count)
        {
            if (count == 0) return EINVAL;
            var k = (Barrier*)KernelHeap.AllocZeroed((ulong)sizeof(Barrier));
            if (k == null) return ENOMEM;
            k->Count = count;
            *b = k;
            return 0;
        }

        [RuntimeExport("abi_pthread_barrier_destroy")]
        private static int BarrierDestroy(Barrier** b)
        {
            Barrier* k = *b;
            if (k == null) return EINVAL;
            using (new MutexScope(&k->Lock))
                if (k->Arrived != 0) return EBUSY;
            *b = null;
            KernelHeap.Free(k);
            return 0;
        }

        // The last thread to arrive opens the barrier for everyone and gets PTHREAD_BARRIER_SERIAL_THREAD.
        [RuntimeExport("abi_pthread_barrier_wait")]
        private static int BarrierWait(Barrier** b)
        {
            Barrier* k = *b;
            if (k == null) return EINVAL;
            using (new MutexScope(&k->Lock))
            {
                ulong generation = k->Generation;
                if (++k->Arrived == k->Count)
                {
                    k->Arrived = 0;
                    k->Generation++;
                    k->Released.Broadcast();
                    return BarrierSerialThread;
                }
                while (k->Generation == generation) k->Released.Wait(&k->Lock);
                return 0;
            }
        }

        [RuntimeExport("abi_pthread_barrierattr_init")]
        private static int BarrierAttrInit(int* a) { *a = 0; return 0; }
        [RuntimeExport("abi_pthread_barrierattr_destroy")]
        private static int BarrierAttrDestroy(int* a) => 0;

        // ---- unnamed semaphores: the kernel Semaphore ----

        private static Semaphore* SemaphoreOf(Semaphore** s)
        {
            Semaphore* k = *s;
            if (k == null) Process.SetErrno(EINVAL);
            return k;
        }

        [RuntimeExport("abi_sem_init")]
        private static int SemInit(Semaphore** s, int shared, uint value)
        {
            if (value > int.MaxValue) { Process.SetErrno(EINVAL); return -1; }
            var k = (Semaphore*)KernelHeap.AllocZeroed((ulong)sizeof(Semaphore));
            if (k == null) { Process.SetErrno(ENOMEM); return -1; }
            *k = new Semaphore((int)value);
            *s = k;
            return 0;
        }

        [RuntimeExport("abi_sem_destroy")]
        private static int SemDestroy(Semaphore** s)
        {
            Semaphore* k = SemaphoreOf(s);
            if (k == null) return -1;
            *s = null;
            KernelHeap.Free(k);
            return 0;
        }

        [RuntimeExport("abi_sem_post")]
        private static int SemPost(Semaphore** s)
        {
            Semaphore* k = SemaphoreOf(s);
            if (k == null) return -1;
            if (k->Count == int.MaxValue) { Process.SetErrno(EOVERFLOW); return -1; }    // SEM_VALUE_MAX
            k->Post();
            return 0;
        }

        [RuntimeExport("abi_sem_wait")]
        private static int SemWait(Semaphore** s)
        {
            Semaphore* k = SemaphoreOf(s);
            if (k == null) return -1;
            k->Wait();
            return 0;
        }

        [RuntimeExport("abi_sem_trywait")]
        private static int SemTryWait(Semaphore** s)
        {
            Semaphore* k = SemaphoreOf(s);
            if (k == null) return -1;
            if (k->TryWait()) return 0;
            Process.SetErrno(EAGAIN);
            return -1;
        }

        private static int SemWaitUntil(Semaphore** s, int clock, TimeSpec* abstime)
        {
            Semaphore* k = SemaphoreOf(s);
            if (k == null) return -1;
            if (k->TryWait()) return 0;
            if (abstime->Nanoseconds < 0 || abstime->Nanoseconds >= 1_000_000_000) { Process.SetErrno(EINVAL); return -1; }
            if (k->WaitUntil(TimeFunctions.DeadlineFromAbsolute(clock, abstime))) return 0;
            Process.SetErrno(ETIMEDOUT);
            return -1;
        }

        [RuntimeExport("abi_sem_timedwait")]
        private static int SemTimedWait(Semaphore** s, TimeSpec* abstime) => SemWaitUntil(s, TimeFunctions.ClockRealtime, abstime);

        [RuntimeExport("abi_sem_clockwait")]
        private static int SemClockWait(Semaphore** s, int clock, TimeSpec* abstime) => SemWaitUntil(s, clock, abstime);

        [RuntimeExport("abi_sem_getvalue")]
        private static int SemGetValue(Semaphore** s, int* value)
        {
            Semaphore* k = SemaphoreOf(s);
            if (k == null) return -1;
            *value = k->Count;
            return 0;
        }

        // ---- named semaphores ----
        // There is one process, so a name only lets another sem_open in it find the same semaphore
        // (portable code uses them where unnamed ones are missing, as on macOS). A name lives until
        // sem_unlink; the semaphore until its last sem_close after that.

        private const int OCreat = 0x40, OExcl = 0x80, EEXIST = 17, ENOENT = 2, ENAMETOOLONG = 36;

        private struct NamedSemaphore
        {
            public NamedSemaphore* Next;
            public byte* Name;                          // without the leading '/'
            public Semaphore** Handle;                  // what sem_open returns: a sem_t whose first word points to the semaphore
            public int Opens;
            public int Unlinked;                        // the name is gone; freed at the last sem_close
        }

        private static NamedSemaphore* s_named;
        private static Mutex s_namedLock;

        // glibc's rule: leading slashes are dropped; what is left is 1..251 bytes without '/'.
        private static int CheckName(byte* name, out byte* rest)
        {
            rest = name;
            while (*rest == (byte)'/') rest++;
            int length = 0;
            while (rest[length] != 0) { if (rest[length] == (byte)'/') return EINVAL; length++; }
            return length == 0 ? EINVAL : length > 251 ? ENAMETOOLONG : 0;
        }

        private static NamedSemaphore* FindByName(byte* name)
        {
            for (NamedSemaphore* n = s_named; n != null; n = n->Next)
                if (n->Unlinked == 0 && Strings.CompareStrings(n->Name, name, ulong.MaxValue) == 0) return n;
            return null;
        }

        private static void Remove(NamedSemaphore* n)
        {
            if (s_named == n) s_named = n->Next;
            else
            {
                NamedSemaphore* p = s_named;
                while (p->Next != n) p = p->Next;
                p->Next = n->Next;
            }
            KernelHeap.Free(*n->Handle);
            KernelHeap.Free(n->Handle);
            KernelHeap.Free(n->Name);
            KernelHeap.Free(n);
        }

        [RuntimeExport("libc_sem_open_va")]
        private static Semaphore** SemOpen(byte* path, int flags, VaList* args)
        {
            int e = CheckName(path, out byte* name);
            if (e != 0) { Process.SetErrno(e); return null; }                 // SEM_FAILED
            uint value = 0;
            if ((flags & OCreat) != 0) { args->NextGp(); value = (uint)args->NextGp(); }    // mode, value
            fixed (Mutex* m = &s_namedLock)
                using (new MutexScope(m))
                {
                    NamedSemaphore* n = FindByName(name);
                    if (n != null)
                    {
                        if ((flags & (OCreat | OExcl)) == (OCreat | OExcl)) { Process.SetErrno(EEXIST); return null; }
                        n->Opens++;
                        return n->Handle;
                    }
                    if ((flags & OCreat) == 0) { Process.SetErrno(ENOENT); return null; }
                    if (value > int.MaxValue) { Process.SetErrno(EINVAL); return null; }
                    n = (NamedSemaphore*)KernelHeap.AllocZeroed((ulong)sizeof(NamedSemaphore));
                    var handle = (Semaphore**)KernelHeap.AllocZeroed(32);
                    var semaphore = (Semaphore*)KernelHeap.AllocZeroed((ulong)sizeof(Semaphore));
                    ulong length = Strings.Length(name);
                    byte* copy = (byte*)KernelHeap.Alloc(length + 1);
                    if (copy != null) Nimbus.Kernel.Memory.Mem.Move(copy, name, (nuint)length + 1);
                    if (n == null || handle == null || semaphore == null || copy == null) { Process.SetErrno(ENOMEM); return null; }
                    *semaphore = new Semaphore((int)value);
                    *handle = semaphore;
                    n->Name = copy;
                    n->Handle = handle;
                    n->Opens = 1;
                    n->Next = s_named;
                    s_named = n;
                    return handle;
                }
        }

        [RuntimeExport("abi_sem_close")]
        private static int SemClose(Semaphore** handle)
        {
            fixed (Mutex* m = &s_namedLock)
                using (new MutexScope(m))
                {
                    NamedSemaphore* n = s_named;
                    while (n != null && n->Handle != handle) n = n->Next;
                    if (n == null || n->Opens == 0) { Process.SetErrno(EINVAL); return -1; }
                    if (--n->Opens == 0 && n->Unlinked != 0) Remove(n);
                    return 0;
                }
        }

        [RuntimeExport("abi_sem_unlink")]
        private static int SemUnlink(byte* path)
        {
            int e = CheckName(path, out byte* name);
            if (e != 0) { Process.SetErrno(e); return -1; }
            fixed (Mutex* m = &s_namedLock)
                using (new MutexScope(m))
                {
                    NamedSemaphore* n = FindByName(name);
                    if (n == null) { Process.SetErrno(ENOENT); return -1; }
                    n->Unlinked = 1;
                    if (n->Opens == 0) Remove(n);
                    return 0;
                }
        }

        // ---- spin locks ----
        // The program asked for a spin lock (an int), so it gets one, but a polite one: after a short
        // spin it yields its CPU, so a holder preempted on this CPU (or its vCPU) can finish.

        [RuntimeExport("abi_pthread_spin_init")]
        private static int SpinInit(int* l, int shared) { *l = 0; return 0; }
        [RuntimeExport("abi_pthread_spin_destroy")]
        private static int SpinDestroy(int* l) => 0;
        [RuntimeExport("abi_pthread_spin_trylock")]
        private static int SpinTryLock(int* l) => Interlocked.Exchange(ref *l, 1) == 0 ? 0 : EBUSY;
        [RuntimeExport("abi_pthread_spin_unlock")]
        private static int SpinUnlock(int* l) { Volatile.Write(ref *l, 0); return 0; }

        [RuntimeExport("abi_pthread_spin_lock")]
        private static int SpinLock(int* l)
        {
            while (Interlocked.Exchange(ref *l, 1) != 0)
            {
                for (int spins = 0; Volatile.Read(ref *l) != 0; spins++)
                {
                    if (spins < 100) Cpu.Pause();
                    else { Scheduler.Yield(); spins = 0; }
                }
            }
            return 0;
        }
    }
}
