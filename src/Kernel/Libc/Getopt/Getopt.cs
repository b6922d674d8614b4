// <getopt.h>: getopt, getopt_long, getopt_long_only (and __posix_getopt) with glibc's behaviour:
// argv permuted so that options come first (unless the option string starts with '+' or
// POSIXLY_CORRECT is set: stop at the first non-option; '-': non-options returned as option 1),
// optional arguments ("x::"), "W;" for "-W foo", abbreviations of long options, and glibc's
// exact error messages. optind, optarg, opterr and optopt are libc.S data (or the executable's
// copies, LibcData), read on entry and written back on return as glibc does.
using System.Runtime;
using Nimbus.Kernel.Libc.Stdio;
using Nimbus.Kernel.Libc.Stdlib;
using Nimbus.Kernel.Libc.String;

namespace Nimbus.Kernel.Libc.Getopt
{
    internal static unsafe class Getopt
    {
        private const int Permute = 0, RequireOrder = 1, ReturnInOrder = 2;

        // struct option { const char *name; int has_arg; int *flag; int val; }
        private struct LongOption { public byte* Name; public int HasArg; public int* Flag; public int Val; }

        // glibc's struct _getopt_data: the scan position between calls.
        private struct State
        {
            public int Optind, Opterr, Optopt;
            public byte* Optarg;
            public int Initialized;
            public byte* NextChar;
            public int Ordering;
            public int FirstNonopt, LastNonopt;
        }

        private static State s_state;

        [RuntimeExport("abi_getopt")]
        private static int GetoptShort(int argc, byte** argv, byte* optstring) => Run(argc, argv, optstring, null, null, false, false);

        [RuntimeExport("abi___posix_getopt")]
        private static int PosixGetopt(int argc, byte** argv, byte* optstring) => Run(argc, argv, optstring, null, null, false, true);

        [RuntimeExport("abi_getopt_long")]
        private static int GetoptLong(int argc, byte** argv, byte* optstring, LongOption* longopts, int* longind) =>
            Run(argc, argv, optstring, longopts, longind, false, false);

        [RuntimeExport("abi_getopt_long_only")]
        private static int GetoptLongOnly(int argc, byte** argv, byte* optstring, LongOption* longopts, int* longind) =>
            Run(argc, argv, optstring, longopts, longind, true, false);

        private static int Run(int argc, byte** argv, byte* optstring, LongOption* longopts, int* longind, bool longOnly, bool posixlyCorrect)
        {
            fixed (State* d = &s_state)
            {
                d->Optind = *LibcData.Optind;
                d->Opterr = *LibcData.Opterr;
                int r = Next(argc, argv, optstring, longopts, longind, longOnly, d, posixlyCorrect);
                *LibcData.Optind = d->Optind;
                *LibcData.Optarg = d->Optarg;
                *LibcData.Optopt = d->Optopt;
                return r;
            }
        }

        // strchr: the terminator counts as part of the string.
        private static byte* Find(byte* s, byte c)
        {
            for (; ; s++)
            {
                if (*s == c) return s;
                if (*s == 0) return null;
            }
        }

        private static bool NonOption(byte* arg) => arg[0] != '-' || arg[1] == 0;

        private static byte* Initialise(byte* optstring, State* d, bool posixlyCorrect)
        {
            if (d->Optind == 0) d->Optind = 1;
            d->FirstNonopt = d->LastNonopt = d->Optind;
            d->NextChar = null;
            if (optstring[0] == '-') { d->Ordering = ReturnInOrder; optstring++; }
            else if (optstring[0] == '+') { d->Ordering = RequireOrder; optstring++; }
            else if (posixlyCorrect || Environ.GetEnvironment(Strings.Literal("POSIXLY_CORRECT\0"u8)) != null) d->Ordering = RequireOrder;
            else d->Ordering = Permute;
            d->Initialized = 1;
            return optstring;
        }

        // Moves the non-options skipped so far [FirstNonopt, LastNonopt) after the options that
        // followed them [LastNonopt, Optind), keeping each group's order.
        private static void Exchange(byte** argv, State* d)
        {
            int bottom = d->FirstNonopt, middle = d->LastNonopt, top = d->Optind;
            while (top > middle && middle > bottom)
            {
                if (top - middle > middle - bottom)
                {
                    int len = middle - bottom;
                    for (int i = 0; i < len; i++) Swap(argv, bottom + i, top - (middle - bottom) + i);
                    top -= len;
                }
                else
                {
                    int len = top - middle;
                    for (int i = 0; i < len; i++) Swap(argv, bottom + i, middle + i);
                    bottom += len;
                }
            }
            d->FirstNonopt += d->Optind - d->LastNonopt;
            d->LastNonopt = d->Optind;
        }

        private static void Swap(byte** argv, int a, int b) { byte* t = argv[a]; argv[a] = argv[b]; argv[b] = t; }

