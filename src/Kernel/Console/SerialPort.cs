using Nimbus.Kernel.Arch.X64;

namespace Nimbus.Kernel.Console
{
    // 16550 UARTs. COM1 is the boot console; COM2, when the VM has one, carries an application's
    // stderr (the host CLI connects it to its own stderr). Polled output; '\n' becomes "\r\n".
    internal static unsafe class SerialPort
    {
        private const ushort Com1 = 0x3F8, Com2 = 0x2F8;
        private const int LineStatus = 5, TransmitEmpty = 0x20, Scratch = 7;
        public static bool HasSecondPort;

        public static void Initialize()
        {
            Setup(Com1);
            KernelConsole.AddSink(&Write);
            // A UART keeps what is written to its scratch register; an absent port reads 0xFF.
            Cpu.OutByte(Com2 + Scratch, 0x5A);
            if (Cpu.InByte(Com2 + Scratch) == 0x5A)
            {
                Setup(Com2);
                HasSecondPort = true;
            }
        }

        private static void Setup(ushort port)
        {
            Cpu.OutByte((ushort)(port + 1), 0x00);   // no UART interrupts
            Cpu.OutByte((ushort)(port + 3), 0x80);   // DLAB on
            Cpu.OutByte((ushort)(port + 0), 0x01);   // divisor 1: 115200 baud
            Cpu.OutByte((ushort)(port + 1), 0x00);
            Cpu.OutByte((ushort)(port + 3), 0x03);   // 8N1
            Cpu.OutByte((ushort)(port + 2), 0xC7);   // FIFO on, cleared
            Cpu.OutByte((ushort)(port + 4), 0x03);   // DTR, RTS
        }

        private static void Put(ushort port, byte b)
        {
            // QEMU's UART is always ready; a real one may need a few iterations.
            for (int i = 0; i < 100000 && (Cpu.InByte((ushort)(port + LineStatus)) & TransmitEmpty) == 0; i++) Cpu.Pause();
            Cpu.OutByte(port, b);
        }

        public static void Write(byte* data, int length) => Write(Com1, data, length);

        // The second port (bytes as they are: the host reads it as a file), or the console when there is none.
        public static void WriteSecond(byte* data, int length)
        {
            if (HasSecondPort) for (int i = 0; i < length; i++) Put(Com2, data[i]);
            else KernelConsole.Write(new System.ReadOnlySpan<byte>(data, length));
        }

        private static void Write(ushort port, byte* data, int length)
        {
            for (int i = 0; i < length; i++)
            {
                if (data[i] == (byte)'\n') Put(port, (byte)'\r');
                Put(port, data[i]);
            }
        }
    }
}
