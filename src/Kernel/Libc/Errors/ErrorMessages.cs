using System.Runtime;

namespace Nimbus.Kernel.Libc.Errors
{
    // strerror: glibc's message for every errno value Linux defines (0..133, the table of glibc 2.36),
    // and glibc's "Unknown error N" for any other number.
    internal static unsafe class ErrorMessages
    {
        [RuntimeExport("abi_strerror")]
        public static byte* Message(int e)
        {
            System.ReadOnlySpan<byte> m = e switch
            {
                0 => "Success\0"u8,
                1 => "Operation not permitted\0"u8,
                2 => "No such file or directory\0"u8,
                3 => "No such process\0"u8,
                4 => "Interrupted system call\0"u8,
                5 => "Input/output error\0"u8,
                6 => "No such device or address\0"u8,
                7 => "Argument list too long\0"u8,
                8 => "Exec format error\0"u8,
                9 => "Bad file descriptor\0"u8,
                10 => "No child processes\0"u8,
                11 => "Resource temporarily unavailable\0"u8,
                12 => "Cannot allocate memory\0"u8,
                13 => "Permission denied\0"u8,
                14 => "Bad address\0"u8,
                15 => "Block device required\0"u8,
                16 => "Device or resource busy\0"u8,
                17 => "File exists\0"u8,
                18 => "Invalid cross-device link\0"u8,
                19 => "No such device\0"u8,
                20 => "Not a directory\0"u8,
                21 => "Is a directory\0"u8,
                22 => "Invalid argument\0"u8,
                23 => "Too many open files in system\0"u8,
                24 => "Too many open files\0"u8,
                25 => "Inappropriate ioctl for device\0"u8,
                26 => "Text file busy\0"u8,
                27 => "File too large\0"u8,
                28 => "No space left on device\0"u8,
                29 => "Illegal seek\0"u8,
                30 => "Read-only file system\0"u8,
                31 => "Too many links\0"u8,
                32 => "Broken pipe\0"u8,
                33 => "Numerical argument out of domain\0"u8,
                34 => "Numerical result out of range\0"u8,
                35 => "Resource deadlock avoided\0"u8,
                36 => "File name too long\0"u8,
                37 => "No locks available\0"u8,
                38 => "Function not implemented\0"u8,
                39 => "Directory not empty\0"u8,
                40 => "Too many levels of symbolic links\0"u8,
                42 => "No message of desired type\0"u8,
                43 => "Identifier removed\0"u8,
                44 => "Channel number out of range\0"u8,
                45 => "Level 2 not synchronized\0"u8,
                46 => "Level 3 halted\0"u8,
                47 => "Level 3 reset\0"u8,
                48 => "Link number out of range\0"u8,
                49 => "Protocol driver not attached\0"u8,
                50 => "No CSI structure available\0"u8,
                51 => "Level 2 halted\0"u8,
                52 => "Invalid exchange\0"u8,
                53 => "Invalid request descriptor\0"u8,
                54 => "Exchange full\0"u8,
                55 => "No anode\0"u8,
                56 => "Invalid request code\0"u8,
                57 => "Invalid slot\0"u8,
                59 => "Bad font file format\0"u8,
                60 => "Device not a stream\0"u8,
                61 => "No data available\0"u8,
                62 => "Timer expired\0"u8,
                63 => "Out of streams resources\0"u8,
                64 => "Machine is not on the network\0"u8,
                65 => "Package not installed\0"u8,
                66 => "Object is remote\0"u8,
                67 => "Link has been severed\0"u8,
                68 => "Advertise error\0"u8,
                69 => "Srmount error\0"u8,
                70 => "Communication error on send\0"u8,
                71 => "Protocol error\0"u8,
                72 => "Multihop attempted\0"u8,
                73 => "RFS specific error\0"u8,
                74 => "Bad message\0"u8,
                75 => "Value too large for defined data type\0"u8,
                76 => "Name not unique on network\0"u8,
                77 => "File descriptor in bad state\0"u8,
                78 => "Remote address changed\0"u8,
                79 => "Can not access a needed shared library\0"u8,
                80 => "Accessing a corrupted shared library\0"u8,
                81 => ".lib section in a.out corrupted\0"u8,
                82 => "Attempting to link in too many shared libraries\0"u8,
                83 => "Cannot exec a shared library directly\0"u8,
                84 => "Invalid or incomplete multibyte or wide character\0"u8,
                85 => "Interrupted system call should be restarted\0"u8,
                86 => "Streams pipe error\0"u8,
                87 => "Too many users\0"u8,
                88 => "Socket operation on non-socket\0"u8,
                89 => "Destination address required\0"u8,
                90 => "Message too long\0"u8,
                91 => "Protocol wrong type for socket\0"u8,
                92 => "Protocol not available\0"u8,
                93 => "Protocol not supported\0"u8,
                94 => "Socket type not supported\0"u8,
                95 => "Operation not supported\0"u8,
                96 => "Protocol family not supported\0"u8,
                97 => "Address family not supported by protocol\0"u8,
                98 => "Address already in use\0"u8,
                99 => "Cannot assign requested address\0"u8,
                100 => "Network is down\0"u8,
                101 => "Network is unreachable\0"u8,
                102 => "Network dropped connection on reset\0"u8,
                103 => "Software caused connection abort\0"u8,
                104 => "Connection reset by peer\0"u8,
                105 => "No buffer space available\0"u8,
                106 => "Transport endpoint is already connected\0"u8,
                107 => "Transport endpoint is not connected\0"u8,
                108 => "Cannot send after transport endpoint shutdown\0"u8,
                109 => "Too many references: cannot splice\0"u8,
                110 => "Connection timed out\0"u8,
                111 => "Connection refused\0"u8,
                112 => "Host is down\0"u8,
                113 => "No route to host\0"u8,
                114 => "Operation already in progress\0"u8,
                115 => "Operation now in progress\0"u8,
                116 => "Stale file handle\0"u8,
                117 => "Structure needs cleaning\0"u8,
                118 => "Not a XENIX named type file\0"u8,
                119 => "No XENIX semaphores available\0"u8,
                120 => "Is a named type file\0"u8,
                121 => "Remote I/O error\0"u8,
                122 => "Disk quota exceeded\0"u8,
                123 => "No medium found\0"u8,
                124 => "Wrong medium type\0"u8,
                125 => "Operation canceled\0"u8,
                126 => "Required key not available\0"u8,
                127 => "Key has expired\0"u8,
                128 => "Key has been revoked\0"u8,
                129 => "Key was rejected by service\0"u8,
                130 => "Owner died\0"u8,
                131 => "State not recoverable\0"u8,
                132 => "Operation not possible due to RF-kill\0"u8,
                133 => "Memory page has hardware error\0"u8,
                _ => default,
            };
            if (m.IsEmpty) return Unknown(e);
            fixed (byte* p = m) return p;
        }

