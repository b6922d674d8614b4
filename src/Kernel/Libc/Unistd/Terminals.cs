using System.Runtime;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Unistd
{
    // Terminals and ioctl. There are no terminals (the console is a serial line without a TTY layer):
    // isatty is false and terminal requests fail with ENOTTY. The generic descriptor requests work.
    internal static unsafe class Terminals
    {
        private const ulong Fionread = 0x541B, Fionbio = 0x5421, Fionclex = 0x5450, Fioclex = 0x5451;

        [RuntimeExport("abi_isatty")]
        private static int Isatty(int fd)
        {
            LibcErrno.Set(Vfs.Get(fd) == null ? Errno.EBADF : Errno.ENOTTY);
            return 0;
        }

        [RuntimeExport("abi_tcgetattr")]
        private static int Tcgetattr(int fd, void* termios) => (int)LibcErrno.Result(Vfs.Get(fd) == null ? -Errno.EBADF : -Errno.ENOTTY);
        [RuntimeExport("abi_tcsetattr")]
        private static int Tcsetattr(int fd, int action, void* termios) => (int)LibcErrno.Result(Vfs.Get(fd) == null ? -Errno.EBADF : -Errno.ENOTTY);

        [RuntimeExport("abi_ttyname")]
        private static byte* Ttyname(int fd)
        {
            LibcErrno.Set(Vfs.Get(fd) == null ? Errno.EBADF : Errno.ENOTTY);
            return null;
        }

        [RuntimeExport("abi_ttyname_r")]
        private static int TtynameR(int fd, byte* buffer, ulong size) => Vfs.Get(fd) == null ? Errno.EBADF : Errno.ENOTTY;

        [RuntimeExport("libc_ioctl_va")]
        private static int Ioctl(int fd, ulong request, VaList* args)
        {
            OpenFile* f = Vfs.Acquire(fd);
            if (f == null) return LibcErrno.Fail(-Errno.EBADF);
            long r = DeviceControl(fd, f, request, args);
            Vfs.Put(f);
            return (int)LibcErrno.Result(r);
        }

        private static long DeviceControl(int fd, OpenFile* f, ulong request, VaList* args)
        {
            switch (request)
            {
                case Fionread:
                    int* count = (int*)args->NextGp();
                    if (count == null) return -Errno.EFAULT;
                    *count = Available(f);
                    return 0;
                case Fionbio:
                    int* on = (int*)args->NextGp();
                    if (on == null) return -Errno.EFAULT;
                    f->Flags = *on != 0 ? f->Flags | Vfs.ONonBlock : f->Flags & ~Vfs.ONonBlock;
                    return 0;
                case Fioclex: return Vfs.SetCloseOnExec(fd, true);
                case Fionclex: return Vfs.SetCloseOnExec(fd, false);
            }
            return -Errno.ENOTTY;
        }

        private static int Available(OpenFile* f)
        {
            FsNode* n = f->Node;
            uint type = RamFs.TypeOf(n);
            if (type == RamFs.TypeFifo) return Pipes.Available(n);
            if (type != RamFs.TypeRegular) return 0;
            ulong size = f->Snapshot != null ? f->SnapshotSize : n->Size;
            return f->Offset >= size ? 0 : (int)(size - f->Offset > int.MaxValue ? int.MaxValue : size - f->Offset);
        }
    }
}
