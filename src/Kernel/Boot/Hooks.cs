using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Diagnostics;
using Nimbus.Kernel.Drivers;
using Nimbus.Kernel.Elf;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Libc;
using Nimbus.Kernel.Libc.Pthread;
using Nimbus.Kernel.Libc.Signal;
using Nimbus.Kernel.Libc.Start;
using Nimbus.Kernel.Libc.Stdio;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Power;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Shell;

namespace Nimbus.Kernel.Boot
{
    // Every call that crosses the layers upward (src/Kernel/Layers.txt), in one place: a low layer
    // owns a hook (a function pointer) and the layer above fills it here, first thing at boot.
    internal static unsafe class Hooks
    {
        public static void Install()
        {
            // Arch cannot name the panic machinery above it.
            Fatal.Handler = &Panic.Fail;
            Interrupts.Fatal = &Panic.UnhandledException;
            // Faults: demand paging first, then the program's signals.
            Interrupts.PageFault = &AddressSpace.HandleFault;
            Interrupts.ApplicationFault = &Signals.OnApplicationFault;
            Interrupts.ReturningToApplication = &Signals.DeliverPending;
            // Device interrupts only wake threads; the scheduler switches after EOI.
            Interrupts.AfterDeviceInterrupt = &Scheduler.AfterDeviceInterrupt;
            // What a panic report can say beyond its own layer.
            Panic.DescribeThread = &Scheduler.DescribeCurrentThread;
            Panic.IsStackGuard = &KernelMemory.IsStackGuard;
            Backtrace.IsMapped = &KernelMemory.IsMapped;
            PowerOff.PlatformShutdown = &Acpi.Shutdown;
            Trace.CurrentThreadId = &Scheduler.CurrentThreadId;
            Trace.AllocateZeroed = &KernelHeap.AllocZeroed;
            // KernelMemory.FlushOtherCpus is set by TlbShootdown.Initialize, once its IPI handler is in place.
            ProcFs.ProcessFile = &ProcessFiles.Generate;
            ProcFs.ExecutablePath = &ProcessFiles.ExecutablePath;
            // The C library the loader starts programs on.
            ProgramRuntime.Prepare = &Streams.Initialize;
            ProgramRuntime.CopiedKernelData = &LibcData.Redirect;
            ProgramRuntime.RunInitialisers = &Process.RunInitialisers;
            ProgramRuntime.AdoptMainThread = &Threads.AdoptMain;
            ProgramRuntime.FlushOutput = &Streams.FlushAll;
            ProgramRuntime.QuickExit = &Process.QuickExit;
            // A program's exit ends the VM: the shell's reports (profile, trace dump) come first.
            Process.BeforeExit = &KernelShell.BeforeExit;
        }
    }
}
