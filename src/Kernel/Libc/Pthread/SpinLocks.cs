using System.Runtime;
using System.Threading;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Pthread
{
    // pthread spin locks. The program asked for a spin lock (an int), so it gets one, but a polite
    // one: after a short spin it yields its CPU, so a holder preempted on this CPU (or its vCPU) can
    // finish.
    internal static unsafe class SpinLocks
    {
        [RuntimeExport("abi_pthread_spin_init")]
        private static int SpinInit(int* l, int shared) { *l = 0; return 0; }
        [RuntimeExport("abi_pthread_spin_destroy")]
        private static int SpinDestroy(int* l) => 0;
        [RuntimeExport("abi_pthread_spin_trylock")]
        private static int SpinTryLock(int* l) => Interlocked.Exchange(ref *l, 1) == 0 ? 0 : Errno.EBUSY;
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
