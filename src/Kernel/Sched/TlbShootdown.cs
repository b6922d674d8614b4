using System.Threading;
using Nimbus.Kernel.Arch.X64;

namespace Nimbus.Kernel.Sched
{
    // After unmapping kernel pages, every other CPU must drop its cached translations before the
    // pages are reused. The initiator sends an IPI to each online CPU and then sleeps (never spins)
    // until the last one has flushed and woken it. One shootdown at a time (a mutex serialises them).
    internal static unsafe class TlbShootdown
    {
        public const int Vector = 0xF1;
        private static Sync.Mutex s_lock;
        private static int s_pending;
        private static int s_done;
        private static void* s_waiter;
        public static ulong Count;

        // Memory calls FlushOthers through its hook once the IPI handler is in place.
        public static void Initialize()
        {
            Interrupts.Register(Vector, &OnIpi);
            Memory.KernelMemory.FlushOtherCpus = &FlushOthers;
        }

        public static void FlushOthers()
        {
            if (PerCpu.Count <= 1 || !Scheduler.Ready) return;
            fixed (Sync.Mutex* m = &s_lock)
            {
                m->Lock();
                int targets = 0;
                using (new InterruptsDisabled())      // no migration while we pick "the others"
                {
                    int self = PerCpu.CurrentIndex;
                    for (int i = 0; i < PerCpu.Count; i++)
                        if (i != self && Volatile.Read(ref PerCpu.Get(i)->Online) != 0) targets++;
                    if (targets > 0)
                    {
                        s_done = 0;
                        s_waiter = Parking.CurrentThread();
                        Volatile.Write(ref s_pending, targets);
                        for (int i = 0; i < PerCpu.Count; i++)
                        {
                            CpuData* c = PerCpu.Get(i);
                            if (i != self && Volatile.Read(ref c->Online) != 0) LocalApic.SendIpi(c->ApicId, Vector);
                        }
                    }
                }
                if (targets > 0)
                {
                    fixed (int* done = &s_done) Parking.Park(done);
                    Count++;
                }
                m->Unlock();
            }
        }

        private static void OnIpi(InterruptFrame* frame)
        {
            Cpu.WriteCr3(Cpu.ReadCr3());        // flushes every non-global translation...
            Cpu.WriteCr4(Cpu.ReadCr4() & ~(1UL << 7));
            Cpu.WriteCr4(Cpu.ReadCr4() | (1UL << 7));   // ...and toggling PGE flushes global ones
            if (Interlocked.Decrement(ref s_pending) == 0)
            {
                void* waiter = s_waiter;
                Volatile.Write(ref s_done, 1);
                Parking.Unpark(waiter);
            }
        }
    }
}
