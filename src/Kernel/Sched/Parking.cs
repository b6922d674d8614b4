using System.Threading;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Time;

namespace Nimbus.Kernel.Sched
{
    // What the synchronization primitives (Sync/) need from the scheduler: block the current thread
    // until a flag in its stack-resident wait record is set, and wake a thread. The hosted tests
    // provide the same class over real .NET threads.
    internal static unsafe class Parking
    {
        private static int s_bootIdentity;

        public static void* CurrentThread()
        {
            KThread* t = Scheduler.Current;
            return t != null ? t : (void*)Internal.Runtime.CompilerHelpers.ObjectAddress.AddressOf(ref s_bootIdentity);
        }

        public static void Park(int* flag)
        {
            if (Volatile.Read(ref *flag) != 0) return;
            if (!Scheduler.Ready) Panic.Fail("a thread would block before the scheduler runs");
            using (new InterruptsDisabled())
            {
                while (Volatile.Read(ref *flag) == 0)
                {
                    Scheduler.Current->State = ThreadState.Waiting;
                    Scheduler.Schedule();
                }
            }
        }

        public static bool Park(int* flag, ulong deadlineNs)
        {
            if (Volatile.Read(ref *flag) != 0) return true;
            if (!Scheduler.Ready) Panic.Fail("a thread would block before the scheduler runs");
            KThread* self = Scheduler.Current;
            bool result;
            using (new InterruptsDisabled())
            {
                while (true)
                {
                    if (Volatile.Read(ref *flag) != 0) { result = true; break; }
                    if (Clock.NowNs() >= deadlineNs) { result = false; break; }
                    Timers.Arm(&self->WakeTimer, deadlineNs, &Scheduler.WakeFromTimer, self);
                    self->State = ThreadState.Waiting;
                    Scheduler.Schedule();
                }
                Timers.Cancel(&self->WakeTimer);
            }
            return result;
        }

        public static void Unpark(void* thread) => Scheduler.Wake((KThread*)thread);

        public static ulong NowNs() => Clock.NowNs();
    }
}