        private static int Next(int argc, byte** argv, byte* optstring, LongOption* longopts, int* longind, bool longOnly, State* d, bool posixlyCorrect)
        {
            bool printErrors = d->Opterr != 0;
            if (argc < 1) return -1;
            d->Optarg = null;
            if (d->Optind == 0 || d->Initialized == 0) optstring = Initialise(optstring, d, posixlyCorrect);
            else if (optstring[0] == '-' || optstring[0] == '+') optstring++;
            if (optstring[0] == ':') printErrors = false;

            if (d->NextChar == null || *d->NextChar == 0)
            {
                // The next element of argv.
                if (d->LastNonopt > d->Optind) d->LastNonopt = d->Optind;
                if (d->FirstNonopt > d->Optind) d->FirstNonopt = d->Optind;
                if (d->Ordering == Permute)
                {
                    if (d->FirstNonopt != d->LastNonopt && d->LastNonopt != d->Optind) Exchange(argv, d);
                    else if (d->LastNonopt != d->Optind) d->FirstNonopt = d->Optind;
                    while (d->Optind < argc && NonOption(argv[d->Optind])) d->Optind++;
                    d->LastNonopt = d->Optind;
                }
                // "--" ends the options; what follows counts as non-options.
                if (d->Optind != argc && argv[d->Optind][0] == '-' && argv[d->Optind][1] == '-' && argv[d->Optind][2] == 0)
                {
                    d->Optind++;
                    if (d->FirstNonopt != d->LastNonopt && d->LastNonopt != d->Optind) Exchange(argv, d);
                    else if (d->FirstNonopt == d->LastNonopt) d->FirstNonopt = d->Optind;
                    d->LastNonopt = argc;
                    d->Optind = argc;
                }
                if (d->Optind == argc)
                {
                    // Point at the non-options that were moved to the end.
                    if (d->FirstNonopt != d->LastNonopt) d->Optind = d->FirstNonopt;
                    return -1;
                }
                if (NonOption(argv[d->Optind]))
                {
                    if (d->Ordering == RequireOrder) return -1;
                    d->Optarg = argv[d->Optind++];
                    return 1;
                }
                if (longopts != null)
                {
                    byte* arg = argv[d->Optind];
                    if (arg[1] == '-')
                    {
                        d->NextChar = arg + 2;
                        return LongOptionNamed(argc, argv, optstring, longopts, longind, longOnly, d, printErrors, "--"u8);
                    }
                    // getopt_long_only: "-name" is a long option unless it is a single short option letter.
                    if (longOnly && (arg[2] != 0 || Find(optstring, arg[1]) == null))
                    {
                        d->NextChar = arg + 1;
                        int code = LongOptionNamed(argc, argv, optstring, longopts, longind, longOnly, d, printErrors, "-"u8);
                        if (code != -1) return code;
                    }
                }
                d->NextChar = argv[d->Optind] + 1;
            }

            // The next short option letter.
            byte c = *d->NextChar++;
            byte* spec = Find(optstring, c);
            if (*d->NextChar == 0) d->Optind++;
            if (spec == null || c == ':' || c == ';')
            {
                if (printErrors) Message(argv[0], ": invalid option -- '"u8, null, c, "'\n"u8);
                d->Optopt = c;
                return '?';
            }
            if (spec[0] == 'W' && spec[1] == ';' && longopts != null)
            {
                // "-W foo" is "--foo".
                if (*d->NextChar != 0) d->Optarg = d->NextChar;
                else if (d->Optind == argc)
                {
                    if (printErrors) Message(argv[0], ": option requires an argument -- '"u8, null, c, "'\n"u8);
                    d->Optopt = c;
                    return optstring[0] == ':' ? ':' : '?';
                }
                else d->Optarg = argv[d->Optind];
                d->NextChar = d->Optarg;
                d->Optarg = null;
                return LongOptionNamed(argc, argv, optstring, longopts, longind, false, d, printErrors, "-W "u8);
            }
            if (spec[1] == ':')
            {
                if (spec[2] == ':')
                {
                    // An optional argument: only when attached ("-xVALUE").
                    if (*d->NextChar != 0) { d->Optarg = d->NextChar; d->Optind++; }
                    else d->Optarg = null;
                }
                else if (*d->NextChar != 0) { d->Optarg = d->NextChar; d->Optind++; }
                else if (d->Optind == argc)
                {
                    if (printErrors) Message(argv[0], ": option requires an argument -- '"u8, null, c, "'\n"u8);
                    d->Optopt = c;
                    c = optstring[0] == ':' ? (byte)':' : (byte)'?';
                }
                else d->Optarg = argv[d->Optind++];
                d->NextChar = null;
            }
            return c;
        }

