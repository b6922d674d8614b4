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
            if (Err.Reports.Redirect(name, copy)) return;      // error.h's variables
            if (Elf.ElfImage.NamesEqual(name, Strings.Literal("environ"u8)) || Elf.ElfImage.NamesEqual(name, Strings.Literal("__environ"u8)))
                s_environSlot = (byte***)copy;
            // getopt's variables and the program's names (issue 11: getopt, err, error).
            else if (Elf.ElfImage.NamesEqual(name, Strings.Literal("optarg"u8))) s_optarg = (byte**)copy;
            else if (Elf.ElfImage.NamesEqual(name, Strings.Literal("optind"u8))) s_optind = (int*)copy;
            else if (Elf.ElfImage.NamesEqual(name, Strings.Literal("opterr"u8))) s_opterr = (int*)copy;
            else if (Elf.ElfImage.NamesEqual(name, Strings.Literal("optopt"u8))) s_optopt = (int*)copy;
            else if (Elf.ElfImage.NamesEqual(name, Strings.Literal("program_invocation_name"u8)) || Elf.ElfImage.NamesEqual(name, Strings.Literal("__progname_full"u8)))
                s_programName = (byte**)copy;
            else if (Elf.ElfImage.NamesEqual(name, Strings.Literal("program_invocation_short_name"u8)) || Elf.ElfImage.NamesEqual(name, Strings.Literal("__progname"u8)))
                s_programShortName = (byte**)copy;
            if (Elf.ElfImage.NamesEqual(name, Strings.Literal("signgam"u8)) || Elf.ElfImage.NamesEqual(name, Strings.Literal("__signgam"u8)))
                Math.MathLib.SigngamCopy = (int*)copy;      // issue 11 part D: lgamma's sign
            Time.Zones.Redirect(name, copy);      // timezone, daylight, tzname
            // stdin/stdout/stderr copies hold the same FILE pointers and nobody reassigns them in
            // practice.
        }

        // Where each variable lives now: the executable's copy, if it has one, else ours.
        private static byte** s_optarg, s_programName, s_programShortName;
        private static int* s_optind, s_opterr, s_optopt;
        public static byte** Optarg => s_optarg != null ? s_optarg : &Globals->Optarg;
        public static int* Optind => s_optind != null ? s_optind : &Globals->Optind;
        public static int* Opterr => s_opterr != null ? s_opterr : &Globals->Opterr;
        public static int* Optopt => s_optopt != null ? s_optopt : &Globals->Optopt;
        public static byte* ProgramName => s_programName != null ? *s_programName : Globals->ProgramName;
        public static byte* ProgramShortName => s_programShortName != null ? *s_programShortName : Globals->ProgramShortName;

        // At start: ours and the executable's copies (made before the names were known).
        public static void SetProgramNames(byte* full, byte* shortName)
        {
            Globals->ProgramName = full;
            Globals->ProgramShortName = shortName;
            if (s_programName != null) *s_programName = full;
            if (s_programShortName != null) *s_programShortName = shortName;
        }
    }
}
