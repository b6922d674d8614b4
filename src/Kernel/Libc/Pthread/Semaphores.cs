using System.Runtime;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Sync;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Time;
using Nimbus.Kernel.Libc.String;

namespace Nimbus.Kernel.Libc.Pthread
{
    // <semaphore.h>: unnamed semaphores have no static initialiser, so sem_init makes a kernel
    // Semaphore and the 32-byte sem_t holds a pointer to it; named ones live in a table of names.
    internal static unsafe class Semaphores
    {
        // ---- unnamed semaphores: the kernel Semaphore ----

        private static Semaphore* SemaphoreOf(Semaphore** s)
        {
            Semaphore* k = *s;
            if (k == null) LibcErrno.Set(Errno.EINVAL);
            return k;
        }

        [RuntimeExport("abi_sem_init")]
        private static int SemInit(Semaphore** s, int shared, uint value)
        {
            if (value > int.MaxValue) return LibcErrno.Fail(-Errno.EINVAL);
            var k = (Semaphore*)KernelHeap.AllocZeroed((ulong)sizeof(Semaphore));
            if (k == null) return LibcErrno.Fail(-Errno.ENOMEM);
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
            if (k->Count == int.MaxValue) return LibcErrno.Fail(-Errno.EOVERFLOW);    // SEM_VALUE_MAX
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
            return LibcErrno.Fail(-Errno.EAGAIN);
        }

        [RuntimeExport("abi_sem_clockwait")]
        private static int SemWaitUntil(Semaphore** s, int clock, TimeSpec* abstime)
        {
            Semaphore* k = SemaphoreOf(s);
            if (k == null) return -1;
            if (k->TryWait()) return 0;
            if (abstime->Nanoseconds < 0 || abstime->Nanoseconds >= 1_000_000_000) return LibcErrno.Fail(-Errno.EINVAL);
            if (k->WaitUntil(TimeFunctions.DeadlineFromAbsolute(clock, abstime))) return 0;
            return LibcErrno.Fail(-Errno.ETIMEDOUT);
        }

        [RuntimeExport("abi_sem_timedwait")]
        private static int SemTimedWait(Semaphore** s, TimeSpec* abstime) => SemWaitUntil(s, TimeFunctions.ClockRealtime, abstime);

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

        private const int OCreat = 0x40, OExcl = 0x80;

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
            while (rest[length] != 0) { if (rest[length] == (byte)'/') return -Errno.EINVAL; length++; }
            return length == 0 ? -Errno.EINVAL : length > 251 ? -Errno.ENAMETOOLONG : 0;
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
            if (LibcErrno.Failed(e)) return null;                 // SEM_FAILED
            uint value = 0;
            if ((flags & OCreat) != 0) { args->NextGp(); value = (uint)args->NextGp(); }    // mode, value
            fixed (Mutex* m = &s_namedLock)
                using (new MutexScope(m))
                {
                    NamedSemaphore* n = FindByName(name);
                    if (n != null)
                    {
                        if ((flags & (OCreat | OExcl)) == (OCreat | OExcl)) { LibcErrno.Set(Errno.EEXIST); return null; }
                        n->Opens++;
                        return n->Handle;
                    }
                    if ((flags & OCreat) == 0) { LibcErrno.Set(Errno.ENOENT); return null; }
                    if (value > int.MaxValue) { LibcErrno.Set(Errno.EINVAL); return null; }
                    n = (NamedSemaphore*)KernelHeap.AllocZeroed((ulong)sizeof(NamedSemaphore));
                    var handle = (Semaphore**)KernelHeap.AllocZeroed(32);
                    var semaphore = (Semaphore*)KernelHeap.AllocZeroed((ulong)sizeof(Semaphore));
                    ulong length = Strings.Length(name);
                    byte* copy = (byte*)KernelHeap.Alloc(length + 1);
                    if (copy != null) Nimbus.Kernel.Memory.Mem.Move(copy, name, (nuint)length + 1);
                    if (n == null || handle == null || semaphore == null || copy == null) { LibcErrno.Set(Errno.ENOMEM); return null; }
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
                    if (n == null || n->Opens == 0) return LibcErrno.Fail(-Errno.EINVAL);
                    if (--n->Opens == 0 && n->Unlinked != 0) Remove(n);
                    return 0;
                }
        }

        [RuntimeExport("abi_sem_unlink")]
        private static int SemUnlink(byte* path)
        {
            int e = CheckName(path, out byte* name);
            if (e != 0) return LibcErrno.Fail(e);
            fixed (Mutex* m = &s_namedLock)
                using (new MutexScope(m))
                {
                    NamedSemaphore* n = FindByName(name);
                    if (n == null) return LibcErrno.Fail(-Errno.ENOENT);
                    n->Unlinked = 1;
                    if (n->Opens == 0) Remove(n);
                    return 0;
                }
        }
    }
}