        // d->NextChar is the option's name (after the prefix), perhaps followed by "=value".
        private static int LongOptionNamed(int argc, byte** argv, byte* optstring, LongOption* longopts, int* longind, bool longOnly,
            State* d, bool printErrors, System.ReadOnlySpan<byte> prefix)
        {
            byte* nameEnd = d->NextChar;
            while (*nameEnd != 0 && *nameEnd != '=') nameEnd++;
            ulong nameLength = (ulong)(nameEnd - d->NextChar);

            // An exact match first, counting the options on the way.
            LongOption* found = null;
            int count = 0, index = 0;
            for (LongOption* p = longopts; p->Name != null; p++, count++)
                if (Strings.CompareStrings(p->Name, d->NextChar, nameLength) == 0 && Strings.Length(p->Name) == nameLength)
                {
                    found = p;
                    index = count;
                    break;
                }

            if (found == null)
            {
                // Then abbreviations: ambiguous when two differ in what they do (any two for long_only).
                byte* ambiguous = null;
                bool fallback = false;
                int foundIndex = -1, i = 0;
                for (LongOption* p = longopts; p->Name != null; p++, i++)
                {
                    if (Strings.CompareStrings(p->Name, d->NextChar, nameLength) != 0) continue;
                    if (found == null) { found = p; foundIndex = i; }
                    else if (longOnly || found->HasArg != p->HasArg || found->Flag != p->Flag || found->Val != p->Val)
                    {
                        if (fallback) continue;
                        if (!printErrors) fallback = true;
                        else if (ambiguous == null)
                        {
                            ambiguous = (byte*)Malloc.Allocate((ulong)count);
                            if (ambiguous == null) fallback = true;
                            else { Memory.Mem.Set(ambiguous, 0, (nuint)count); ambiguous[foundIndex] = 1; }
                        }
                        if (ambiguous != null) ambiguous[i] = 1;
                    }
                }
                if (ambiguous != null || fallback)
                {
                    if (printErrors)
                    {
                        Message(argv[0], ": option '"u8, prefix, d->NextChar, fallback ? "' is ambiguous\n"u8 : "' is ambiguous; possibilities:"u8);
                        if (!fallback)
                        {
                            for (int k = 0; k < count; k++)
                                if (ambiguous[k] != 0) Message(null, " '"u8, prefix, longopts[k].Name, "'"u8);
                            Put("\n"u8);
                        }
                    }
                    if (ambiguous != null) Malloc.Free(ambiguous);
                    d->NextChar += Strings.Length(d->NextChar);
                    d->Optind++;
                    d->Optopt = 0;
                    return '?';
                }
                index = foundIndex;
            }

            if (found == null)
            {
                // getopt_long_only falls back to a short option when "-x..." starts with one.
                if (!longOnly || argv[d->Optind][1] == '-' || Find(optstring, *d->NextChar) == null)
                {
                    if (printErrors) Message(argv[0], ": unrecognized option '"u8, prefix, d->NextChar, "'\n"u8);
                    d->NextChar = null;
                    d->Optind++;
                    d->Optopt = 0;
                    return '?';
                }
                return -1;
            }

            d->Optind++;
            d->NextChar = null;
            if (*nameEnd != 0)
            {
                if (found->HasArg != 0) d->Optarg = nameEnd + 1;
                else
                {
                    if (printErrors) Message(argv[0], ": option '"u8, prefix, found->Name, "' doesn't allow an argument\n"u8);
                    d->Optopt = found->Val;
                    return '?';
                }
            }
            else if (found->HasArg == 1)
            {
                if (d->Optind < argc) d->Optarg = argv[d->Optind++];
                else
                {
                    if (printErrors) Message(argv[0], ": option '"u8, prefix, found->Name, "' requires an argument\n"u8);
                    d->Optopt = found->Val;
                    return optstring[0] == ':' ? ':' : '?';
                }
            }
            if (longind != null) *longind = index;
            if (found->Flag != null) { *found->Flag = found->Val; return 0; }
            return found->Val;
        }

        private static void Put(System.ReadOnlySpan<byte> s) { fixed (byte* p = s) Streams.Write(LibcData.Globals->Stderr, p, s.Length); }
        private static void Put(byte* s) => Streams.Write(LibcData.Globals->Stderr, s, (int)Strings.Length(s));

        // "argv0" + middle + name (or the letter) + tail, as glibc's fprintf would write them.
        private static void Message(byte* argv0, System.ReadOnlySpan<byte> middle, byte* name, byte letter, System.ReadOnlySpan<byte> tail)
        {
            if (argv0 != null) Put(argv0);
            Put(middle);
            if (name != null) Put(name); else Streams.Write(LibcData.Globals->Stderr, &letter, 1);
            Put(tail);
        }

        private static void Message(byte* argv0, System.ReadOnlySpan<byte> middle, System.ReadOnlySpan<byte> prefix, byte* name, System.ReadOnlySpan<byte> tail)
        {
            if (argv0 != null) Put(argv0);
            Put(middle);
            Put(prefix);
            Put(name);
            Put(tail);
        }
    }
}
