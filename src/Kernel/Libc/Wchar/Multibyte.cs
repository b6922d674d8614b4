// <wchar.h>/<stdlib.h> multibyte conversions in the calling thread's locale (Utf8.cs does the work):
// UTF-8 in C.UTF-8, ASCII in C. Each function with a hidden state has its own, as in glibc.
using System.Runtime;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Locale;

namespace Nimbus.Kernel.Libc.Wchar
{
    internal static unsafe class Multibyte
    {
        private const uint WEOF = 0xFFFFFFFF;
        private static MbState s_mbrtowc, s_mbrlen, s_mbtowc, s_wcrtomb, s_mbsrtowcs, s_wcsrtombs;

        private static ulong Fail()
        {
            LibcErrno.Set(Errno.EILSEQ);
            return Utf8.Invalid;
        }

        [RuntimeExport("abi_mbrtowc")]
        public static ulong Mbrtowc(uint* wc, byte* s, ulong n, MbState* st)
        {
            if (st == null) fixed (MbState* own = &s_mbrtowc) st = own;
            if (s == null)
            {
                // Same as mbrtowc(NULL, "", 1, st): back to the initial state, or EILSEQ mid-character.
                bool clean = st->Pending == 0;
                *st = default;
                return clean ? 0UL : Fail();
            }
            ulong r = Utf8.Decode(wc, s, n, st, Locales.Utf8);
            return r == Utf8.Invalid ? Fail() : r;
        }

        [RuntimeExport("abi_mbrlen")]
        private static ulong Mbrlen(byte* s, ulong n, MbState* st)
        {
            if (st == null) fixed (MbState* own = &s_mbrlen) st = own;
            return Mbrtowc(null, s, n, st);
        }

        [RuntimeExport("abi_mbtowc")]
        private static int Mbtowc(uint* wc, byte* s, ulong n)
        {
            fixed (MbState* st = &s_mbtowc)
            {
                if (s == null) { *st = default; return 0; }     // UTF-8 has no shift states
                ulong r = Mbrtowc(wc, s, n, st);
                if (r == Utf8.Incomplete) { LibcErrno.Set(Errno.EILSEQ); return -1; }
                return (int)(long)r;
            }
        }

        [RuntimeExport("abi_mblen")]
        private static int Mblen(byte* s, ulong n)
        {
            if (s == null) return 0;
            var st = default(MbState);
            ulong r = Mbrtowc(null, s, n, &st);
            if (r == Utf8.Incomplete) { LibcErrno.Set(Errno.EILSEQ); return -1; }
            return (int)(long)r;
        }

        [RuntimeExport("abi_mbsinit")]
        private static int Mbsinit(MbState* st) => st == null || st->Pending == 0 ? 1 : 0;

        [RuntimeExport("abi_btowc")]
        private static uint Btowc(int c) => c >= 0 && c < 0x80 ? (uint)c : WEOF;

        [RuntimeExport("abi_wctob")]
        private static int Wctob(uint wc) => wc < 0x80 ? (int)wc : -1;

        [RuntimeExport("abi_wcrtomb")]
        public static ulong Wcrtomb(byte* s, uint wc, MbState* st)
        {
            if (st == null) fixed (MbState* own = &s_wcrtomb) st = own;
            byte* scratch = stackalloc byte[8];
            if (s == null) { s = scratch; wc = 0; }
            *st = default;
            ulong r = Utf8.Encode(s, wc, Locales.Utf8);
            return r == Utf8.Invalid ? Fail() : r;
        }

        [RuntimeExport("abi_wctomb")]
        private static int Wctomb(byte* s, uint wc)
        {
            if (s == null) return 0;        // stateless
            var st = default(MbState);
            return (int)(long)Wcrtomb(s, wc, &st);
        }

        // mbsnrtowcs: at most len wide characters from at most limit bytes of *src. Stops at the
        // terminator (*src = null, not counted), at an invalid sequence (*src at it, -1), or when
        // dst is full (*src after the last character converted). dst null: only counts, *src stays.
        [RuntimeExport("abi_mbsnrtowcs")]
        private static ulong Mbsnrtowcs(uint* dst, byte** src, ulong limit, ulong len, MbState* st)
        {
            if (st == null) fixed (MbState* own = &s_mbsrtowcs) st = own;
            byte* s = *src;
            byte* end = limit == ulong.MaxValue ? (byte*)ulong.MaxValue : s + limit;
            ulong count = 0;
            bool utf8 = Locales.Utf8;
            while (dst == null || count < len)
            {
                if (s >= end) break;
                uint wc;
                ulong r = Utf8.Decode(&wc, s, (ulong)(end - s) < 6 ? (ulong)(end - s) : 6, st, utf8);
                if (r == Utf8.Invalid) { if (dst != null) *src = s; return Fail(); }
                if (r == Utf8.Incomplete) { s = end; break; }       // the state keeps the start of a character
                if (dst != null) dst[count] = wc;
                if (wc == 0) { if (dst != null) *src = null; return count; }
                s += r;
                count++;
            }
            if (dst != null) *src = s;
            return count;
        }

        [RuntimeExport("abi_mbsrtowcs")]
        private static ulong Mbsrtowcs(uint* dst, byte** src, ulong len, MbState* st) => Mbsnrtowcs(dst, src, ulong.MaxValue, len, st);

        [RuntimeExport("abi_mbstowcs")]
        private static ulong Mbstowcs(uint* dst, byte* src, ulong len)
        {
            var st = default(MbState);
            return Mbsnrtowcs(dst, &src, ulong.MaxValue, len, &st);
        }

        // wcsnrtombs: the bytes of at most limit wide characters of *src, at most len bytes in dst
        // (a character that does not fit whole is left for the next call).
        [RuntimeExport("abi_wcsnrtombs")]
        private static ulong Wcsnrtombs(byte* dst, uint** src, ulong limit, ulong len, MbState* st)
        {
            if (st == null) fixed (MbState* own = &s_wcsrtombs) st = own;
            uint* s = *src;
            ulong count = 0;
            byte* buf = stackalloc byte[8];
            bool utf8 = Locales.Utf8;
            for (ulong i = 0; i < limit; i++, s++)
            {
                ulong r = Utf8.Encode(buf, *s, utf8);
                if (r == Utf8.Invalid) { if (dst != null) *src = s; return Fail(); }
                if (dst != null)
                {
                    if (count + r > len) break;
                    for (ulong k = 0; k < r; k++) dst[count + k] = buf[k];
                }
                if (*s == 0) { if (dst != null) *src = null; *st = default; return count; }
                count += r;
            }
            if (dst != null) *src = s;
            return count;
        }

        [RuntimeExport("abi_wcsrtombs")]
        private static ulong Wcsrtombs(byte* dst, uint** src, ulong len, MbState* st) => Wcsnrtombs(dst, src, ulong.MaxValue, len, st);

        [RuntimeExport("abi_wcstombs")]
        private static ulong Wcstombs(byte* dst, uint* src, ulong len)
        {
            var st = default(MbState);
            return Wcsnrtombs(dst, &src, ulong.MaxValue, len, &st);
        }
    }
}
