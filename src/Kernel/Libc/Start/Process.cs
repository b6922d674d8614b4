using System.Runtime;
using Nimbus.Kernel.Elf;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Pthread;
using Nimbus.Kernel.Libc.Stdio;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Console;
using Nimbus.Kernel.Power;
using Nimbus.Kernel.Time;

namespace Nimbus.Kernel.Libc.Start
{
    // Program start and end: __libc_start_main runs the initialisers and main; exit runs the
    // atexit handlers and finalisers, flushes stdio and powers the VM off with the status.
    internal static unsafe class Process
    {
        private const int MaxAtExit = 64;
        private struct Handler { public ulong Function, Argument, Dso; public int Kind; }
        private struct Handlers { public fixed ulong Raw[MaxAtExit * 4]; }   // Handler x MaxAtExit
        private static Handlers s_handlers;
        private static int s_handlerCount;
        private static Sync.Mutex s_exitLock;
        private static int s_exiting;
        public static int Argc;
        public static byte** Argv;

        [RuntimeExport("abi___libc_start_main")]
        private static int LibcStartMain(delegate* unmanaged<int, byte**, byte**, int> main, int argc, byte** argv,
            delegate* unmanaged<int, byte**, byte**, void> init, void* fini, void* rtldFini, void* stackEnd)
        {
            Argc = argc;
            Argv = argv;
            StartChart.Mark(StartChart.Phase.LibcStart);
            if (Log.Verbose) Log.Error($"nimbus: __libc_start_main at {Nimbus.Kernel.Time.Clock.NowNs() / 1000} us");
            byte** envp = argv + argc + 1;
            LibcData.Environ = envp;
            byte* shortName = argv[0];
            for (byte* p = argv[0]; *p != 0; p++) if (*p == (byte)'/') shortName = p + 1;
            LibcData.SetProgramNames(argv[0], shortName);
            Streams.Initialize();
            StartChart.Mark(StartChart.Phase.Stdio);
            // Libraries' initialisers first (dependencies before their users), then the executable's.
            ElfImage* exe = ProgramLoader.Executable;
            RunArray(exe->PreinitArray, exe->PreinitArrayCount, argc, argv, envp);
            for (int i = ProgramLoader.ObjectCount - 1; i >= 1; i--) RunInitialisers(ProgramLoader.Get(i), argc, argv, envp);
            if (init != null) init(argc, argv, envp);          // binaries from glibc < 2.34 pass __libc_csu_init
            else RunInitialisers(exe, argc, argv, envp);
            StartChart.Mark(StartChart.Phase.Initialisers);
            if (StartChart.Enabled) StartChart.Print(toStderr: true);
            if (Log.Verbose) Log.Error($"nimbus: main() starts at {Nimbus.Kernel.Time.Clock.NowNs() / 1000} us ({Nimbus.Kernel.Memory.AddressSpace.FaultsResolved} page faults so far)");
            Exit(main(argc, argv, envp));
            return 0;
        }

        public static void RunInitialisers(ElfImage* o) => RunInitialisers(o, Argc, Argv, LibcData.Environ);

        private static void RunInitialisers(ElfImage* o, int argc, byte** argv, byte** envp)
        {
            if (o->Init != 0) ((delegate* unmanaged<int, byte**, byte**, void>)o->Init)(argc, argv, envp);
            RunArray(o->InitArray, o->InitArrayCount, argc, argv, envp);
        }

        private static void RunArray(ulong array, ulong count, int argc, byte** argv, byte** envp)
        {
            for (ulong i = 0; i < count; i++)
            {
                ulong f = ((ulong*)array)[i];
                if (f != 0 && f != ulong.MaxValue) ((delegate* unmanaged<int, byte**, byte**, void>)f)(argc, argv, envp);
            }
        }

        private static int Register(int kind, ulong function, ulong argument, ulong dso)
        {
            fixed (Sync.Mutex* m = &s_exitLock)
            {
                m->Lock();
                if (s_handlerCount == MaxAtExit) { m->Unlock(); return -1; }
                fixed (Handlers* h = &s_handlers)
                {
                    var e = (Handler*)h->Raw + s_handlerCount++;
                    e->Function = function; e->Argument = argument; e->Dso = dso; e->Kind = kind;
                }
                m->Unlock();
            }
            return 0;
        }

