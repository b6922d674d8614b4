// Names and descriptions of errno values and signals (glibc 2.36's tables): strerrorname_np,
// strerrordesc_np, __xpg_strerror_r (the XSI strerror_r), sigabbrev_np, sigdescr_np, strsignal and
// psignal.
using System.Runtime;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Stdio;
using Nimbus.Kernel.Libc.String;

namespace Nimbus.Kernel.Libc.Errors
{
    internal static unsafe class ErrorNames
    {
        // "ENOENT" for 2; null for a number Linux does not define.
        [RuntimeExport("abi_strerrorname_np")]
        public static byte* ErrorName(int e)
        {
            return OrNull(e switch
            {
                0 => "0\0"u8, 1 => "EPERM\0"u8, 2 => "ENOENT\0"u8, 3 => "ESRCH\0"u8, 4 => "EINTR\0"u8, 5 => "EIO\0"u8,
                6 => "ENXIO\0"u8, 7 => "E2BIG\0"u8, 8 => "ENOEXEC\0"u8, 9 => "EBADF\0"u8, 10 => "ECHILD\0"u8, 11 => "EAGAIN\0"u8,
                12 => "ENOMEM\0"u8, 13 => "EACCES\0"u8, 14 => "EFAULT\0"u8, 15 => "ENOTBLK\0"u8, 16 => "EBUSY\0"u8, 17 => "EEXIST\0"u8,
                18 => "EXDEV\0"u8, 19 => "ENODEV\0"u8, 20 => "ENOTDIR\0"u8, 21 => "EISDIR\0"u8, 22 => "EINVAL\0"u8, 23 => "ENFILE\0"u8,
                24 => "EMFILE\0"u8, 25 => "ENOTTY\0"u8, 26 => "ETXTBSY\0"u8, 27 => "EFBIG\0"u8, 28 => "ENOSPC\0"u8, 29 => "ESPIPE\0"u8,
                30 => "EROFS\0"u8, 31 => "EMLINK\0"u8, 32 => "EPIPE\0"u8, 33 => "EDOM\0"u8, 34 => "ERANGE\0"u8, 35 => "EDEADLK\0"u8,
                36 => "ENAMETOOLONG\0"u8, 37 => "ENOLCK\0"u8, 38 => "ENOSYS\0"u8, 39 => "ENOTEMPTY\0"u8, 40 => "ELOOP\0"u8, 42 => "ENOMSG\0"u8,
                43 => "EIDRM\0"u8, 44 => "ECHRNG\0"u8, 45 => "EL2NSYNC\0"u8, 46 => "EL3HLT\0"u8, 47 => "EL3RST\0"u8, 48 => "ELNRNG\0"u8,
                49 => "EUNATCH\0"u8, 50 => "ENOCSI\0"u8, 51 => "EL2HLT\0"u8, 52 => "EBADE\0"u8, 53 => "EBADR\0"u8, 54 => "EXFULL\0"u8,
                55 => "ENOANO\0"u8, 56 => "EBADRQC\0"u8, 57 => "EBADSLT\0"u8, 59 => "EBFONT\0"u8, 60 => "ENOSTR\0"u8, 61 => "ENODATA\0"u8,
                62 => "ETIME\0"u8, 63 => "ENOSR\0"u8, 64 => "ENONET\0"u8, 65 => "ENOPKG\0"u8, 66 => "EREMOTE\0"u8, 67 => "ENOLINK\0"u8,
                68 => "EADV\0"u8, 69 => "ESRMNT\0"u8, 70 => "ECOMM\0"u8, 71 => "EPROTO\0"u8, 72 => "EMULTIHOP\0"u8, 73 => "EDOTDOT\0"u8,
                74 => "EBADMSG\0"u8, 75 => "EOVERFLOW\0"u8, 76 => "ENOTUNIQ\0"u8, 77 => "EBADFD\0"u8, 78 => "EREMCHG\0"u8, 79 => "ELIBACC\0"u8,
                80 => "ELIBBAD\0"u8, 81 => "ELIBSCN\0"u8, 82 => "ELIBMAX\0"u8, 83 => "ELIBEXEC\0"u8, 84 => "EILSEQ\0"u8, 85 => "ERESTART\0"u8,
                86 => "ESTRPIPE\0"u8, 87 => "EUSERS\0"u8, 88 => "ENOTSOCK\0"u8, 89 => "EDESTADDRREQ\0"u8, 90 => "EMSGSIZE\0"u8, 91 => "EPROTOTYPE\0"u8,
                92 => "ENOPROTOOPT\0"u8, 93 => "EPROTONOSUPPORT\0"u8, 94 => "ESOCKTNOSUPPORT\0"u8, 95 => "EOPNOTSUPP\0"u8, 96 => "EPFNOSUPPORT\0"u8, 97 => "EAFNOSUPPORT\0"u8,
                98 => "EADDRINUSE\0"u8, 99 => "EADDRNOTAVAIL\0"u8, 100 => "ENETDOWN\0"u8, 101 => "ENETUNREACH\0"u8, 102 => "ENETRESET\0"u8, 103 => "ECONNABORTED\0"u8,
                104 => "ECONNRESET\0"u8, 105 => "ENOBUFS\0"u8, 106 => "EISCONN\0"u8, 107 => "ENOTCONN\0"u8, 108 => "ESHUTDOWN\0"u8, 109 => "ETOOMANYREFS\0"u8,
                110 => "ETIMEDOUT\0"u8, 111 => "ECONNREFUSED\0"u8, 112 => "EHOSTDOWN\0"u8, 113 => "EHOSTUNREACH\0"u8, 114 => "EALREADY\0"u8, 115 => "EINPROGRESS\0"u8,
                116 => "ESTALE\0"u8, 117 => "EUCLEAN\0"u8, 118 => "ENOTNAM\0"u8, 119 => "ENAVAIL\0"u8, 120 => "EISNAM\0"u8, 121 => "EREMOTEIO\0"u8,
                122 => "EDQUOT\0"u8, 123 => "ENOMEDIUM\0"u8, 124 => "EMEDIUMTYPE\0"u8, 125 => "ECANCELED\0"u8, 126 => "ENOKEY\0"u8, 127 => "EKEYEXPIRED\0"u8,
                128 => "EKEYREVOKED\0"u8, 129 => "EKEYREJECTED\0"u8, 130 => "EOWNERDEAD\0"u8, 131 => "ENOTRECOVERABLE\0"u8, 132 => "ERFKILL\0"u8, 133 => "EHWPOISON\0"u8,
                _ => default,
            });
        }

