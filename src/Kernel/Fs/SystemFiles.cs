using System;
using Nimbus.Kernel.Memory;

namespace Nimbus.Kernel.Fs
{
    // System-wide /proc files: memory from the page allocator, time since boot, the kernel release.
    internal static unsafe class SystemFiles
    {
        // The release /proc/sys/kernel/osrelease reports: the same as uname (Libc/Unistd/Identity.cs).
        public static ReadOnlySpan<byte> Release => "5.15.0-nimbus"u8;

        public static ulong TotalBytes => KernelMemory.Pages.TotalPages * 4096;
        public static ulong FreeBytes => KernelMemory.Pages.FreePages * 4096;

        public static void MemInfo(ref TextBuffer t)
        {
            ulong total = TotalBytes / 1024, free = FreeBytes / 1024;
            Line(ref t, "MemTotal:       "u8, total);
            Line(ref t, "MemFree:        "u8, free);
            Line(ref t, "MemAvailable:   "u8, free);
            Line(ref t, "Buffers:        "u8, 0);
            Line(ref t, "Cached:         "u8, 0);
            Line(ref t, "SwapCached:     "u8, 0);
            Line(ref t, "Active:         "u8, total - free);
            Line(ref t, "Inactive:       "u8, 0);
            Line(ref t, "SwapTotal:      "u8, 0);
            Line(ref t, "SwapFree:       "u8, 0);
            Line(ref t, "Dirty:          "u8, 0);
            Line(ref t, "Shmem:          "u8, 0);
            Line(ref t, "CommitLimit:    "u8, total);
            Line(ref t, "Committed_AS:   "u8, total - free);
            Line(ref t, "HugePages_Total:"u8, 0, false);
            Line(ref t, "HugePages_Free: "u8, 0, false);
            Line(ref t, "Hugepagesize:   "u8, 2048);
        }

        // Linux's show_val_kb: a 16-column label, the value right-aligned in 8, " kB".
        private static void Line(ref TextBuffer t, ReadOnlySpan<byte> label, ulong value, bool kb = true)
        {
            t.Add(label);
            t.Add($"{value,8}");
            t.Add(kb ? " kB\n"u8 : "\n"u8);
        }

        // /proc/stat: one line per CPU counting all time since boot as idle (USER_HZ = 100).
        public static void Stat(ref TextBuffer t)
        {
            ulong ticks = Time.Clock.NowNs() / 10_000_000;
            int cpus = Arch.X64.PerCpu.Count;
            t.Add($"cpu  0 0 0 {ticks * (ulong)cpus} 0 0 0 0 0 0\n");
            for (int i = 0; i < cpus; i++) t.Add($"cpu{i} 0 0 0 {ticks} 0 0 0 0 0 0\n");
            ulong boot = (Time.Clock.WallNs() - Time.Clock.NowNs()) / 1_000_000_000;
            t.Add($"intr 0\nctxt 0\nbtime {boot}\nprocesses 1\nprocs_running 1\nprocs_blocked 0\n");
        }

        public static void Uptime(ref TextBuffer t)
        {
            ulong cs = Time.Clock.NowNs() / 10_000_000;
            ulong idle = cs * (ulong)Arch.X64.PerCpu.Count;
            t.Add($"{cs / 100}.{cs % 100 / 10}{cs % 10} {idle / 100}.{idle % 100 / 10}{idle % 10}\n");
        }

        // A random (version 4) UUID in its text form.
        public static void NewUuid(ref TextBuffer t)
        {
            byte* b = stackalloc byte[16];
            Vfs.Random(b, 16);
            b[6] = (byte)((b[6] & 0x0F) | 0x40);
            b[8] = (byte)((b[8] & 0x3F) | 0x80);
            for (int i = 0; i < 16; i++)
            {
                if (i == 4 || i == 6 || i == 8 || i == 10) t.AddByte((byte)'-');
                t.Add($"{b[i]:x2}");
            }
            t.AddByte((byte)'\n');
        }
    }
}
