using System.Runtime.InteropServices;

namespace Nimbus.Kernel.Sched
{
    // Waiting -> Waking is the one transition another CPU makes (by CAS); everything else is done by
    // the thread's own CPU.
    internal enum ThreadState { New, Runnable, Running, Waiting, Waking, Terminated }

    // A kernel timer: fires Callback(Arg) from the timer interrupt at DeadlineNs (Clock.NowNs time).
    // Embedded in its owner (e.g. a thread's sleep timer): arming allocates nothing.
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct Timer
    {
        public ulong DeadlineNs;
        public delegate*<void*, void> Callback;
        public void* Arg;
        public Timer* Next, Prev;
        public int Armed;
    }

    // A kernel thread. Lives on the kernel heap; its stack has an unmapped guard page below it.
    // Ownership: a joinable thread is freed by the thread that joins it; a detached one by the
    // scheduler once it has switched away from it for the last time.
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct KThread
    {
        public ulong SavedRsp;              // offset 0: context_switch saves and loads the stack here
        public ulong FsBase;                // the thread's FS base (application TLS later)
        public ulong StackTop;
        public ulong StackLow;              // lowest usable address of the kernel stack
        public ulong EntryStackTop;         // where interrupts taken on another stack (an application's) put their frame
        public int StackOrder;              // -1: not ours (the boot stack)
        public int Id;
        public ThreadState State;           // int-sized: CAS'd by Scheduler.Wake
        public int Cpu;                     // index of the CPU whose run queue owns the thread
        public KThread* IncomingNext;       // link in a CPU's incoming (woken elsewhere) stack
        public int Nice;                    // -20 (most CPU) .. 19 (least), as Linux
        public ulong VRuntime;              // weighted run time, ns: the scheduler runs the smallest
        public ulong RunStartNs;
        public ulong RuntimeNs;
        public ulong Switches;
        public KThread* RunNext, RunPrev;   // run-queue links
        public KThread* AllNext, AllPrev;   // every live thread
        public delegate*<void*, void> Entry;
        public void* Arg;
        public int Dead;                    // 1 once it has exited and is off its stack: join parks on this
        public int Detached;
        public int Freeing;                 // set by whoever frees a detached thread (exactly once)
        public int Pinned;                  // never migrated by the load balancer
        public int Migrated;                // VRuntime is relative until the new CPU places it
        public int MoveTo;                  // 1 + the CPU this thread asked to move to (MoveCurrentTo), or 0
        public KThread* Joiner;
        public Timer WakeTimer;             // sleeps and timed waits
        public int TimedOut;
        public int Errno;                   // the application's errno for this thread (__errno_location)
        public void* AppThread;             // the application's pthread (Libc/Threads.cs), if any
        public fixed byte Name[32];

        public const int MaxName = 31;
    }
}
