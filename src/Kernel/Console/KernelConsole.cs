using System;

namespace Nimbus.Kernel.Console
{
    // The kernel console: a fan-out to output sinks (the serial port now; virtio-console and the
    // management API later join with AddSink). Lines are written whole.
    internal static unsafe class KernelConsole
    {
        private const int MaxSinks = 4;
        private static delegate*<byte*, int, void> s_sink0, s_sink1, s_sink2, s_sink3;
        private static int s_sinkCount;

        public static void AddSink(delegate*<byte*, int, void> sink)
        {
            switch (s_sinkCount)
            {
                case 0: s_sink0 = sink; break;
                case 1: s_sink1 = sink; break;
                case 2: s_sink2 = sink; break;
                case 3: s_sink3 = sink; break;
                default: return;
            }
            s_sinkCount++;
        }

        public static void Write(ReadOnlySpan<byte> bytes)
        {
            fixed (byte* p = bytes)
            {
                if (s_sinkCount > 0) s_sink0(p, bytes.Length);
                if (s_sinkCount > 1) s_sink1(p, bytes.Length);
                if (s_sinkCount > 2) s_sink2(p, bytes.Length);
                if (s_sinkCount > 3) s_sink3(p, bytes.Length);
            }
        }

        public static void Write(string s)
        {
            byte* buf = stackalloc byte[128];
            int n = 0;
            for (int i = 0; i < s.Length; i++)
            {
                buf[n++] = s[i] < 128 ? (byte)s[i] : (byte)'?';
                if (n == 128) { Write(new ReadOnlySpan<byte>(buf, n)); n = 0; }
            }
            if (n > 0) Write(new ReadOnlySpan<byte>(buf, n));
        }
    }

    // Kernel log: `Log.Line($"...")` formats a line into a fixed buffer and writes it with interrupts off
    // (whole on its CPU; lines printed by two CPUs at once may interleave), allocating nothing.
    internal static unsafe class Log
    {
        // --verbose: the kernel says what it does for a program (loaded, linked, started, ended).
        public static bool Verbose;

        public static void Line(ref KernelText text)
        {
            text.AppendByte((byte)'\n');
            using (new Arch.X64.InterruptsDisabled()) KernelConsole.Write(text.Bytes);
        }

        public static void Line(string s)
        {
            using (new Arch.X64.InterruptsDisabled())
            {
                KernelConsole.Write(s);
                KernelConsole.Write("\n");
            }
        }

        // A diagnostic about the application (a missing symbol, an unsupported call, a crash): the
        // program's stderr (the second serial port) when there is one, so its stdout stays its own.
        public static void Error(ref KernelText text)
        {
            text.AppendByte((byte)'\n');
            if (!SerialPort.HasSecondPort) { using (new Arch.X64.InterruptsDisabled()) KernelConsole.Write(text.Bytes); return; }
            fixed (byte* p = text.Bytes) SerialPort.WriteSecond(p, text.Bytes.Length);
        }

        public static void Text(ref KernelText text)
        {
            using (new Arch.X64.InterruptsDisabled()) KernelConsole.Write(text.Bytes);
        }
    }
}
