using System.Runtime;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Stdio
{
    // fscanf and scanf: the scanf engine (Scan.cs) reading a FILE through its buffer, with the
    // stream locked for the whole call. A byte given back is the one just read, still in the buffer.
    internal static unsafe class StreamScan
    {
        private static int Read(void* context) => StreamInput.GetCharLocked((CFile*)context);

        private static void Unread(void* context, int c)
        {
            var f = (CFile*)context;
            if (c >= 0 && f->ReadPtr != null && f->ReadPtr > f->ReadBase) f->ReadPtr--;
        }

        public static int Scan(CFile* f, byte* format, VaList* args, ScanMode mode)
        {
            if (f == null) return LibcErrno.Fail(-Errno.EINVAL);
            Streams.Lock(f);
            var source = new ScanSource(&Read, &Unread, f);
            int r = Scanf.Scan(ref source, format, args, mode);
            Streams.Unlock(f);
            return r;
        }

        private static CFile* Stdin => LibcData.Globals->Stdin;

        [RuntimeExport("abi_vfscanf")]
        private static int Vfscanf(CFile* f, byte* format, VaList* args) => Scan(f, format, args, ScanMode.Gnu);
        [RuntimeExport("abi___isoc99_vfscanf")]
        private static int Isoc99Vfscanf(CFile* f, byte* format, VaList* args) => Scan(f, format, args, ScanMode.IsoC99);
        [RuntimeExport("abi___isoc23_vfscanf")]
        private static int Isoc23Vfscanf(CFile* f, byte* format, VaList* args) => Scan(f, format, args, ScanMode.IsoC23);
        [RuntimeExport("abi_vscanf")]
        private static int Vscanf(byte* format, VaList* args) => Scan(Stdin, format, args, ScanMode.Gnu);
        [RuntimeExport("abi___isoc99_vscanf")]
        private static int Isoc99Vscanf(byte* format, VaList* args) => Scan(Stdin, format, args, ScanMode.IsoC99);
        [RuntimeExport("abi___isoc23_vscanf")]
        private static int Isoc23Vscanf(byte* format, VaList* args) => Scan(Stdin, format, args, ScanMode.IsoC23);
    }
}
