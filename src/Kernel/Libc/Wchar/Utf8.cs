// The multibyte conversion state machine of <wchar.h>: UTF-8 as glibc's C.UTF-8 decodes it, and
// the C locale's ASCII (a byte above 0x7F is no character there). Pure code: the hosted tests
// compare it with the host glibc's mbrtowc over many byte sequences.
namespace Nimbus.Kernel.Libc.Wchar
{
    // mbstate_t (8 bytes). Pending: bytes still needed (0: the initial state); First: the sequence's
    // first byte (it sets the smallest value allowed); Value: the bits gathered so far.
    public struct MbState
    {
        public byte Pending;
        public byte First;
        public ushort Unused;
        public uint Value;
    }

    public static unsafe class Utf8
    {
        public const ulong Invalid = ulong.MaxValue;       // (size_t)-1, errno EILSEQ
        public const ulong Incomplete = ulong.MaxValue - 1; // (size_t)-2

        // mbrtowc with s != null: consumes up to n bytes; returns the bytes used (0 for L'\0'),
        // Incomplete (all n used, state keeps them) or Invalid.
        public static ulong Decode(uint* wc, byte* s, ulong n, MbState* st, bool utf8)
        {
            if (n == 0) return Incomplete;
            if (!utf8)
            {
                if (s[0] >= 0x80) return Invalid;
                if (wc != null) *wc = s[0];
                return s[0] == 0 ? 0UL : 1UL;
            }
            ulong used = 0;
            uint value = st->Value;
            int pending = st->Pending;
            byte first = st->First;
            if (pending == 0)
            {
                byte b = s[used++];
                if (b < 0x80) { if (wc != null) *wc = b; return b == 0 ? 0UL : 1UL; }
                if (b < 0xC2 || b > 0xFD) return Invalid;
                first = b;
                pending = b < 0xE0 ? 1 : b < 0xF0 ? 2 : b < 0xF8 ? 3 : b < 0xFC ? 4 : 5;
                value = (uint)(b & (0x3F >> pending));
            }
            while (pending > 0 && used < n)
            {
                byte b = s[used];
                if ((b & 0xC0) != 0x80) { st->Pending = 0; return Invalid; }
                value = value << 6 | (uint)(b & 0x3F);
                used++;
                pending--;
            }
            if (pending > 0)
            {
                st->Pending = (byte)pending;
                st->First = first;
                st->Value = value;
                return Incomplete;
            }
            *st = default;
            // Only a whole character is checked for overlong forms and surrogates (glibc says -2 for
            // "E0 80" and -1 once the third byte is there). Like glibc, the old 5- and 6-byte forms
            // up to 0x7FFFFFFF are accepted.
            uint smallest = first < 0xE0 ? 0x80u : first < 0xF0 ? 0x800u : first < 0xF8 ? 0x10000u : first < 0xFC ? 0x200000u : 0x4000000u;
            if (value < smallest || (value >= 0xD800 && value < 0xE000)) return Invalid;
            if (wc != null) *wc = value;
            return value == 0 ? 0UL : used;
        }

        // wcrtomb: the bytes of wc at s (room for 6), their count, or Invalid.
        public static ulong Encode(byte* s, uint wc, bool utf8)
        {
            if (!utf8 || wc < 0x80)
            {
                if (wc >= 0x80) return Invalid;
                s[0] = (byte)wc;
                return 1;
            }
            if (wc < 0x800) { s[0] = (byte)(0xC0 | wc >> 6); s[1] = (byte)(0x80 | (wc & 0x3F)); return 2; }
            if (wc >= 0xD800 && wc < 0xE000) return Invalid;
            if (wc > 0x7FFFFFFF) return Invalid;
            int length = wc < 0x10000 ? 3 : wc < 0x200000 ? 4 : wc < 0x4000000 ? 5 : 6;
            for (int i = length - 1; i > 0; i--) { s[i] = (byte)(0x80 | (wc & 0x3F)); wc >>= 6; }
            s[0] = (byte)((uint)(0xFF00 >> length) | wc);
            return (ulong)length;
        }
    }
}