        [RuntimeExport("abi_atexit")]
        private static int AtExit(delegate* unmanaged<void> f) => Register(0, (ulong)f, 0, 0);

        [RuntimeExport("abi___cxa_atexit")]
        private static int CxaAtExit(delegate* unmanaged<void*, void> f, void* arg, void* dso) => Register(1, (ulong)f, (ulong)arg, (ulong)dso);

        // Runs (once) the handlers registered by a library being unloaded, or all with dso = null.
        [RuntimeExport("abi___cxa_finalize")]
        private static void CxaFinalize(void* dso) => RunHandlers((ulong)dso);

        private static void RunHandlers(ulong dso)
        {
            while (true)
            {
                Handler e;
                fixed (Sync.Mutex* m = &s_exitLock)
                {
                    m->Lock();
                    int i = s_handlerCount - 1;
                    fixed (Handlers* h = &s_handlers)
                    {
                        var all = (Handler*)h->Raw;
                        while (i >= 0 && (all[i].Function == 0 || (dso != 0 && all[i].Dso != dso))) i--;
                        if (i < 0) { m->Unlock(); return; }
                        e = all[i];
                        all[i].Function = 0;
                    }
                    m->Unlock();
                }
                if (e.Kind == 0) ((delegate* unmanaged<void>)e.Function)();
                else ((delegate* unmanaged<void*, void>)e.Function)((void*)e.Argument);
            }
        }

        [RuntimeExport("abi_exit")]
        public static void Exit(int status)
        {
            // A second exit (from a handler or another thread) skips the handlers, as glibc's does not
            // promise more.
            if (System.Threading.Interlocked.Exchange(ref s_exiting, 1) == 0)
            {
                RunHandlers(0);
                for (int i = 0; i < ProgramLoader.ObjectCount; i++)
                {
                    ElfImage* o = ProgramLoader.Get(i);
                    for (ulong k = o->FiniArrayCount; k > 0; k--)
                    {
                        ulong f = ((ulong*)o->FiniArray)[k - 1];
                        if (f != 0 && f != ulong.MaxValue) ((delegate* unmanaged<void>)f)();
                    }
                    if (o->Fini != 0) ((delegate* unmanaged<void>)o->Fini)();
                }
                Streams.FlushAll();
            }
            QuickExit(status);
        }

        // What the kernel reports at a program's end (profile, trace dump, counters): the shell sets it.
        public static delegate*<void> BeforeExit;

        [RuntimeExport("abi__exit")]
        public static void QuickExit(int status)
        {
            if (Log.Verbose)
                Log.Error($"nimbus: exit {status & 0xFF} after {Nimbus.Kernel.Time.Clock.NowNs() / 1000} us: {Nimbus.Kernel.Memory.AddressSpace.FaultsResolved} page faults, {Nimbus.Kernel.Memory.KernelMemory.Pages.FreePages * 4} KiB free, {Threads.LiveThreads} threads left");
            var beforeExit = BeforeExit;
            if (beforeExit != null) beforeExit();
            PowerOff.Exit(status & 0xFF);
        }

        [RuntimeExport("abi_abort")]
        private static void Abort() => Die("abort() called", 134);

        [RuntimeExport("abi___stack_chk_fail")]
        private static void StackCheckFail() => Die("stack smashing detected (__stack_chk_fail)", 134);

        [RuntimeExport("abi___assert_fail")]
        private static void AssertFail(byte* assertion, byte* file, uint line, byte* function)
        {
            Streams.FlushAll();
            Log.Error($"{Str(LibcData.Globals->ProgramShortName)}: {Str(file)}:{line}: {Str(function)}: Assertion `{Str(assertion)}' failed.");
            Die("assertion failed", 134);
        }

        // The application ended abnormally: say why, exit with the status a shell would show.
        public static void Die(string why, int status)
        {
            Streams.FlushAll();
            Log.Error($"nimbus: the application aborted: {why}");
            QuickExit(status);
        }

        public static System.ReadOnlySpan<byte> Str(byte* s) => s == null ? "(null)"u8 : Fs.Vfs.Span(s);

        [RuntimeExport("abi_getauxval")]
        private static ulong GetAuxVal(ulong type)
        {
            ulong v = AppThreads.GetAuxValue(type);
            if (v == 0 && type != AppThreads.AT_SECURE) LibcErrno.Set(Errno.ENOENT);
            return v;
        }
    }
}