        // glibc formats unknown numbers into a buffer of its own too (not per thread here).
        private struct Buffer { public fixed byte Bytes[32]; }
        private static Buffer s_unknown;

        private static byte* Unknown(int e)
        {
            fixed (byte* buffer = s_unknown.Bytes)
            {
                System.ReadOnlySpan<byte> prefix = "Unknown error "u8;
                int n = 0;
                for (; n < prefix.Length; n++) buffer[n] = prefix[n];
                long v = e;
                if (v < 0) { buffer[n++] = (byte)'-'; v = -v; }
                byte* digits = stackalloc byte[12];
                int count = 0;
                do { digits[count++] = (byte)('0' + v % 10); v /= 10; } while (v != 0);
                while (count > 0) buffer[n++] = digits[--count];
                buffer[n] = 0;
                return buffer;
            }
        }

        [RuntimeExport("abi_strerror_r")]
        private static byte* StrerrorR(int e, byte* buffer, ulong size) => Message(e);   // the GNU variant: returns the message

        // getaddrinfo's error texts (glibc's words), for when networking arrives and for callers that
        // format an error code they got elsewhere.
        [RuntimeExport("abi_gai_strerror")]
        private static byte* GaiStrerror(int code)
        {
            System.ReadOnlySpan<byte> m = code switch
            {
                -1 => "Bad value for ai_flags\0"u8, -2 => "Name or service not known\0"u8, -3 => "Temporary failure in name resolution\0"u8,
                -4 => "Non-recoverable failure in name resolution\0"u8, -6 => "ai_family not supported\0"u8, -7 => "ai_socktype not supported\0"u8,
                -8 => "Servname not supported for ai_socktype\0"u8, -10 => "Memory allocation failure\0"u8, -11 => "System error\0"u8,
                -5 => "No address associated with hostname\0"u8, _ => "Unknown error\0"u8,
            };
            fixed (byte* p = m) return p;
        }
    }
}
