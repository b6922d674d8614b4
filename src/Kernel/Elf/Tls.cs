using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Elf
{
    // Static thread-local storage for the executable and every initially loaded library, x86-64
    // variant II: each module's block sits below the thread pointer, and the thread control block
    // at the thread pointer follows glibc's tcbhead_t, which compiled code reads directly:
    //   %fs:0x00 self pointer, 0x08 dtv, 0x10 self (the "thread pointer" field),
    //   %fs:0x28 stack-protector canary, %fs:0x30 pointer guard.
    internal static unsafe class Tls
    {
        public const int TcbSize = 0x700;            // glibc's struct pthread is larger; code touches the first words
        public const int MaxModules = ProgramLoader.MaxObjects;

        private struct ModuleTable { public fixed ulong Offsets[MaxModules + 1]; }
        private static ModuleTable s_modules;
        public static ulong StaticSize, Align = 64;
        public static int ModuleCount;
        private static ulong s_canary, s_pointerGuard;

        // Gives every loaded object with a PT_TLS segment a module id and an offset below the thread pointer.
        public static void Layout()
        {
            ulong offset = 0;
            for (int i = 0; i < ProgramLoader.ObjectCount; i++)
            {
                ElfImage* o = ProgramLoader.Get(i);
                if (o->TlsSize == 0) continue;
                if (o->TlsAlign > Align) Align = o->TlsAlign;
                offset = (offset + o->TlsSize + o->TlsAlign - 1) & ~(o->TlsAlign - 1);
                o->TlsOffset = offset;
                o->TlsModule = (ulong)(++ModuleCount);
                fixed (ModuleTable* t = &s_modules) t->Offsets[ModuleCount] = offset;
            }
            StaticSize = (offset + Align - 1) & ~(Align - 1);
            ulong seed = Arch.X64.Cpu.ReadTsc();
            s_canary = (seed * 0x9E3779B97F4A7C15UL) & ~0xFFUL;      // low byte 0, as glibc does (stops string overruns)
            s_pointerGuard = seed ^ 0xD1B54A32D192ED03UL;
        }

        // A new thread's TLS area, initialised from the modules' templates; returns its thread pointer.
        // `block` receives what to free when the thread is gone.
        public static ulong CreateThreadArea(out void* block)
        {
            ulong size = StaticSize + Align + TcbSize;
            byte* b = (byte*)KernelHeap.AllocZeroed(size);
            block = b;
            ulong tp = ((ulong)b + StaticSize + Align - 1) & ~(Align - 1);
            for (int i = 0; i < ProgramLoader.ObjectCount; i++)
            {
                ElfImage* o = ProgramLoader.Get(i);
                if (o->TlsSize == 0) continue;
                Mem.Move((byte*)(tp - o->TlsOffset), (byte*)o->TlsInit, (nuint)o->TlsInitSize);
            }
            var tcb = (ulong*)tp;
            tcb[0] = tp;
            fixed (ModuleTable* t = &s_modules) tcb[1] = (ulong)t->Offsets;   // dtv stand-in: __tls_get_addr reads offsets
            tcb[2] = tp;
            tcb[5] = s_canary;
            tcb[6] = s_pointerGuard;
            return tp;
        }

        // The address of `offset` in module `module`'s block for the thread whose pointer is tp.
        public static ulong Address(ulong tp, ulong module, ulong offset)
        {
            if (module == 0 || module > (ulong)ModuleCount) Panic.Fail("__tls_get_addr: unknown TLS module");
            fixed (ModuleTable* t = &s_modules) return tp - t->Offsets[module] + offset;
        }
    }
}
