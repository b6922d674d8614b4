// <err.h> (err, warn and their x and v forms) and <error.h> (error, error_at_line), with glibc's
// exact output on stderr. The variadic forms are trampolines in Arch/X64/libc.S.
using System.Runtime;
using System.Runtime.CompilerServices;
using Nimbus.Kernel.Libc.Errors;
using Nimbus.Kernel.Libc.Start;
using Nimbus.Kernel.Libc.Stdio;
using Nimbus.Kernel.Libc.String;

namespace Nimbus.Kernel.Libc.Err
{
    internal static unsafe class Reports
    {
        // error.h's variables, asm data in libc.S (error_message_count, error_one_per_line,
        // error_print_progname), or the executable's copies of them.
        private struct ErrorVariables { public uint MessageCount; public int OnePerLine; public delegate* unmanaged<void> PrintProgname; }
        [RuntimeImport("*", "libc_error_data_address")] [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern ErrorVariables* ErrorData();
        private static uint* s_countCopy;
        private static int* s_onePerLineCopy;
        private static delegate* unmanaged<void>* s_printProgNameCopy;

        public static bool Redirect(byte* name, ulong copy)
        {
            if (Elf.ElfImage.NamesEqual(name, Strings.Literal("error_message_count"u8))) s_countCopy = (uint*)copy;
            else if (Elf.ElfImage.NamesEqual(name, Strings.Literal("error_one_per_line"u8))) s_onePerLineCopy = (int*)copy;
            else if (Elf.ElfImage.NamesEqual(name, Strings.Literal("error_print_progname"u8))) s_printProgNameCopy = (delegate* unmanaged<void>*)copy;
            else return false;
            return true;
        }

        private static uint* MessageCount => s_countCopy != null ? s_countCopy : &ErrorData()->MessageCount;
        private static int OnePerLine => s_onePerLineCopy != null ? *s_onePerLineCopy : ErrorData()->OnePerLine;
        private static delegate* unmanaged<void> PrintProgname => s_printProgNameCopy != null ? *s_printProgNameCopy : ErrorData()->PrintProgname;

        private static CFile* Stderr => LibcData.Globals->Stderr;
        private static void Put(byte* s) => Streams.Write(Stderr, s, (int)Strings.Length(s));
        private static void Put(System.ReadOnlySpan<byte> s) { fixed (byte* p = s) Streams.Write(Stderr, p, s.Length); }

        // "prog: message: strerror\n", "prog: strerror\n" without a format (prog: the short name).
        [RuntimeExport("abi_vwarn")]
        private static void Vwarn(byte* format, VaList* args)
        {
            int e = LibcErrno.Get();
            Put(LibcData.ProgramShortName);
            Put(": "u8);
            if (format != null)
            {
                Streams.VfPrintf(Stderr, format, args);
                Put(": "u8);
            }
            Put(ErrorMessages.Message(e));
            Put("\n"u8);
        }

        // "prog: message\n" ("prog: \n" without a format).
        [RuntimeExport("abi_vwarnx")]
        private static void Vwarnx(byte* format, VaList* args)
        {
            Put(LibcData.ProgramShortName);
            Put(": "u8);
            if (format != null) Streams.VfPrintf(Stderr, format, args);
            Put("\n"u8);
        }

        [RuntimeExport("abi_verr")]
        private static void Verr(int status, byte* format, VaList* args) { Vwarn(format, args); Process.Exit(status); }

        [RuntimeExport("abi_verrx")]
        private static void Verrx(int status, byte* format, VaList* args) { Vwarnx(format, args); Process.Exit(status); }

        [RuntimeExport("libc_warn_va")] private static void Warn(byte* format, VaList* args) => Vwarn(format, args);
        [RuntimeExport("libc_warnx_va")] private static void Warnx(byte* format, VaList* args) => Vwarnx(format, args);
        [RuntimeExport("libc_err_va")] private static void ErrVa(int status, byte* format, VaList* args) => Verr(status, format, args);
        [RuntimeExport("libc_errx_va")] private static void ErrxVa(int status, byte* format, VaList* args) => Verrx(status, format, args);

        // error(): stdout flushed, then "program_invocation_name: message[: strerror(errnum)]\n"
        // (or error_print_progname's prefix), the count raised, and exit when status != 0.
        [RuntimeExport("libc_error_va")]
        private static void Error(int status, int errnum, byte* format, VaList* args)
        {
            FlushStream(LibcData.Globals->Stdout);
            Prefix(": "u8);
            Finish(status, errnum, format, args);
        }

        private static byte* s_lastFile;
        private static uint s_lastLine;

        // error_at_line(): the same with "file:line: " after the program's name; with
        // error_one_per_line set, a repeat of the previous file and line prints nothing.
        [RuntimeExport("libc_error_at_line_va")]
        private static void ErrorAtLine(int status, int errnum, byte* file, uint line, byte* format, VaList* args)
        {
            if (OnePerLine != 0)
            {
                if (line == s_lastLine && (file == s_lastFile || (file != null && s_lastFile != null && Strings.CompareStrings(file, s_lastFile, ulong.MaxValue) == 0)))
                    return;
                s_lastFile = file;
                s_lastLine = line;
            }
            FlushStream(LibcData.Globals->Stdout);
            Prefix(":"u8);
            if (file != null)
            {
                Put(file);
                byte* digits = stackalloc byte[16];
                int n = 15;
                digits[n] = 0;
                do { digits[--n] = (byte)('0' + line % 10); line /= 10; } while (line != 0);
                Put(":"u8);
                Put(digits + n);
                Put(": "u8);
            }
            else Put(" "u8);
            Finish(status, errnum, format, args);
        }

        private static void FlushStream(CFile* f)
        {
            Streams.Lock(f);
            Streams.FlushLocked(f);
            Streams.Unlock(f);
        }

        // The program's name and separator (": " for error, ":" for error_at_line, as glibc).
        private static void Prefix(System.ReadOnlySpan<byte> separator)
        {
            var print = PrintProgname;
            if (print != null) print();
            else { Put(LibcData.ProgramName); Put(separator); }
        }

        private static void Finish(int status, int errnum, byte* format, VaList* args)
        {
            Streams.VfPrintf(Stderr, format, args);
            (*MessageCount)++;
            if (errnum != 0) { Put(": "u8); Put(ErrorMessages.Message(errnum)); }
            Put("\n"u8);
            FlushStream(Stderr);
            if (status != 0) Process.Exit(status);
        }
    }
}
