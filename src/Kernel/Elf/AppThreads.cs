using System.Runtime;
using System.Runtime.CompilerServices;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Elf
{
    // Application threads: kernel threads that run application code on an application stack (in
    // the application half, demand-paged, with an unmapped guard region below it) with the
    // application's TLS in FS. Their kernel stack only takes interrupt frames while they run
    // application code (interrupts.S moves frames there).
    internal static unsafe class AppThreads
    {
        public const int AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8,
            AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16,
            AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31, AT_MINSIGSTKSZ = 51;

        private struct StartInfo { public ulong Entry, Stack, StackLow, StackSize; }
        private const ulong MainStackSize = 8UL << 20;

        [RuntimeImport("*", "app_enter")] [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void AppEnter(ulong entry, ulong stack);

        public static ulong* Auxv;        // the initial auxiliary vector (getauxval reads it)

        public static int StartMain(ElfImage* exe, int argc, byte** argv, int envc, byte** envp)
        {
            ulong top = AppStacks.Map(MainStackSize, out ulong low);
            if (top == 0 || !AddressSpace.Populate(top - 64 * 1024, top)) { Log.Line("nimbus: no memory for the main thread's stack"); return ProgramLoader.StatusCannotRun; }
            ulong sp = BuildInitialStack(top, exe, argc, argv, envc, envp);
            ulong tp = Tls.CreateThreadArea(out _);
            var info = (StartInfo*)KernelHeap.Alloc((ulong)sizeof(StartInfo));
            info->Entry = exe->Entry;
            info->Stack = sp;
            info->StackLow = low;
            info->StackSize = MainStackSize;
            KThread* t = Scheduler.Create(&RunMain, info, "app-main");
            t->FsBase = tp;
            AppStacks.SetOwner(top, t);
            Scheduler.Start(t);
            Scheduler.Join(t);             // the application ends with exit(), which powers off
            return 0;
        }

        private static void RunMain(void* arg)
        {
            var info = (StartInfo*)arg;
            ulong entry = info->Entry, stack = info->Stack;
            ProgramRuntime.AdoptMainThread(info->StackLow, info->StackSize);
            KernelHeap.Free(info);
            Time.StartChart.Mark(Time.StartChart.Phase.MainThread);
            EnterApplication(entry, stack);
        }

        private static void EnterApplication(ulong entry, ulong stack)
        {
            PrepareToRunApplication();
            AppEnter(entry, stack);
        }

        // Called on a thread's kernel stack just before it switches to application code: loads its
        // TLS, and makes interrupts taken while application code runs put their frames below this
        // point of the kernel stack (the caller's frames above it stay intact).
        public static void PrepareToRunApplication()
        {
            KThread* self = Scheduler.Current;
            Cpu.WriteMsr(0xC0000100, self->FsBase);
            ulong entryTop = (Cpu.ReadStackPointer() - 512) & ~15UL;
            self->EntryStackTop = entryTop;
            using (new InterruptsDisabled()) PerCpu.Current->EntryStackTop = entryTop;
        }

        // Linux's initial process stack: argc, argv[], NULL, envp[], NULL, auxv pairs, then the
        // strings and AT_RANDOM's 16 bytes above. Returns the stack pointer (16-byte aligned).
        private static byte* Platform() { fixed (byte* p = "x86_64"u8) return p; }    // u8 literals end in a NUL

        private static ulong BuildInitialStack(ulong top, ElfImage* exe, int argc, byte** argv, int envc, byte** envp)
        {
            byte* p = (byte*)top;
            ulong* argvOut = stackalloc ulong[argc];
            ulong* envOut = stackalloc ulong[envc];
            for (int i = 0; i < argc; i++) argvOut[i] = (ulong)PushString(ref p, argv[i]);
            for (int i = 0; i < envc; i++) envOut[i] = (ulong)PushString(ref p, envp[i]);
            byte* platform = PushString(ref p, Platform());
            p -= 16;
            byte* random = p;
            Fs.Vfs.Random(random, 16);
            const int auxCount = 18;
            int words = 1 + argc + 1 + envc + 1 + auxCount * 2;
            ulong* sp = (ulong*)(((ulong)p - (ulong)words * 8) & ~15UL);
            ulong* w = sp;
            *w++ = (ulong)argc;
            for (int i = 0; i < argc; i++) *w++ = argvOut[i];
            *w++ = 0;
            for (int i = 0; i < envc; i++) *w++ = envOut[i];
            *w++ = 0;
            Auxv = w;
            Aux(ref w, AT_PHDR, exe->Phdr);
            Aux(ref w, AT_PHENT, 56);
            Aux(ref w, AT_PHNUM, (ulong)exe->PhdrCount);
            Aux(ref w, AT_PAGESZ, 4096);
            Aux(ref w, AT_BASE, 0);
            Aux(ref w, AT_FLAGS, 0);
            Aux(ref w, AT_ENTRY, exe->Entry);
            Aux(ref w, AT_UID, 0);
            Aux(ref w, AT_EUID, 0);
            Aux(ref w, AT_GID, 0);
            Aux(ref w, AT_EGID, 0);
            Aux(ref w, AT_PLATFORM, (ulong)platform);
            Aux(ref w, AT_HWCAP, Cpu.Cpuid(1).Edx);
            Aux(ref w, AT_CLKTCK, 100);
            Aux(ref w, AT_SECURE, 0);
            Aux(ref w, AT_RANDOM, (ulong)random);
            Aux(ref w, AT_EXECFN, argvOut[0]);
            Aux(ref w, AT_NULL, 0);
            return (ulong)sp;
        }

        private static void Aux(ref ulong* w, int type, ulong value) { *w++ = (ulong)type; *w++ = value; }

        private static byte* PushString(ref byte* p, byte* s)
        {
            int n = 0;
            while (s[n] != 0) n++;
            p -= n + 1;
            for (int i = 0; i <= n; i++) p[i] = s[i];
            return p;
        }

        public static ulong GetAuxValue(ulong type)
        {
            if (Auxv == null) return 0;
            for (ulong* a = Auxv; a[0] != AT_NULL; a += 2) if (a[0] == type) return a[1];
            return 0;
        }
    }
}