        // A table's entry, or null where it has none.
        private static byte* OrNull(System.ReadOnlySpan<byte> entry)
        {
            if (entry.IsEmpty) return null;
            fixed (byte* p = entry) return p;
        }

        // The message without "Unknown error N" for numbers that have none.
        [RuntimeExport("abi_strerrordesc_np")]
        private static byte* ErrorDescription(int e) => ErrorName(e) != null ? ErrorMessages.Message(e) : null;

        // The XSI strerror_r: 0, ERANGE when the message was cut to fit, EINVAL for an unknown number
        // (buf still gets "Unknown error N", cut to fit).
        [RuntimeExport("abi___xpg_strerror_r")]
        private static int XpgStrerrorR(int e, byte* buf, ulong size)
        {
            byte* m = ErrorMessages.Message(e);
            ulong length = Strings.Length(m);
            if (size > 0)
            {
                ulong n = length < size - 1 ? length : size - 1;
                Memory.Mem.Move(buf, m, (nuint)n);
                buf[n] = 0;
            }
            if (ErrorName(e) == null) return Errno.EINVAL;
            return size <= length ? Errno.ERANGE : 0;
        }

        // "HUP" for 1; null for other numbers (real-time ones included, as glibc 2.36).
        [RuntimeExport("abi_sigabbrev_np")]
        private static byte* SignalAbbreviation(int s)
        {
            return OrNull(s switch
            {
                1 => "HUP\0"u8, 2 => "INT\0"u8, 3 => "QUIT\0"u8, 4 => "ILL\0"u8, 5 => "TRAP\0"u8, 6 => "ABRT\0"u8,
                7 => "BUS\0"u8, 8 => "FPE\0"u8, 9 => "KILL\0"u8, 10 => "USR1\0"u8, 11 => "SEGV\0"u8, 12 => "USR2\0"u8,
                13 => "PIPE\0"u8, 14 => "ALRM\0"u8, 15 => "TERM\0"u8, 16 => "STKFLT\0"u8, 17 => "CHLD\0"u8, 18 => "CONT\0"u8,
                19 => "STOP\0"u8, 20 => "TSTP\0"u8, 21 => "TTIN\0"u8, 22 => "TTOU\0"u8, 23 => "URG\0"u8, 24 => "XCPU\0"u8,
                25 => "XFSZ\0"u8, 26 => "VTALRM\0"u8, 27 => "PROF\0"u8, 28 => "WINCH\0"u8, 29 => "POLL\0"u8, 30 => "PWR\0"u8,
                31 => "SYS\0"u8,
                _ => default,
            });
        }

