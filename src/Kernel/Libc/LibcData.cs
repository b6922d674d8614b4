using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Libc.Stdio;
using Nimbus.Kernel.Libc.String;

namespace Nimbus.Kernel.Libc
{
    // libc's global variables (defined in Arch/X64/libc.S so they have symbols applications bind to).
    [StructLayout(LayoutKind.Sequential), Arch.X64.AsmOffsets("LIBC")]
    internal unsafe struct LibcGlobals
    {
        public CFile* Stdin, Stdout, Stderr;
        public byte** Environ;
        public byte* Optarg;
        public int Optind, Opterr, Optopt, Pad;
        public byte* ProgramShortName, ProgramName;
        public byte SingleThreaded;
    }

    internal static unsafe class LibcData
    {
        [RuntimeImport("*", "libc_data_address")] [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern LibcGlobals* Address();

        private static LibcGlobals* s_globals;
        private static byte*** s_environSlot;       // where `environ` lives: ours, or the executable's copy

        public static LibcGlobals* Globals => s_globals != null ? s_globals : (s_globals = Address());

        public static byte** Environ
        {
            get => s_environSlot != null ? *s_environSlot : Globals->Environ;
            set { Globals->Environ = value; if (s_environSlot != null) *s_environSlot = value; }
        }

        // A copy relocation moved one of our variables into the executable: from now on the
        // executable's copy is the variable (as with glibc, whose own references go through the GOT).
        public static void Redirect(void* context, byte* name, ulong copy)
        {
            if (Elf.ElfImage.NamesEqual(name, Strings.Literal("environ"u8)) || Elf.ElfImage.NamesEqual(name, Strings.Literal("__environ"u8)))
                s_environSlot = (byte***)copy;
            if (Elf.ElfImage.NamesEqual(name, Strings.Literal("signgam"u8)) || Elf.ElfImage.NamesEqual(name, Strings.Literal("__signgam"u8)))
                Math.MathLib.SigngamCopy = (int*)copy;      // issue 11 part D: lgamma's sign
            Time.Zones.Redirect(name, copy);      // timezone, daylight, tzname
            // stdin/stdout/stderr copies hold the same FILE pointers and nobody reassigns them in
            // practice; optind and friends are only read by getopt, which is not here yet.
        }
    }
}
