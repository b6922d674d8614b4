using System.Threading;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Drivers;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Time;

namespace Nimbus.Kernel.Sched
{
    // Preemptive, fair scheduler (one CPU for now). Each thread accumulates virtual run time: real
    // run time scaled by its weight (nice 0 = 1024; each nice step is ~1.25x, as in Linux CFS). The
    // runnable thread with the least virtual run time runs next, for at most one slice; a thread that
    // wakes up is placed no further back than one slice behind the queue's minimum, so sleepers get
    // the CPU promptly without starving the others. Chosen over OSv's exponentially decaying run
    // time because it needs no floating point and has a clear fairness invariant.
    //
    // Switches happen with interrupts disabled; the run queue and timer list are CPU-local and
    // protected by disabling interrupts, briefly. Interrupt handlers only wake threads: preemption
    // happens at the end of interrupt dispatch when a wake-up or the slice's end asks for it.
    internal static unsafe class Scheduler
    {
        public const ulong SliceNs = 4_000_000;
        public const int DefaultStackOrder = 4;          // 64 KiB
        private const uint FsBaseMsr = 0xC0000100;

        private static KThread* s_current, s_idle, s_previous;
        private static KThread* s_runHead;
        private static KThread* s_all;
        private static int s_runnable, s_nextId, s_liveThreads;
        private static bool s_needResched, s_ready;
        private static ulong s_sliceEndNs;

        public static Tracepoint SwitchTrace, WakeTrace, IdleTrace, CreateTrace, ExitTrace;

        public static bool Ready => s_ready;
        public static KThread* Current => s_current;
        public static int CurrentId => s_current == null ? 0 : s_current->Id;
        public static int LiveThreads => s_liveThreads;
        public static int RunnableCount => s_runnable;

