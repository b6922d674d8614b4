using System.Threading;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Time;
using Nimbus.Kernel.Console;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Sched
{
    // Preemptive, fair scheduler with a run queue per CPU. Each thread accumulates virtual run time: real
    // run time scaled by its weight (nice 0 = 1024; each nice step is ~1.25x, as in Linux CFS). The
    // runnable thread with the least virtual run time runs next, for at most one slice; a thread that
    // wakes up is placed no further back than one slice behind the queue's minimum, so sleepers get
    // the CPU promptly without starving the others. Chosen over OSv's exponentially decaying run
    // time because it needs no floating point and has a clear fairness invariant.
    //
    // Switches happen with interrupts disabled; a CPU's run queue and timer list are touched only by
    // that CPU, with interrupts disabled, briefly. A thread woken by another CPU is pushed on its CPU's
    // lock-free incoming stack (and that CPU is sent an IPI if it is halted or the stack was empty);
    // the owning CPU moves it into its run queue. Interrupt handlers only wake threads: preemption
    // happens at the end of interrupt dispatch when a wake-up or the slice's end asks for it.
    // Load balancing pushes, never pulls: each CPU's housekeeper thread hands surplus runnable threads
    // to the least loaded CPU, so no CPU ever edits another's queue.
    internal static unsafe partial class Scheduler
    {
        public const ulong SliceNs = 4_000_000;
        public const int DefaultStackOrder = 4;          // 64 KiB
        public const int WakeVector = 0xF0;
        private const uint FsBaseMsr = 0xC0000100;
        private const ulong BalanceIntervalNs = 20_000_000;

        private static KThread* s_all;
        private static Sync.Mutex s_allLock;             // the all-threads list
        private static int s_nextId, s_liveThreads;
        private static bool s_ready;

        public static Tracepoint SwitchTrace, WakeTrace, IdleTrace, CreateTrace, ExitTrace, MigrateTrace;

        public static bool Ready => s_ready;
        public static KThread* Current
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get
            {
                KThread* t = OnThreadStack();
                return t != null ? t : PerCpu.Ready ? PerCpu.CurrentThread() : null;
            }
        }

        // The thread whose kernel or application stack we are on, found by masking the stack
        // pointer; null on any other stack (the boot stack, a sigaltstack, a program's own).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static KThread* OnThreadStack()
        {
            byte onStack;
            KThread* t = (KThread*)KernelMemory.OwnerOfStack((ulong)&onStack);
            return t != null ? t : (KThread*)AppStacks.OwnerOfStack((ulong)&onStack);
        }
        public static int CurrentId => Current == null ? 0 : Current->Id;
        public static ulong CurrentThreadId() => (ulong)CurrentId;
        public static int LiveThreads => s_liveThreads;
        public static int RunnableCount => PerCpu.Current->Runnable;

        [RuntimeImport("*", "context_switch")] [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void ContextSwitch(ulong* saveRsp, ulong newRsp);
        [RuntimeImport("*", "thread_trampoline_address")] [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern ulong TrampolineAddress();

        // Boot CPU: turns the boot context into thread 1 ("main") and creates this CPU's idle thread.
        public static void Initialize(ulong bootStackTop)
        {
            ComputeWeights();
            Interrupts.Register(LocalApic.TimerVector, &OnTimer);
            Trace.Register(ref SwitchTrace, "sched_switch");
            Trace.Register(ref WakeTrace, "sched_wake");
            Trace.Register(ref IdleTrace, "sched_idle");
            Trace.Register(ref CreateTrace, "thread_create");
            Trace.Register(ref ExitTrace, "thread_exit");
            Trace.Register(ref MigrateTrace, "sched_migrate");
            Interrupts.Register(WakeVector, &OnWakeIpi);
            CpuData* cpu = PerCpu.Current;
            KThread* main = NewThread("main", -1);
            main->StackTop = bootStackTop;
            main->StackLow = bootStackTop - 65536;
            main->EntryStackTop = bootStackTop;
            main->State = ThreadState.Running;
            main->RunStartNs = Clock.NowNs();
            cpu->Current = main;
            cpu->EntryStackTop = main->EntryStackTop;
            cpu->EntryStackLow = main->StackLow;
            KThread* idle = Create(&IdleLoop, null, "idle0", 2);
            idle->Nice = 19;
            idle->State = ThreadState.Runnable;          // never queued: chosen when the queue is empty
            idle->Cpu = 0;
            cpu->Idle = idle;
            s_ready = true;
            // The housekeepers start when first needed (a detached thread, or a second CPU): a
            // single-CPU boot that never detaches a thread does not pay for one.
        }

        public static void EnsureHousekeepers()
        {
            for (int i = 0; i < PerCpu.Count; i++)
            {
                CpuData* c = PerCpu.Get(i);
                if (Volatile.Read(ref c->Online) != 0 && Volatile.Read(ref *(nint*)&c->Housekeeper) == 0) SpawnHousekeeper(c);
            }
        }

        // For an application processor, made by the boot CPU before it starts the AP: the AP's boot
        // context becomes this idle thread, so the AP allocates nothing and never blocks on its own.
        public static KThread* PrepareIdle(CpuData* cpu, ulong stackTop)
        {
            var name = new KernelText(0, 0);
            name.AppendLiteral("idle");
            name.AppendFormatted(cpu->Index);
            KThread* idle = NewThread(name.Bytes, -1);
            idle->StackTop = stackTop;
            idle->StackLow = stackTop + 16 - (PageAllocator.PageSize << IdleStackOrder);
            idle->EntryStackTop = stackTop;
            KernelMemory.SetStackOwner(stackTop, idle);
            idle->Nice = 19;
            idle->Cpu = cpu->Index;
            idle->State = ThreadState.Running;
            return idle;
        }

        // On an application processor, once its idle thread is prepared: never returns.
        public static void RunIdleOnThisCpu()
        {
            CpuData* cpu = PerCpu.Current;
            cpu->Current = cpu->Idle;
            cpu->EntryStackTop = cpu->Idle->EntryStackTop;
            cpu->EntryStackLow = cpu->Idle->StackLow;
            cpu->Idle->RunStartNs = Clock.NowNs();
            IdleLoop(null);
        }

        // Each CPU has a housekeeper thread: it frees detached threads that died there and, with
        // several CPUs, balances the load.
        private static Sync.Mutex s_housekeeperLock;

        public static void SpawnHousekeeper(CpuData* cpu)
        {
            fixed (Sync.Mutex* m = &s_housekeeperLock)
            {
                m->Lock();
                if (cpu->Housekeeper == null) StartHousekeeper(cpu);
                m->Unlock();
            }
        }

        private static void StartHousekeeper(CpuData* cpu)
        {
            KThread* h = Create(&HousekeeperLoop, null, "housekeeper", 2);
            h->Pinned = 1;
            cpu->Housekeeper = h;
            // Queued behind the current thread: it has nothing to do yet, so it must not preempt boot.
            KThread* cur = Current;
            if (cur != null && cur->Cpu == cpu->Index) h->VRuntime = cur->VRuntime + SliceNs;
            StartOn(h, cpu->Index);
        }

        private static KThread* NewThread(string name, int stackOrder)
        {
            var t = NewThreadRecord(stackOrder);
            int n = name.Length < KThread.MaxName ? name.Length : KThread.MaxName;
            for (int i = 0; i < n; i++) t->Name[i] = (byte)name[i];
            return t;
        }

        private static KThread* NewThread(System.ReadOnlySpan<byte> name, int stackOrder)
        {
            var t = NewThreadRecord(stackOrder);
            int n = name.Length < KThread.MaxName ? name.Length : KThread.MaxName;
            for (int i = 0; i < n; i++) t->Name[i] = name[i];
            return t;
        }

        // Thread records are type-stable: a freed record goes to this list, never back to the heap, so
        // a late Wake(t) by a waker that read t before the thread exited touches a thread record (whose
        // state CAS fails, or at worst wakes its new owner spuriously, which every wait tolerates),
        // never foreign memory.
        private static KThread* s_freeRecords;
        private static int s_freeRecordCount;

        private static KThread* NewThreadRecord(int stackOrder)
        {
            KThread* t = null;
            fixed (Sync.Mutex* m = &s_allLock)
            {
                m->Lock();
                if (s_freeRecords != null)
                {
                    t = s_freeRecords;
                    s_freeRecords = t->AllNext;
                    s_freeRecordCount--;
                }
                m->Unlock();
            }
            if (t == null) t = (KThread*)KernelHeap.AllocZeroed((ulong)sizeof(KThread));
            else
            {
                // Clear everything but the state word first, then the state (Terminated -> New).
                byte* b = (byte*)t;
                int stateOffset = (int)((byte*)&t->State - b);
                for (int i = 0; i < sizeof(KThread); i++) if (i < stateOffset || i >= stateOffset + 4) b[i] = 0;
                Volatile.Write(ref *(int*)&t->State, (int)ThreadState.New);
            }
            t->Id = Interlocked.Increment(ref s_nextId);
            t->StackOrder = stackOrder;
            t->Cpu = PerCpu.CurrentIndex;
            fixed (Sync.Mutex* m = &s_allLock)
            {
                m->Lock();
                t->AllNext = s_all;
                if (s_all != null) s_all->AllPrev = t;
                s_all = t;
                s_liveThreads++;
                m->Unlock();
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
            t->StackLow = t->StackTop + 16 - (PageAllocator.PageSize << stackOrder);
            t->EntryStackTop = t->StackTop;
            KernelMemory.SetStackOwner(t->StackTop, t);
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

        // Starts a new thread on the least loaded CPU.
        public static void Start(KThread* t)
        {
            int best = PerCpu.CurrentIndex;
            for (int i = 0; i < PerCpu.Count; i++)
            {
                CpuData* c = PerCpu.Get(i);
                if (Volatile.Read(ref c->Online) != 0 && Volatile.Read(ref c->Runnable) < Volatile.Read(ref PerCpu.Get(best)->Runnable)) best = i;
            }
            StartOn(t, best);
        }

        public static void StartOn(KThread* t, int cpuIndex)
        {
            if (t->State != ThreadState.New) Panic.Fail("starting a thread twice");
            if ((uint)cpuIndex >= (uint)PerCpu.Count || Volatile.Read(ref PerCpu.Get(cpuIndex)->Online) == 0) cpuIndex = PerCpu.CurrentIndex;
            t->Cpu = cpuIndex;
            t->State = ThreadState.Waiting;
            Wake(t);
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
            KThread* self = Current;
            if (self->StackOrder < 0) Panic.Fail("the main and idle threads cannot exit");
            ExitTrace.Hit((ulong)self->Id);
            self->State = ThreadState.Terminated;
            Schedule();
            Panic.Fail("a terminated thread was scheduled");
        }

        // Waits for t to exit, then frees it. Each thread is joined at most once, or detached.
        public static void Join(KThread* t)
        {
            if (t == Current) Panic.Fail("a thread cannot join itself");
            if (Interlocked.CompareExchange(ref *(nint*)&t->Joiner, (nint)Current, 0) != 0 || t->Detached != 0)
                Panic.Fail("join of a detached or already joined thread");
            Parking.Park(&t->Dead);
            Free(t);
        }

        public static void Detach(KThread* t)
        {
            if (t->Joiner != null) Panic.Fail("detach of a thread being joined");
            EnsureHousekeepers();                   // they free detached threads
            Volatile.Write(ref t->Detached, 1);
            // Whoever sees both "detached" and "dead" frees it: here, or the CPU it died on.
            if (Volatile.Read(ref t->Dead) != 0 && Interlocked.Exchange(ref t->Freeing, 1) == 0) Free(t);
        }

        private static void Free(KThread* t)
        {
            fixed (Sync.Mutex* m = &s_allLock)
            {
                m->Lock();
                if (t->AllPrev != null) t->AllPrev->AllNext = t->AllNext; else s_all = t->AllNext;
                if (t->AllNext != null) t->AllNext->AllPrev = t->AllPrev;
                s_liveThreads--;
                m->Unlock();
            }
            if (t->StackOrder >= 0) KernelMemory.FreeStack(t->StackTop, t->StackOrder);
            Volatile.Write(ref *(int*)&t->State, (int)ThreadState.Terminated);
            fixed (Sync.Mutex* m = &s_allLock)
            {
                m->Lock();
                t->AllNext = s_freeRecords;
                s_freeRecords = t;
                s_freeRecordCount++;
                m->Unlock();
            }
        }

        public static int CachedThreadRecords => Volatile.Read(ref s_freeRecordCount);

        // The live thread with this id, or null. (Records are type-stable: a pointer stays a thread record.)
        public static KThread* Find(int id)
        {
            fixed (Sync.Mutex* m = &s_allLock)
            {
                m->Lock();
                KThread* t = s_all;
                while (t != null && t->Id != id) t = t->AllNext;
                m->Unlock();
                return t;
            }
        }

        // Runs after every switch, on the new thread (interrupts off): settles the thread we left.
        private static void FinishSwitch()
        {
            CpuData* cpu = PerCpu.Current;
            KThread* prev = cpu->Previous;
            cpu->Previous = null;
            if (prev != null && prev->MoveTo != 0)
            {
                // Off its stack now: the thread can be handed to the CPU it asked for.
                CpuData* target = PerCpu.Get(prev->MoveTo - 1);
                prev->MoveTo = 0;
                HandOver(cpu, prev, target);
                return;
            }
            if (prev == null || prev->State != ThreadState.Terminated) return;
            KThread* joiner = prev->Joiner;
            Volatile.Write(ref prev->Dead, 1);
            if (Volatile.Read(ref prev->Detached) != 0 && Interlocked.Exchange(ref prev->Freeing, 1) == 0)
            {
                // Freeing takes locks and may block: leave it to this CPU's housekeeper.
                prev->RunNext = cpu->Reap;
                cpu->Reap = prev;
                Volatile.Write(ref cpu->HousekeepRequest, 1);
                if (cpu->Housekeeper != null) Wake(cpu->Housekeeper);
            }
            else if (joiner != null) Wake(joiner);
        }

        private static void ReapDead(CpuData* cpu)
        {
            KThread* list;
            using (new InterruptsDisabled()) { list = cpu->Reap; cpu->Reap = null; }
            while (list != null)
            {
                KThread* next = list->RunNext;
                Free(list);
                list = next;
            }
        }

        public static void Yield()
        {
            using (new InterruptsDisabled())
            {
                CpuData* cpu = PerCpu.Current;
                // Go behind every runnable thread of the same weight.
                if (cpu->RunHead != null)
                {
                    KThread* last = cpu->RunHead;
                    while (last->RunNext != null) last = last->RunNext;
                    if (cpu->Current->VRuntime < last->VRuntime) cpu->Current->VRuntime = last->VRuntime;
                }
                Schedule();
            }
        }

        // Blocks the current thread (state already set to Waiting by the caller, interrupts off)
        // or yields the CPU; returns when this thread runs again.
        public static void Schedule()
        {
            CpuData* cpu = PerCpu.Current;
            DrainIncoming(cpu);
            KThread* prev = cpu->Current;
            ulong now = Clock.NowNs();
            Account(prev, now);
            MinVRuntime(cpu);
            if (prev->State == ThreadState.Running)
            {
                prev->State = ThreadState.Runnable;
                if (prev != cpu->Idle) Enqueue(cpu, prev);
            }
            KThread* next = Dequeue(cpu);
            if (next == null) next = cpu->Idle;
            cpu->NeedResched = false;
            cpu->SliceEndNs = now + SliceNs;
            next->State = ThreadState.Running;
            next->RunStartNs = now;
            next->Cpu = cpu->Index;
            if (next != prev)
            {
                next->Switches++;
                cpu->Current = next;
                cpu->Previous = prev;
                cpu->EntryStackTop = next->EntryStackTop;
                cpu->EntryStackLow = next->StackLow;
                if (next->FsBase != prev->FsBase) Cpu.WriteMsr(FsBaseMsr, next->FsBase);
                SwitchTrace.Hit((ulong)prev->Id, (ulong)next->Id);
                if (next == cpu->Idle) IdleTrace.Hit();
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

        // Weight of each nice level (-20..19), computed once: Account runs on every switch.
        private struct WeightTable { public fixed ulong Weights[40]; }
        private static WeightTable s_weights;

        private static void ComputeWeights()
        {
            fixed (WeightTable* t = &s_weights)
                for (int nice = -20; nice < 20; nice++)
                {
                    ulong w = 1024;
                    for (int i = 0; i < nice; i++) w = w * 4 / 5;
                    for (int i = 0; i > nice; i--) w = w * 5 / 4;
                    t->Weights[nice + 20] = w == 0 ? 1 : w;
                }
        }

        public static ulong Weight(int nice)
        {
            if (nice < -20) nice = -20;
            if (nice > 19) nice = 19;
            fixed (WeightTable* t = &s_weights) return t->Weights[nice + 20];
        }

        // The CPU's minimum virtual run time only moves forward (as in CFS): new, woken and migrated
        // threads are placed relative to it, so a thread's old debt or credit cannot starve others.
        private static ulong MinVRuntime(CpuData* cpu)
        {
            KThread* cur = cpu->Current;
            ulong min = cur == null || cur == cpu->Idle || cur->State != ThreadState.Running ? ulong.MaxValue : cur->VRuntime;
            if (cpu->RunHead != null && cpu->RunHead->VRuntime < min) min = cpu->RunHead->VRuntime;
            if (min != ulong.MaxValue && min > cpu->MinVRuntime) cpu->MinVRuntime = min;
            return cpu->MinVRuntime;
        }

        // Run queue: sorted by virtual run time, smallest first.
        private static void Enqueue(CpuData* cpu, KThread* t)
        {
            KThread* prev = null;
            KThread* next = cpu->RunHead;
            while (next != null && next->VRuntime <= t->VRuntime) { prev = next; next = next->RunNext; }
            t->RunNext = next;
            t->RunPrev = prev;
            if (next != null) next->RunPrev = t;
            if (prev != null) prev->RunNext = t; else cpu->RunHead = t;
            t->Cpu = cpu->Index;
            Interlocked.Increment(ref cpu->Runnable);
        }

        private static void Unlink(CpuData* cpu, KThread* t)
        {
            if (t->RunPrev != null) t->RunPrev->RunNext = t->RunNext; else cpu->RunHead = t->RunNext;
            if (t->RunNext != null) t->RunNext->RunPrev = t->RunPrev;
            t->RunNext = t->RunPrev = null;
            Interlocked.Decrement(ref cpu->Runnable);
        }

        private static KThread* Dequeue(CpuData* cpu)
        {
            KThread* t = cpu->RunHead;
            if (t != null) Unlink(cpu, t);
            return t;
        }

        // A thread made runnable on this CPU (state Waking -> Runnable).
        private static void MakeRunnable(CpuData* cpu, KThread* t)
        {
            t->State = ThreadState.Runnable;
            ulong min = MinVRuntime(cpu);
            if (t->Migrated != 0) { t->VRuntime += min; t->Migrated = 0; }
            if (t->VRuntime + SliceNs < min) t->VRuntime = min - SliceNs;
            Enqueue(cpu, t);
            if (cpu->Current == cpu->Idle || t->VRuntime < cpu->Current->VRuntime) cpu->NeedResched = true;
        }

        private static void DrainIncoming(CpuData* cpu)
        {
            if (Volatile.Read(ref *(nint*)&cpu->Incoming) == 0) return;
            KThread* list = (KThread*)Interlocked.Exchange(ref *(nint*)&cpu->Incoming, 0);
            // The stack is newest first: reverse it so threads run in the order they were woken.
            KThread* fifo = null;
            while (list != null) { KThread* n = list->IncomingNext; list->IncomingNext = fifo; fifo = list; list = n; }
            while (fifo != null)
            {
                KThread* n = fifo->IncomingNext;
                fifo->IncomingNext = null;
                MakeRunnable(cpu, fifo);
                fifo = n;
            }
        }

        private static void PushIncoming(CpuData* target, KThread* t)
        {
            nint head;
            do
            {
                head = Volatile.Read(ref *(nint*)&target->Incoming);
                t->IncomingNext = (KThread*)head;
            } while (Interlocked.CompareExchange(ref *(nint*)&target->Incoming, (nint)t, head) != head);
            // An IPI when the target sleeps in hlt, or when this is the first wake-up it has not seen yet.
            if (Volatile.Read(ref target->Halted) != 0 || head == 0) LocalApic.SendIpi(target->ApicId, WakeVector);
        }

        // Makes a waiting thread runnable, on its own CPU. From threads, interrupt handlers, any CPU.
        // Makes the CPU running t take an interrupt soon (signals are delivered on the way back to
        // application code); nothing when t is not running.
        public static void Nudge(KThread* t)
        {
            using (new InterruptsDisabled())
            {
                if (Volatile.Read(ref *(int*)&t->State) != (int)ThreadState.Running) return;
                int cpu = t->Cpu;
                if (cpu != PerCpu.Current->Index) LocalApic.SendIpi(PerCpu.Get(cpu)->ApicId, WakeVector);
            }
        }

        public static void Wake(KThread* t)
        {
            bool wasEnabled = Cpu.SaveAndDisableInterrupts();
            if (Interlocked.CompareExchange(ref *(int*)&t->State, (int)ThreadState.Waking, (int)ThreadState.Waiting) == (int)ThreadState.Waiting)
            {
                WakeTrace.Hit((ulong)t->Id);
                CpuData* cpu = PerCpu.Current;
                if (t->Cpu == cpu->Index) { MakeRunnable(cpu, t); ReprogramTimer(); }
                else PushIncoming(PerCpu.Get(t->Cpu), t);
            }
            if (wasEnabled && PerCpu.Current->NeedResched) Schedule();
            Cpu.RestoreInterrupts(wasEnabled);
        }

        private static void OnWakeIpi(InterruptFrame* frame)
        {
            CpuData* cpu = PerCpu.Current;
            cpu->Ipis++;
            DrainIncoming(cpu);
            if (Profiler.Enabled) ReprogramTimer();     // a CPU asleep without a timer starts sampling
        }

        // Called at the end of interrupt dispatch (interrupts off): switch if a wake-up or the end of
        // the slice asked for it.
        // Interrupts.AfterDeviceInterrupt: the handler (which only wakes threads) ran and the APIC
        // was acknowledged; switch now if it woke a thread that should run.
        public static void AfterDeviceInterrupt(ulong vector)
        {
            Trace.Irq.Hit(vector);
            PreemptIfNeeded();
        }

        // Panic.DescribeThread: which thread panicked.
        public static void DescribeCurrentThread()
        {
            var t = Current;
            if (t != null) Log.Line($"PANIC in thread '{NameOf(t)}' (id {t->Id}):");
        }

        public static void PreemptIfNeeded()
        {
            if (!s_ready) return;
            CpuData* cpu = PerCpu.Current;
            if (cpu->Current == null) return;
            if (!cpu->NeedResched && cpu->RunHead != null && Clock.NowNs() >= cpu->SliceEndNs) cpu->NeedResched = true;
            if (cpu->NeedResched) Schedule();
        }

        // From the timer interrupt.
        // Each application processor's idle thread runs on the stack it booted on (Boot/Smp.cs).
        public const int IdleStackOrder = 4;

        private static ulong s_timerInterrupts;
        public static ulong TimerInterrupts => s_timerInterrupts;

        // The local APIC's one-shot: the profiler's sample, due timers, the end of a slice.
        private static void OnTimer(InterruptFrame* frame)
        {
            s_timerInterrupts++;
            if (Profiler.Enabled) Profiler.Sample(frame);
            OnTimerInterrupt();
        }

        public static void OnTimerInterrupt()
        {
            PerCpu.Current->ArmedDeadline = ulong.MaxValue;   // the one-shot has fired
            ulong now = Clock.NowNs();
            Timers.ExpireDue(now);
            CpuData* cpu = PerCpu.Current;
            if (s_ready && cpu->RunHead != null && now >= cpu->SliceEndNs) cpu->NeedResched = true;
            ReprogramTimer();
        }

        // Arms the one-shot timer for the next event: the earliest timer, or the slice's end when
        // another thread is waiting for the CPU (tickless: nothing periodic). Programming the LAPIC is
        // a device access, slow under emulation, so an interrupt already due no later than the new
        // deadline is left alone: firing early only re-runs this.
        public static void ReprogramTimer()
        {
            if (!LocalApic.Present || !PerCpu.Ready) return;
            CpuData* cpu = PerCpu.Current;
            ulong deadline = Timers.NextDeadline;
            if (s_ready && cpu->RunHead != null && cpu->SliceEndNs < deadline) deadline = cpu->SliceEndNs;
            if (Profiler.Enabled && Profiler.NextSampleNs < deadline) deadline = Profiler.NextSampleNs;
            if (deadline == ulong.MaxValue) return;       // a pending early interrupt is harmless
            ulong now = Clock.NowNs();
            if (cpu->ArmedDeadline <= deadline && cpu->ArmedDeadline > now) return;
            cpu->ArmedDeadline = deadline;
            LocalApic.ArmOneShot(deadline > now ? deadline - now : 1000);
        }

        // Halts when there is nothing to run, after polling briefly for wake-ups from other CPUs
        // (cheaper than an IPI round trip when they come quickly, as OSv does).
        private static void IdleLoop(void* unused)
        {
            CpuData* cpu = PerCpu.Current;
            while (true)
            {
                Cpu.DisableInterrupts();
                if (cpu->RunHead != null || Volatile.Read(ref *(nint*)&cpu->Incoming) != 0) { Schedule(); continue; }
                Cpu.EnableInterrupts();
                for (int i = 0; i < 100 && Volatile.Read(ref *(nint*)&cpu->Incoming) == 0; i++) Cpu.Pause();
                Cpu.DisableInterrupts();
                Interlocked.Exchange(ref cpu->Halted, 1);     // full barrier before re-checking
                if (cpu->RunHead != null || Volatile.Read(ref *(nint*)&cpu->Incoming) != 0)
                {
                    Volatile.Write(ref cpu->Halted, 0);
                    continue;
                }
                Cpu.EnableInterruptsAndHalt();
                Volatile.Write(ref cpu->Halted, 0);
            }
        }

        public static void SleepNs(ulong ns) => SleepUntil(Clock.NowNs() + ns);

        public static void SleepUntil(ulong deadlineNs)
        {
            KThread* self = Current;
            using (new InterruptsDisabled())
            {
                while (Clock.NowNs() < deadlineNs)
                {
                    Timers.Arm(&self->WakeTimer, deadlineNs, &WakeFromTimer, self);
                    PrepareToWait(self);
                    Schedule();
                }
                Timers.Cancel(&self->WakeTimer);
            }
        }

        // The waiting protocol: publish "Waiting" with a full barrier, then re-check the condition;
        // a waker sets the condition first, then CASes Waiting -> Waking. One of the two always sees
        // the other, so no wake-up is lost.
        public static void PrepareToWait(KThread* self) =>
            Interlocked.Exchange(ref *(int*)&self->State, (int)ThreadState.Waiting);

        // The condition turned out true after PrepareToWait: become Running again unless a waker has
        // already claimed us (then Schedule() settles it and returns soon).
        public static bool CancelWait(KThread* self) =>
            Interlocked.CompareExchange(ref *(int*)&self->State, (int)ThreadState.Running, (int)ThreadState.Waiting) == (int)ThreadState.Waiting;

        public static void WakeFromTimer(void* thread)
        {
            ((KThread*)thread)->TimedOut = 1;
            Wake((KThread*)thread);
        }

        public static void PrintThreads()
        {
            fixed (Sync.Mutex* m = &s_allLock)
            {
                m->Lock();
                for (KThread* t = s_all; t != null; t = t->AllNext)
                    Log.Line($"  {t->Id,4} {NameOf(t),-16} cpu {t->Cpu,-3} {StateName(t->State),-10} runtime {t->RuntimeNs / 1000:f3} ms  switches {t->Switches}");
                m->Unlock();
            }
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
            ThreadState.Waiting => "waiting", ThreadState.Waking => "waking", _ => "terminated",
        };
    }
}
