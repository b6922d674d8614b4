// <wchar.h> character I/O on streams: wide characters converted to and from the locale's multibyte
// form (Multibyte.cs) on the byte streams of Libc/Stdio. Streams have no orientation here: wide
// and byte calls may be mixed on one stream (glibc would fail the second kind). ungetwc and fwide
// are not provided yet.
using System.Runtime;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Locale;
using Nimbus.Kernel.Libc.Stdio;

namespace Nimbus.Kernel.Libc.Wchar
{
    internal static unsafe class WideStreams
    {
        private const uint WEOF = 0xFFFFFFFF;

        [RuntimeExport("abi_fputwc")]
        private static uint Fputwc(uint wc, CFile* f)
        {
            byte* bytes = stackalloc byte[8];
            ulong n = Utf8.Encode(bytes, wc, Locales.Utf8);
            if (n == Utf8.Invalid) { LibcErrno.Set(Errno.EILSEQ); return WEOF; }
            return Streams.Write(f, bytes, (int)n) < 0 ? WEOF : wc;
        }

        [RuntimeExport("abi_putwchar")]
        private static uint Putwchar(uint wc) => Fputwc(wc, LibcData.Globals->Stdout);

        // 1 on success, as glibc's, -1 on an error.
        [RuntimeExport("abi_fputws")]
        private static int Fputws(uint* s, CFile* f)
        {
            for (; *s != 0; s++) if (Fputwc(*s, f) == WEOF) return -1;
            return 1;
        }

        // Reads bytes until they make a character: WEOF at the end of the file, or with EILSEQ for
        // an invalid sequence or one the end of the file cuts.
        [RuntimeExport("abi_fgetwc")]
        private static uint Fgetwc(CFile* f) => Read(f, out _);

        private static uint Read(CFile* f, out bool invalid)
        {
            invalid = false;
            var st = default(MbState);
            bool utf8 = Locales.Utf8;
            for (int count = 0; ; count++)
            {
                int c = StreamInput.GetChar(f);
                if (c < 0)
                {
                    if (count > 0) { LibcErrno.Set(Errno.EILSEQ); invalid = true; }
                    return WEOF;
                }
                byte b = (byte)c;
                uint wc;
                ulong r = Utf8.Decode(&wc, &b, 1, &st, utf8);
                if (r == Utf8.Invalid) { LibcErrno.Set(Errno.EILSEQ); invalid = true; return WEOF; }
                if (r != Utf8.Incomplete) return wc;
            }
        }

        [RuntimeExport("abi_getwchar")]
        private static uint Getwchar() => Fgetwc(LibcData.Globals->Stdin);

        // Up to n - 1 characters, through the first newline; null at once at the end of the file.
        [RuntimeExport("abi_fgetws")]
        private static uint* Fgetws(uint* s, int n, CFile* f)
        {
            if (n <= 0) return null;
            int i = 0;
            while (i < n - 1)
            {
                uint wc = Read(f, out bool invalid);
                if (wc == WEOF)
                {
                    if (i == 0 || invalid) return null;
                    break;
                }
                s[i++] = wc;
                if (wc == '\n') break;
            }
            s[i] = 0;
            return s;
        }
    }
}
