namespace Nimbus.Kernel.Elf
{
    // What the loader needs from the C library it starts programs on. Libc sits above Elf (it names
    // the loaded objects for dlopen, dladdr and /proc/self/maps), so it fills these at boot
    // (Boot/Hooks.cs) and the loader names none of its types.
    internal static unsafe class ProgramRuntime
    {
        // Before relocation: stdio exists, so copy relocations can copy stdin/stdout/stderr.
        public static delegate*<void> Prepare;
        // A copy relocation moved a libc data symbol into the program: (context, name, copy's address).
        public static delegate*<void*, byte*, ulong, void> CopiedKernelData;
        // An object's initialisers (DT_INIT, DT_INIT_ARRAY), called with argc, argv and envp.
        public static delegate*<ElfImage*, void> RunInitialisers;
        // The thread about to run main() becomes the program's main thread: (stack low, stack size).
        public static delegate*<ulong, ulong, void> AdoptMainThread;
        // Ending the program from the loader's side: flush its output, then exit with a status.
        public static delegate*<void> FlushOutput;
        public static delegate*<int, void> QuickExit;
    }
}
