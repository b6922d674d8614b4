using System.Runtime.InteropServices;

namespace Nimbus.Kernel.Libc
{
    // strerror: glibc's messages for the errno values the kernel produces.
    internal static unsafe class Errors
    {
        public static byte* Message(int e)
        {
            System.ReadOnlySpan<byte> m = e switch
            {
                0 => "Success\0"u8, 1 => "Operation not permitted\0"u8, 2 => "No such file or directory\0"u8,
                3 => "No such process\0"u8, 4 => "Interrupted system call\0"u8, 5 => "Input/output error\0"u8,
                9 => "Bad file descriptor\0"u8, 11 => "Resource temporarily unavailable\0"u8, 12 => "Cannot allocate memory\0"u8,
                13 => "Permission denied\0"u8, 14 => "Bad address\0"u8, 16 => "Device or resource busy\0"u8,
                17 => "File exists\0"u8, 20 => "Not a directory\0"u8, 21 => "Is a directory\0"u8, 22 => "Invalid argument\0"u8,
                24 => "Too many open files\0"u8, 25 => "Inappropriate ioctl for device\0"u8, 28 => "No space left on device\0"u8,
                29 => "Illegal seek\0"u8, 32 => "Broken pipe\0"u8, 34 => "Numerical result out of range\0"u8,
                36 => "File name too long\0"u8, 38 => "Function not implemented\0"u8, 39 => "Directory not empty\0"u8,
                40 => "Too many levels of symbolic links\0"u8, 95 => "Operation not supported\0"u8, 110 => "Connection timed out\0"u8,
                _ => "Unknown error\0"u8,
            };
            fixed (byte* p = m) return p;
        }


        [UnmanagedCallersOnly(EntryPoint = "abi_strerror")]
        private static byte* Strerror(int e) => Message(e);

        [UnmanagedCallersOnly(EntryPoint = "abi_strerror_r")]
        private static byte* StrerrorR(int e, byte* buffer, ulong size) => Message(e);   // the GNU variant: returns the message
    }
}
