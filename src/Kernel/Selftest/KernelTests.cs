using System;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Diagnostics;
using Nimbus.Kernel.Drivers;
using Nimbus.Kernel.Memory;

using Nimbus.Kernel.Time;
using static Nimbus.Kernel.Selftest.SelftestRunner;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Selftest
{
    // Tests that need the real machine: memory as booted, page tables in force, interrupts, clocks.
    internal static unsafe class KernelTests
    {
        private static bool s_registered;

        public static void RegisterAll()
        {
            if (s_registered) return;
            s_registered = true;
            Add("memory.page_allocator", &PageAllocatorOrders);
            Add("memory.page_allocator_coalesce", &PageAllocatorCoalesce);
            Add("memory.heap_small", &HeapSmall);
            Add("memory.heap_large", &HeapLarge);
            Add("memory.heap_returns_pages", &HeapReturnsPages);
            Add("memory.objects", &Objects);
            Add("memory.page_permissions", &PagePermissions);
            Add("memory.direct_map", &DirectMap);
            Add("memory.stack_guard", &StackGuard);
            Add("runtime.statics", &Statics);
            Add("runtime.interlocked", &InterlockedOps);
            Add("cpu.features", &CpuFeatures);
            Add("cpu.breakpoint_returns", &BreakpointReturns);
            Add("cpu.red_zone_survives_traps", &RedZoneSurvivesTraps);
            Add("time.monotonic", &Monotonic);
            Add("time.lapic_timer", &LapicTimer);
            Add("text.format", &Format);
            Add("shell.command_line", &CommandLineParse);
            Add("diag.symbols", &Symbols);
            ThreadTests.RegisterAll();
            Sync.SyncSelftests.RegisterAll();
        }

        private static void PageAllocatorOrders()
        {
            ulong before = KernelMemory.Pages.FreePages;
            ulong* blocks = stackalloc ulong[11];
            for (int order = 0; order <= 10; order++)
            {
                blocks[order] = KernelMemory.AllocatePages(order);
                Check(blocks[order] != 0, $"order {order} allocation failed");
                Check((blocks[order] & ((PageAllocator.PageSize << order) - 1)) == 0, $"order {order} block 0x{blocks[order]:x} misaligned");
                *(ulong*)KernelMemory.PhysToVirt(blocks[order]) = 0xDEADBEEF00000000UL | (uint)order;
            }
            for (int order = 0; order <= 10; order++)
                Check(*(ulong*)KernelMemory.PhysToVirt(blocks[order]) == (0xDEADBEEF00000000UL | (uint)order), "block contents overwritten");
            Check(KernelMemory.Pages.FreePages == before - 2047, $"free pages {KernelMemory.Pages.FreePages}, expected {before - 2047}");
            for (int order = 0; order <= 10; order++) KernelMemory.FreePages(blocks[order], order);
            Check(KernelMemory.Pages.FreePages == before, "free page count not restored");
            fixed (PageAllocator* p = &KernelMemory.Pages) Check(p->CountFreePagesSlow() == before, "free lists disagree with the counter");
        }

        private static void PageAllocatorCoalesce()
        {
            // Exhaust order-0 splitting: take many single pages then free them all; the same large
            // block must be obtainable again, which only works if buddies merged back.
            ulong big = KernelMemory.AllocatePages(9);
            Check(big != 0, "no 2 MiB block");
            KernelMemory.FreePages(big, 9);
            ulong* pages = stackalloc ulong[512];
            for (int i = 0; i < 512; i++) pages[i] = KernelMemory.AllocatePages(0);
            for (int i = 0; i < 512; i++) KernelMemory.FreePages(pages[i], 0);
            ulong again = KernelMemory.AllocatePages(9);
            Check(again != 0, "2 MiB block unavailable after freeing 512 pages");
            KernelMemory.FreePages(again, 9);
            fixed (PageAllocator* p = &KernelMemory.Pages) Check(p->CountFreePagesSlow() == KernelMemory.Pages.FreePages, "free lists inconsistent");
        }

        private static void HeapSmall()
        {
            ulong inUse = KernelMemory.KernelHeap.BytesInUse;
            const int N = 2000;
            byte** ptrs = (byte**)KernelHeap.Alloc(N * 8);
            uint seed = 12345;
            for (int i = 0; i < N; i++)
            {
                seed = seed * 1103515245 + 12345;
                ulong size = 1 + (seed >> 16) % 3000;
                ptrs[i] = (byte*)KernelHeap.Alloc(size);
                Check(((ulong)ptrs[i] & 15) == 0, "allocation not 16-byte aligned");
                Mem.Set(ptrs[i], (byte)i, (nuint)size);
                *(int*)ptrs[i] = i;
            }
            for (int i = 0; i < N; i += 2) KernelHeap.Free(ptrs[i]);
            for (int i = 1; i < N; i += 2) Check(*(int*)ptrs[i] == i, $"object {i} corrupted");
            for (int i = 1; i < N; i += 2) KernelHeap.Free(ptrs[i]);
            KernelHeap.Free(ptrs);
            Check(KernelMemory.KernelHeap.BytesInUse == inUse, $"heap bytes in use {KernelMemory.KernelHeap.BytesInUse}, expected {inUse}");
        }

        private static void HeapLarge()
        {
            ulong free = KernelMemory.Pages.FreePages;
            byte* p = (byte*)KernelHeap.Alloc(3 << 20);
            Mem.Set(p, 0xAB, 3 << 20);
            Check(p[(3 << 20) - 1] == 0xAB, "large block not writable to its end");
            Check(KernelMemory.Pages.FreePages < free - 700, "large allocation did not take pages");
            KernelHeap.Free(p);
            Check(KernelMemory.Pages.FreePages == free, "large allocation not returned to the page allocator");
        }

        private static void HeapReturnsPages()
        {
            ulong free = KernelMemory.Pages.FreePages;
            byte** ptrs = (byte**)KernelHeap.Alloc(4000 * 8);
            for (int i = 0; i < 4000; i++) ptrs[i] = (byte*)KernelHeap.Alloc(1000);
            Check(KernelMemory.Pages.FreePages < free - 900, "4 MB of objects took too few pages");
            for (int i = 0; i < 4000; i++) KernelHeap.Free(ptrs[i]);
            KernelHeap.Free(ptrs);
            // At most one cached empty slab per class may remain.
            Check(KernelMemory.Pages.FreePages + 4 * Heap.ClassCount >= free, $"heap kept pages after free: {free - KernelMemory.Pages.FreePages}");
        }

        private sealed class Sample { public int A; public long B; public Sample? Next; }

        private static void Objects()
        {
            var s = new Sample();
            Check(s.A == 0 && s.B == 0 && s.Next == null, "new object not zeroed");
            s.Next = new Sample { A = 7 };
            Check(s.Next.A == 7, "object field store lost");
            int[] a = new int[100];
            Check(a.Length == 100, "array length wrong");
            for (int i = 0; i < a.Length; i++) a[i] = i * i;
            Check(a[99] == 9801, "array store lost");
            object[] objs = new object[3];
            objs[1] = s;
            Check(objs[1] == (object)s && objs[0] == null, "reference array store lost");
            Check("abc" == "abc" && "abc" != "abd", "string equality");
            Check(s.GetHashCode() == s.GetHashCode() && s.GetHashCode() != s.Next.GetHashCode(), "identity hash codes");
            KernelHeap.Free(s.Next);
            KernelHeap.Free(s);
            KernelHeap.Free(a);
            KernelHeap.Free(objs);
        }

        private static void PagePermissions()
        {
            KernelLayout l;
            Cpu.GetKernelLayout(&l);
            fixed (PageTables* t = &KernelMemory.Tables)
            {
                Check(!t->Translate(0, out _, out _), "address 0 is mapped");
                Check(!t->Translate(l.BootStackGuard, out _, out _), "boot stack guard page is mapped");
                Check(t->Translate(l.KernelStart, out _, out PageFlags text), "kernel text unmapped");
                Check((text & PageFlags.Writable) == 0 && (text & PageFlags.NoExecute) == 0, "kernel text is writable or not executable");
                Check(t->Translate(l.TextEnd, out _, out PageFlags ro), "rodata unmapped");
                Check((ro & PageFlags.Writable) == 0 && (ro & PageFlags.NoExecute) != 0, "rodata writable or executable");
                Check(t->Translate(l.DataStart, out _, out PageFlags data), "data unmapped");
                Check((data & PageFlags.Writable) != 0 && (data & PageFlags.NoExecute) != 0, "data not RW+NX");
                Check(t->Translate(KernelMemory.DirectMapBase + 0x200000, out _, out PageFlags dm), "direct map missing");
                Check((dm & PageFlags.NoExecute) != 0, "direct map is executable");
                Check(!t->Translate(0x400000, out _, out _), "low memory identity-mapped");
            }
            Check((Cpu.ReadCr0() & (1UL << 16)) != 0, "CR0.WP off: the kernel could write read-only pages");
            Check((Cpu.ReadMsr(0xC0000080) & (1UL << 11)) != 0, "EFER.NXE off");
        }

        private static void DirectMap()
        {
            ulong phys = KernelMemory.AllocatePages(0);
            byte* v = (byte*)KernelMemory.PhysToVirt(phys);
            v[123] = 0x5A;
            fixed (PageTables* t = &KernelMemory.Tables)
            {
                Check(t->Translate((ulong)v, out ulong back, out _) && back == phys, "direct map translation wrong");
                // The kernel image is also reachable through the direct map.
                KernelLayout l;
                Cpu.GetKernelLayout(&l);
                t->Translate(l.DataStart, out ulong dataPhys, out _);
                Check(*(ulong*)KernelMemory.PhysToVirt(dataPhys) == *(ulong*)l.DataStart, "kernel data differs through the direct map");
            }
            KernelMemory.FreePages(phys, 0);
        }

        private static void StackGuard()
        {
            ulong top = KernelMemory.AllocateStack(2);
            ulong bottom = top + 16 - 4 * PageAllocator.PageSize;     // 16 bytes at the top are reserved
            Check(KernelMemory.IsMapped(top - 8) && KernelMemory.IsMapped(bottom), "stack pages unmapped");
            Check(!KernelMemory.IsMapped(bottom - 8), "no guard page below the stack");
            Check(KernelMemory.IsStackGuard(bottom - 8), "guard page not recognised");
            Check(!KernelMemory.IsStackGuard(top - 8), "stack page taken for a guard");
            *(ulong*)(top - 8) = 0x1234;
            Check(*(ulong*)(top - 8) == 0x1234, "stack not writable");
            Check(KernelMemory.OwnerOfStack(top - 100) == null, "a fresh stack has an owner");
            // On a thread's own stack the owner is that thread; the boot thread's stack has none.
            byte here;
            Sched.KThread* self = Arch.X64.PerCpu.CurrentThread();
            var owner = (Sched.KThread*)KernelMemory.OwnerOfStack((ulong)&here);
            Check(self != null && (self->StackOrder < 0 ? owner == null : owner == self), "stack owner lookup disagrees with the CPU's current thread");
            KernelMemory.FreeStack(top, 2);
        }

        // Reference-type statics: the compiler pre-initialises some (frozen data copied at boot),
        // others start null; both live in the GC-statics region the kernel sets up.
        private static class StaticHolder
        {
            public static readonly int[] Primes = { 2, 3, 5, 7, 11 };
            public static readonly string Greeting = "hello";
            public static object? Lazy;
        }

        private static void Statics()
        {
            Check(StaticHolder.Primes != null && StaticHolder.Primes.Length == 5 && StaticHolder.Primes[4] == 11, "pre-initialised array static");
            Check(StaticHolder.Greeting == "hello", "pre-initialised string static");
            Check(StaticHolder.Lazy == null, "reference static not null at start");
            var o = new Sample { A = 3 };
            StaticHolder.Lazy = o;
            Check(StaticHolder.Lazy == (object)o, "reference static store lost");
            StaticHolder.Lazy = null;
            KernelHeap.Free(o);
        }

        private static long s_atomicLong;
        private static int s_atomicInt;

        private static void InterlockedOps()
        {
            s_atomicInt = 5;
            Check(System.Threading.Interlocked.CompareExchange(ref s_atomicInt, 9, 5) == 5 && s_atomicInt == 9, "CompareExchange(int) success case");
            Check(System.Threading.Interlocked.CompareExchange(ref s_atomicInt, 1, 5) == 9 && s_atomicInt == 9, "CompareExchange(int) failure case");
            Check(System.Threading.Interlocked.Exchange(ref s_atomicInt, 3) == 9 && s_atomicInt == 3, "Exchange(int)");
            Check(System.Threading.Interlocked.Increment(ref s_atomicInt) == 4 && System.Threading.Interlocked.Add(ref s_atomicInt, 10) == 14, "Increment/Add(int)");
            s_atomicLong = long.MaxValue - 1;
            Check(System.Threading.Interlocked.Increment(ref s_atomicLong) == long.MaxValue, "Increment(long)");
            Check(System.Threading.Interlocked.CompareExchange(ref s_atomicLong, 7, long.MaxValue) == long.MaxValue && s_atomicLong == 7, "CompareExchange(long)");
            System.Threading.Interlocked.MemoryBarrier();
            System.Threading.Volatile.Write(ref s_atomicInt, 77);
            Check(System.Threading.Volatile.Read(ref s_atomicInt) == 77, "Volatile read/write");
        }

        private static void CpuFeatures()
        {
            ulong cr4 = Cpu.ReadCr4();
            Check((cr4 & (1UL << 9)) != 0 && (cr4 & (1UL << 10)) != 0, "SSE not enabled (CR4.OSFXSR/OSXMMEXCPT)");
            Check((Cpu.ReadCr0() & (1UL << 2)) == 0, "CR0.EM set: SSE would fault");
            double x = 1.5, y = Crashers.Zero() + 2.25;
            Check(x * y == 3.375, "floating point arithmetic wrong");
        }

        private static void BreakpointReturns()
        {
            Interrupts.ExpectException(3);
            Breakpoint();
            Check(Interrupts.ExpectedHits == 1, "int3 did not reach the handler exactly once");
            Interrupts.ClearExpectation();
        }

        // Application code keeps live data below rsp; a trap must not overwrite it.
        private static void RedZoneSurvivesTraps()
        {
            Interrupts.ExpectException(3);
            ulong changed = RedZoneCheck();
            Check(Interrupts.ExpectedHits == 1, "int3 did not reach the handler exactly once");
            Interrupts.ClearExpectation();
            Check(changed == 0, $"a trap overwrote {changed} of the 16 red-zone quadwords");
        }

        [System.Runtime.RuntimeImport("*", "cpu_red_zone_check")]
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
        private static extern ulong RedZoneCheck();

        [System.Runtime.RuntimeImport("*", "cpu_int3")]
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
        private static extern void Breakpoint();

        private static void Monotonic()
        {
            ulong prev = Clock.NowNs();
            bool ok = true;
            for (int i = 0; i < 10000; i++) { ulong now = Clock.NowNs(); if (now < prev) ok = false; prev = now; }
            Check(ok, "clock went backwards");
            ulong a = Clock.NowNs();
            Clock.SpinNs(2_000_000);
            ulong d = Clock.NowNs() - a;
            Check(d >= 2_000_000 && d < 200_000_000, $"2 ms spin measured {d} ns");
            Check(Clock.TscHz > 100_000_000, $"implausible TSC frequency {Clock.TscHz} Hz");
        }

        private static int s_timerHits;
        private static void CountTimer(void* arg) => System.Threading.Interlocked.Increment(ref s_timerHits);

        private static void LapicTimer()
        {
            Check(LocalApic.TicksPerMs > 0, "LAPIC timer not calibrated");
            ulong fired = Sched.Scheduler.TimerInterrupts;
            s_timerHits = 0;
            Sched.Timer timer = default;
            ulong start = Clock.NowNs();
            Sched.Timers.Arm(&timer, start + 3_000_000, &CountTimer, null);
            while (System.Threading.Volatile.Read(ref s_timerHits) == 0 && Clock.NowNs() - start < 1_000_000_000UL)
                Sched.Scheduler.SleepNs(500_000);
            ulong elapsed = Clock.NowNs() - start;
            Sched.Timers.Cancel(&timer);
            Check(s_timerHits == 1, "the timer callback did not run exactly once");
            Check(Sched.Scheduler.TimerInterrupts > fired, "no LAPIC timer interrupt");
            Check(elapsed >= 3_000_000, $"3 ms timer fired after {elapsed} ns");
        }

        private static void Format()
        {
            var t = new KernelText(0, 0);
            t.AppendFormatted(-1234567890123L);
            t.AppendLiteral(" ");
            t.AppendFormatted(0xBEEFUL, "x8");
            t.AppendLiteral(" ");
            t.AppendFormatted(1234UL, "f3");
            t.AppendLiteral(" ");
            t.AppendFormatted(long.MinValue);
            Check(Same(t.Bytes, "-1234567890123 0000beef 1.234 -9223372036854775808"), "formatting mismatch");
        }

        private static void CommandLineParse()
        {
            byte* text = stackalloc byte[256];
            Token* tok = stackalloc Token[16];
            byte* input = stackalloc byte[64];
            string src = "echo 'a b' \"c\\\"d\";exit 3";
            for (int i = 0; i < src.Length; i++) input[i] = (byte)src[i];
            var st = CommandLine.Parse(new ReadOnlySpan<byte>(input, src.Length), new Span<byte>(text, 256), new Span<Token>(tok, 16), out int n);
            Check(st == ParseStatus.Ok && n == 6, $"parsed {n} tokens");
            Check(Same(new ReadOnlySpan<byte>(text + tok[1].Offset, tok[1].Length), "a b"), "single quotes");
            Check(Same(new ReadOnlySpan<byte>(text + tok[2].Offset, tok[2].Length), "c\"d"), "escaped double quote");
            Check(tok[3].IsSeparator, "';' is a separator");
        }

        private static void Symbols()
        {
            Check(KernelSymbols.Count > 100, $"only {KernelSymbols.Count} kernel symbols embedded");
            delegate*<void> self = &Symbols;
            Check(KernelSymbols.Lookup((ulong)self, out byte* name, out int len, out ulong start), "own address not symbolized");
            Check(CommandLine.Contains(new ReadOnlySpan<byte>(name, len), "Symbols"), $"symbolized as {new ReadOnlySpan<byte>(name, len)}");
        }

        private static bool Same(ReadOnlySpan<byte> a, string b) => CommandLine.Equals(a, b);
    }
}
