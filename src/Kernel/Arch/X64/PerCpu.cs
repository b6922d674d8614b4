using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Sched;

namespace Nimbus.Kernel.Arch.X64
{
    // Everything one CPU owns. Reached through GS: gs:[0] holds a pointer to the CPU's own CpuData,
    // so `PerCpu.Current` is one instruction. Only its own CPU touches a CpuData (with interrupts
    // off), except the fields documented as shared.
    [StructLayout(LayoutKind.Sequential), AsmOffsets("CPU")]
    internal unsafe struct CpuData
    {
        public CpuData* Self;                 // gs:[0]
        // The current thread's kernel stack, for interrupt entry (interrupts.S):
        // an interrupt taken on any other stack puts its frame at EntryStackTop.
        public ulong EntryStackTop, EntryStackLow;
        public int Index;
        public uint ApicId;
        public int Online;                    // shared: set once by the CPU when it is up
        public int Halted;                    // shared: 1 while in hlt (wake-ups then need an IPI)
        // Scheduler state (Sched/Scheduler.cs)
        public KThread* Current, Idle, Previous, RunHead, Reap, Housekeeper;
        public int HousekeepRequest;          // shared: set (then the housekeeper woken) when there is work
        public int Runnable;                  // shared (read by the load balancer)
        public bool NeedResched;
        public ulong SliceEndNs;
        public ulong MinVRuntime;             // monotonic: placement base for new and woken threads
        public ulong ArmedDeadline;           // when the LAPIC one-shot will fire (ulong.MaxValue: not armed)
        public KThread* Incoming;             // shared: lock-free stack of threads woken by other CPUs
        public Timer* TimerHead;              // Sched/Timers.cs
        public ulong Interrupts, Ipis;
        public fixed ulong Gdt[5];
        public TaskStateSegment Tss;
    }

    internal static unsafe class PerCpu
    {
        public const int MaxCpus = 64;
        private const uint GsBaseMsr = 0xC0000101;

        private static CpuData* s_cpus;
        private static int s_count;
        private static bool s_ready;

        [RuntimeImport("*", "cpu_local")] [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern CpuData* ReadSelf();

        // gs:[offsetof(CpuData.Current)] in one instruction (see cpu.S): safe against migration,
        // unlike PerCpu.Current->Current, which a preemption between the two loads can split.
        [RuntimeImport("*", "cpu_current_thread")] [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern KThread* CurrentThread();

        public static int Count => s_count;
        public static bool Ready => s_ready;
        public static CpuData* Current => ReadSelf();

        // From now on interrupt entry may read GS (before, it stays on the interrupted stack).
        [RuntimeImport("*", "interrupt_entry_enable_per_cpu")] [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void EnablePerCpuInterruptEntry();
        public static CpuData* Get(int index) => &s_cpus[index];
        public static int CurrentIndex => s_ready ? ReadSelf()->Index : 0;

        // Allocates the CpuData of every CPU (count from ACPI) with the caller's allocator (Memory's,
        // which this layer cannot name) and makes this the boot CPU's.
        public static void Initialize(int count, uint bootApicId, delegate*<ulong, void*> allocateZeroed)
        {
            if (count < 1) count = 1;
            if (count > MaxCpus) count = MaxCpus;
            s_cpus = (CpuData*)allocateZeroed((ulong)(count * sizeof(CpuData)));
            s_count = count;
            for (int i = 0; i < count; i++) { s_cpus[i].Self = &s_cpus[i]; s_cpus[i].Index = i; s_cpus[i].ArmedDeadline = ulong.MaxValue; }
            s_cpus[0].ApicId = bootApicId;
            s_cpus[0].Online = 1;
            Enter(&s_cpus[0]);
            s_ready = true;
            EnablePerCpuInterruptEntry();
        }

        public static void Enter(CpuData* cpu) => Cpu.WriteMsr(GsBaseMsr, (ulong)cpu);
    }
}
