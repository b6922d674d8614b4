using Nimbus.Kernel.Arch.X64;

namespace Nimbus.Kernel.Drivers
{
    // 16550 UART on COM1: the boot console. Polled output; '\n' becomes "\r\n".
    internal static unsafe class SerialPort
    {
        private const ushort Com1 = 0x3F8;
        private const int LineStatus = 5, TransmitEmpty = 0x20;

        public static void Initialize()
        {
            Cpu.OutByte(Com1 + 1, 0x00);   // no UART interrupts
            Cpu.OutByte(Com1 + 3, 0x80);   // DLAB on
            Cpu.OutByte(Com1 + 0, 0x01);   // divisor 1: 115200 baud
            Cpu.OutByte(Com1 + 1, 0x00);
            Cpu.OutByte(Com1 + 3, 0x03);   // 8N1
            Cpu.OutByte(Com1 + 2, 0xC7);   // FIFO on, cleared
            Cpu.OutByte(Com1 + 4, 0x03);   // DTR, RTS
            KernelConsole.AddSink(&Write);
        }

        private static void Put(byte b)
        {
            // QEMU's UART is always ready; a real one may need a few iterations.
            for (int i = 0; i < 100000 && (Cpu.InByte(Com1 + LineStatus) & TransmitEmpty) == 0; i++) Cpu.Pause();
            Cpu.OutByte(Com1, b);
        }

        public static void Write(byte* data, int length)
        {
            for (int i = 0; i < length; i++)
            {
                if (data[i] == (byte)'\n') Put((byte)'\r');
                Put(data[i]);
            }
        }
    }
}
