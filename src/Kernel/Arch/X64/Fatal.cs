namespace Nimbus.Kernel.Arch.X64
{
    // How Arch code reports what it cannot survive. Arch is below the panic machinery (which needs
    // the console, symbols and power-off), so the panic handler installs itself here at boot;
    // before that, or if it returns, the CPU halts.
    internal static unsafe class Fatal
    {
        public static delegate*<string, void> Handler;

        public static void Fail(string cause)
        {
            var handler = Handler;
            if (handler != null) handler(cause);
            Cpu.HaltForever();
        }
    }
}