        [RuntimeImport("*", "context_switch")] [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void ContextSwitch(ulong* saveRsp, ulong newRsp);
        [RuntimeImport("*", "thread_trampoline_address")] [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern ulong TrampolineAddress();

        // Turns the boot context into thread 1 ("main") and creates the idle thread.
        public static void Initialize(ulong bootStackTop)
        {
            Trace.Register(ref SwitchTrace, "sched_switch");
            Trace.Register(ref WakeTrace, "sched_wake");
            Trace.Register(ref IdleTrace, "sched_idle");
            Trace.Register(ref CreateTrace, "thread_create");
            Trace.Register(ref ExitTrace, "thread_exit");
            KThread* main = NewThread("main", -1);
            main->StackTop = bootStackTop;
            main->State = ThreadState.Running;
            main->RunStartNs = Clock.NowNs();
            s_current = main;
            s_idle = Create(&IdleLoop, null, "idle", 2);
            s_idle->Nice = 19;
            s_idle->State = ThreadState.Runnable;     // never queued: chosen when the queue is empty
            s_ready = true;
        }

        private static KThread* NewThread(string name, int stackOrder)
        {
            var t = (KThread*)KernelHeap.AllocZeroed((ulong)sizeof(KThread));
            t->Id = ++s_nextId;
            t->StackOrder = stackOrder;
            int n = name.Length < KThread.MaxName ? name.Length : KThread.MaxName;
            for (int i = 0; i < n; i++) t->Name[i] = (byte)name[i];
            using (new InterruptsDisabled())
            {
                t->AllNext = s_all;
                if (s_all != null) s_all->AllPrev = t;
                s_all = t;
                s_liveThreads++;
            }
            return t;
        }

        // Creates a thread that will run entry(arg) once started. Its stack: 2^stackOrder pages.
        public static KThread* Create(delegate*<void*, void> entry, void* arg, string name, int stackOrder = DefaultStackOrder)
        {
            KThread* t = NewThread(name, stackOrder);
            t->Entry = entry;
            t->Arg = arg;
            t->StackTop = KernelMemory.AllocateStack(stackOrder);
            // The frame context_switch pops: mxcsr/fcw, r15, r14, r13, r12 (= thread), rbx, rbp, return.
            ulong* sp = (ulong*)t->StackTop;
            *--sp = TrampolineAddress();               // after `ret`, rsp = StackTop: 16-byte aligned for the call
            *--sp = 0;                                 // rbp
            *--sp = 0;                                 // rbx
            *--sp = (ulong)t;                          // r12
            *--sp = 0;                                 // r13
            *--sp = 0;                                 // r14
            *--sp = 0;                                 // r15
            *--sp = 0x1F80UL | (0x037FUL << 32);       // MXCSR default, x87 control word default
            t->SavedRsp = (ulong)sp;
            t->State = ThreadState.New;
            CreateTrace.Hit((ulong)t->Id);
            return t;
        }

        public static void Start(KThread* t)
        {
            using (new InterruptsDisabled())
            {
                if (t->State != ThreadState.New) Panic.Fail("starting a thread twice");
                t->VRuntime = MinVRuntime();
                t->State = ThreadState.Runnable;
                Enqueue(t);
            }
        }

        public static KThread* Spawn(delegate*<void*, void> entry, void* arg, string name)
        {
            KThread* t = Create(entry, arg, name);
            Start(t);
            return t;
        }

        [UnmanagedCallersOnly(EntryPoint = "ThreadStart")]
        private static void ThreadStart(KThread* self)
        {
            FinishSwitch();
            Cpu.EnableInterrupts();
            self->Entry(self->Arg);
            Exit();
        }

        // Ends the calling thread. A joinable thread stays allocated until Join; a detached one is freed.
        public static void Exit()
        {
            Cpu.DisableInterrupts();
            KThread* self = s_current;
            if (self->StackOrder < 0) Panic.Fail("the main thread cannot exit");
            ExitTrace.Hit((ulong)self->Id);
            self->State = ThreadState.Terminated;
            Schedule();
            Panic.Fail("a terminated thread was scheduled");
        }

        // Waits for t to exit, then frees it. Each thread is joined at most once, or detached.
        public static void Join(KThread* t)
        {
            if (t == s_current) Panic.Fail("a thread cannot join itself");
            using (new InterruptsDisabled())
            {
                if (t->Detached != 0 || t->Joiner != null) Panic.Fail("join of a detached or already joined thread");
                t->Joiner = s_current;
            }
            Parking.Park(&t->Dead);
            Free(t);
        }

        public static void Detach(KThread* t)
        {
            bool freeNow;
            using (new InterruptsDisabled())
            {
                if (t->Joiner != null) Panic.Fail("detach of a thread being joined");
                t->Detached = 1;
                freeNow = Volatile.Read(ref t->Dead) != 0;
            }
            if (freeNow) Free(t);
        }

        private static void Free(KThread* t)
        {
            using (new InterruptsDisabled())
            {
                if (t->AllPrev != null) t->AllPrev->AllNext = t->AllNext; else s_all = t->AllNext;
                if (t->AllNext != null) t->AllNext->AllPrev = t->AllPrev;
                s_liveThreads--;
            }
            if (t->StackOrder >= 0) KernelMemory.FreeStack(t->StackTop, t->StackOrder);
            KernelHeap.Free(t);
        }

        // Runs after every switch, on the new thread: settles the thread we switched away from.
        private static void FinishSwitch()
        {
            KThread* prev = s_previous;
            s_previous = null;
            if (prev == null || prev->State != ThreadState.Terminated) return;
            Volatile.Write(ref prev->Dead, 1);
            if (prev->Detached != 0) Free(prev);
            else if (prev->Joiner != null) Wake(prev->Joiner);
        }

        public static void Yield()
        {
            using (new InterruptsDisabled())
            {
                // Go behind every runnable thread of the same weight.
                if (s_runHead != null)
                {
                    KThread* last = s_runHead;
                    while (last->RunNext != null) last = last->RunNext;
                    if (s_current->VRuntime < last->VRuntime) s_current->VRuntime = last->VRuntime;
                }
                Schedule();
            }
        }

        // Blocks the current thread (state already set to Waiting by the caller, interrupts off)
        // or yields the CPU; returns when this thread runs again.
        public static void Schedule()
        {
            KThread* prev = s_current;
            ulong now = Clock.NowNs();
            Account(prev, now);
            if (prev->State == ThreadState.Running)
            {
                prev->State = ThreadState.Runnable;
                if (prev != s_idle) Enqueue(prev);
            }
            KThread* next = Dequeue();
            if (next == null) next = prev->State == ThreadState.Runnable && prev == s_idle ? prev : s_idle;
            s_needResched = false;
            s_sliceEndNs = now + SliceNs;
            next->State = ThreadState.Running;
            next->RunStartNs = now;
            if (next != prev)
            {
                next->Switches++;
                s_current = next;
                s_previous = prev;
                if (next->FsBase != prev->FsBase) Cpu.WriteMsr(FsBaseMsr, next->FsBase);
                SwitchTrace.Hit((ulong)prev->Id, (ulong)next->Id);
                if (next == s_idle) IdleTrace.Hit();
                ReprogramTimer();
                ContextSwitch(&prev->SavedRsp, next->SavedRsp);
                FinishSwitch();
            }
            else ReprogramTimer();
        }

        private static void Account(KThread* t, ulong now)
        {
            ulong ran = now - t->RunStartNs;
            t->RuntimeNs += ran;
            t->VRuntime += ran * 1024 / Weight(t->Nice);
            t->RunStartNs = now;
        }

        public static ulong Weight(int nice)
        {
            ulong w = 1024;
            for (int i = 0; i < nice; i++) w = w * 4 / 5;
            for (int i = 0; i > nice; i--) w = w * 5 / 4;
            return w == 0 ? 1 : w;
        }

        private static ulong MinVRuntime()
        {
            ulong min = s_current == null || s_current == s_idle ? ulong.MaxValue : s_current->VRuntime;
            if (s_runHead != null && s_runHead->VRuntime < min) min = s_runHead->VRuntime;
            return min == ulong.MaxValue ? 0 : min;
        }

        // Run queue: sorted by virtual run time, smallest first.
        private static void Enqueue(KThread* t)
        {
            KThread* prev = null;
            KThread* next = s_runHead;
            while (next != null && next->VRuntime <= t->VRuntime) { prev = next; next = next->RunNext; }
            t->RunNext = next;
            t->RunPrev = prev;
            if (next != null) next->RunPrev = t;
            if (prev != null) prev->RunNext = t; else s_runHead = t;
            s_runnable++;
        }

        private static KThread* Dequeue()
        {
            KThread* t = s_runHead;
            if (t == null) return null;
            s_runHead = t->RunNext;
            if (s_runHead != null) s_runHead->RunPrev = null;
            t->RunNext = t->RunPrev = null;
            s_runnable--;
            return t;
        }

        // Makes a waiting thread runnable. From threads or interrupt handlers.
        public static void Wake(KThread* t)
        {
            bool wasEnabled = Cpu.SaveAndDisableInterrupts();
            if (t->State == ThreadState.Waiting)
            {
                WakeTrace.Hit((ulong)t->Id);
                t->State = ThreadState.Runnable;
                ulong min = MinVRuntime();
                if (t->VRuntime + SliceNs < min) t->VRuntime = min - SliceNs;
                Enqueue(t);
                if (s_current == s_idle || t->VRuntime < s_current->VRuntime) s_needResched = true;
                ReprogramTimer();
            }
            if (wasEnabled && s_needResched) Schedule();
            Cpu.RestoreInterrupts(wasEnabled);
        }

        // Called at the end of interrupt dispatch (interrupts off): switch if a wake-up or the end of
        // the slice asked for it.
        public static void PreemptIfNeeded()
        {
            if (!s_ready) return;
            if (!s_needResched && s_runHead != null && Clock.NowNs() >= s_sliceEndNs) s_needResched = true;
            if (s_needResched) Schedule();
        }

        // From the timer interrupt.
        public static void OnTimerInterrupt()
        {
            ulong now = Clock.NowNs();
            Timers.ExpireDue(now);
            if (s_ready && s_runHead != null && now >= s_sliceEndNs) s_needResched = true;
            ReprogramTimer();
        }

        // Arms the one-shot timer for the next event: the earliest timer, or the slice's end when
        // another thread is waiting for the CPU. Nothing at all when idle with no timers (tickless).
        public static void ReprogramTimer()
        {
            if (!LocalApic.Present) return;
            ulong deadline = Timers.NextDeadline;
            if (s_ready && s_runHead != null && s_sliceEndNs < deadline) deadline = s_sliceEndNs;
            if (deadline == ulong.MaxValue) { LocalApic.Disarm(); return; }
            ulong now = Clock.NowNs();
            LocalApic.ArmOneShot(deadline > now ? deadline - now : 1000);
        }

        private static void IdleLoop(void* unused)
        {
            while (true)
            {
                Cpu.DisableInterrupts();
                if (s_runHead != null) Schedule();
                else Cpu.EnableInterruptsAndHalt();
            }
        }

        public static void SleepNs(ulong ns) => SleepUntil(Clock.NowNs() + ns);

        public static void SleepUntil(ulong deadlineNs)
        {
            KThread* self = s_current;
            using (new InterruptsDisabled())
            {
                while (Clock.NowNs() < deadlineNs)
                {
                    Timers.Arm(&self->WakeTimer, deadlineNs, &WakeFromTimer, self);
                    self->State = ThreadState.Waiting;
                    Schedule();
                }
                Timers.Cancel(&self->WakeTimer);
            }
        }

        public static void WakeFromTimer(void* thread)
        {
            ((KThread*)thread)->TimedOut = 1;
            Wake((KThread*)thread);
        }

        public static void PrintThreads()
        {
            using (new InterruptsDisabled())
                for (KThread* t = s_all; t != null; t = t->AllNext)
                    Log.Line($"  {t->Id,4} {NameOf(t),-16} {StateName(t->State),-10} runtime {t->RuntimeNs / 1000:f3} ms  switches {t->Switches}");
        }

        public static System.ReadOnlySpan<byte> NameOf(KThread* t)
        {
            int n = 0;
            while (n < KThread.MaxName && t->Name[n] != 0) n++;
            return new System.ReadOnlySpan<byte>(t->Name, n);
        }

        private static string StateName(ThreadState s) => s switch
        {
            ThreadState.New => "new", ThreadState.Runnable => "runnable", ThreadState.Running => "running",
            ThreadState.Waiting => "waiting", _ => "terminated",
        };
    }
}