        [RuntimeExport("abi_sigdescr_np")]
        public static byte* SignalDescription(int s)
        {
            return OrNull(s switch
            {
                1 => "Hangup\0"u8, 2 => "Interrupt\0"u8, 3 => "Quit\0"u8, 4 => "Illegal instruction\0"u8,
                5 => "Trace/breakpoint trap\0"u8, 6 => "Aborted\0"u8, 7 => "Bus error\0"u8, 8 => "Floating point exception\0"u8,
                9 => "Killed\0"u8, 10 => "User defined signal 1\0"u8, 11 => "Segmentation fault\0"u8, 12 => "User defined signal 2\0"u8,
                13 => "Broken pipe\0"u8, 14 => "Alarm clock\0"u8, 15 => "Terminated\0"u8, 16 => "Stack fault\0"u8,
                17 => "Child exited\0"u8, 18 => "Continued\0"u8, 19 => "Stopped (signal)\0"u8, 20 => "Stopped\0"u8,
                21 => "Stopped (tty input)\0"u8, 22 => "Stopped (tty output)\0"u8, 23 => "Urgent I/O condition\0"u8, 24 => "CPU time limit exceeded\0"u8,
                25 => "File size limit exceeded\0"u8, 26 => "Virtual timer expired\0"u8, 27 => "Profiling timer expired\0"u8, 28 => "Window changed\0"u8,
                29 => "I/O possible\0"u8, 30 => "Power failure\0"u8, 31 => "Bad system call\0"u8,
                _ => default,
            });
        }

        private struct Buffer { public fixed byte Text[40]; }
        private static Buffer s_unknown;

        // strsignal: the description, "Real-time signal N" from SIGRTMIN (34) to SIGRTMAX (64), else
        // "Unknown signal N" (in a static buffer, like glibc's).
        [RuntimeExport("abi_strsignal")]
        private static byte* Strsignal(int s) => Describe(s, realTimeNames: true);

        private static byte* Describe(int s, bool realTimeNames)
        {
            byte* d = SignalDescription(s);
            if (d != null) return d;
            fixed (Buffer* b = &s_unknown)
            {
                bool realTime = realTimeNames && s >= 34 && s <= 64;
                ReadOnlySpanCopy(b->Text, realTime ? "Real-time signal "u8 : "Unknown signal "u8, out int n);
                long v = realTime ? s - 34 : s;
                if (v < 0) { b->Text[n++] = (byte)'-'; v = -v; }
                byte* digits = stackalloc byte[12];
                int count = 0;
                do { digits[count++] = (byte)('0' + v % 10); v /= 10; } while (v != 0);
                while (count > 0) b->Text[n++] = digits[--count];
                b->Text[n] = 0;
                return b->Text;
            }
        }

        private static void ReadOnlySpanCopy(byte* d, System.ReadOnlySpan<byte> s, out int n)
        {
            for (n = 0; n < s.Length; n++) d[n] = s[n];
        }

        // psignal: "s: description\n" on stderr ("description\n" when s is null or empty); unlike
        // strsignal, glibc's psignal calls real-time signals "Unknown signal N".
        [RuntimeExport("abi_psignal")]
        private static void Psignal(int sig, byte* s)
        {
            CFile* f = LibcData.Globals->Stderr;
            if (s != null && *s != 0)
            {
                Streams.Write(f, s, (int)Strings.Length(s));
                fixed (byte* sep = ": "u8) Streams.Write(f, sep, 2);
            }
            byte* d = Describe(sig, realTimeNames: false);
            Streams.Write(f, d, (int)Strings.Length(d));
            fixed (byte* nl = "\n"u8) Streams.Write(f, nl, 1);
        }
    }
}
