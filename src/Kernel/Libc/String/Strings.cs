using System.Runtime;
using Nimbus.Kernel.Memory;

namespace Nimbus.Kernel.Libc.String
{
    // <string.h>: byte strings and memory blocks.
    internal static unsafe class Strings
    {
        [RuntimeExport("abi_strlen")]
        public static ulong Length(byte* s) { ulong n = 0; while (s[n] != 0) n++; return n; }

        // A "..."u8 literal as a C string: it lives in read-only data and ends with a NUL the span
        // does not count.
        public static byte* Literal(System.ReadOnlySpan<byte> s) { fixed (byte* p = s) return p; }

        [RuntimeExport("abi_strnlen")]
        private static ulong Strnlen(byte* s, ulong max) { ulong n = 0; while (n < max && s[n] != 0) n++; return n; }

        // memcpy, mempcpy, memmove and memset are in Arch/X64/libc.S (string instructions).

        // bcmp is an alias (Libc/Aliases.txt).
        [RuntimeExport("abi_memcmp")]
        public static int Compare(byte* a, byte* b, ulong n)
        {
            for (ulong i = 0; i < n; i++) if (a[i] != b[i]) return a[i] - b[i];
            return 0;
        }

        [RuntimeExport("abi_memchr")]
        private static byte* Memchr(byte* s, int c, ulong n)
        {
            for (ulong i = 0; i < n; i++) if (s[i] == (byte)c) return s + i;
            return null;
        }

        [RuntimeExport("abi_memrchr")]
        private static byte* Memrchr(byte* s, int c, ulong n)
        {
            for (ulong i = n; i > 0; i--) if (s[i - 1] == (byte)c) return s + i - 1;
            return null;
        }

        // memchr without a length: the caller knows the byte is there (GNU).
        [RuntimeExport("abi_rawmemchr")]
        private static byte* Rawmemchr(byte* s, int c)
        {
            while (*s != (byte)c) s++;
            return s;
        }

        [RuntimeExport("abi_strcmp")]
        private static int Strcmp(byte* a, byte* b) => CompareStrings(a, b, ulong.MaxValue);

        // strcoll is an alias of strcmp (Libc/Aliases.txt): the C locale collates bytes.

        [RuntimeExport("abi_strncmp")]
        public static int CompareStrings(byte* a, byte* b, ulong n)
        {
            for (ulong i = 0; i < n; i++)
            {
                if (a[i] != b[i]) return a[i] - b[i];
                if (a[i] == 0) return 0;
            }
            return 0;
        }

        private static int Lower(int c) => c >= 'A' && c <= 'Z' ? c + 32 : c;

        [RuntimeExport("abi_strcasecmp")]
        private static int Strcasecmp(byte* a, byte* b) => CaseCompare(a, b, ulong.MaxValue);

        [RuntimeExport("abi_strncasecmp")]
        private static int CaseCompare(byte* a, byte* b, ulong n)
        {
            for (ulong i = 0; i < n; i++)
            {
                int x = Lower(a[i]), y = Lower(b[i]);
                if (x != y) return x - y;
                if (x == 0) return 0;
            }
            return 0;
        }

        [RuntimeExport("abi_strcpy")]
        private static byte* Strcpy(byte* d, byte* s) { ulong i = 0; do d[i] = s[i]; while (s[i++] != 0); return d; }

        [RuntimeExport("abi_stpcpy")]
        private static byte* Stpcpy(byte* d, byte* s) { ulong i = 0; while ((d[i] = s[i]) != 0) i++; return d + i; }

        [RuntimeExport("abi_strncpy")]
        private static byte* Strncpy(byte* d, byte* s, ulong n)
        {
            ulong i = 0;
            for (; i < n && s[i] != 0; i++) d[i] = s[i];
            for (; i < n; i++) d[i] = 0;
            return d;
        }

        [RuntimeExport("abi_strcat")]
        private static byte* Strcat(byte* d, byte* s)
        {
            byte* e = d + Length(d);
            ulong i = 0;
            do e[i] = s[i]; while (s[i++] != 0);
            return d;
        }

        [RuntimeExport("abi_strncat")]
        private static byte* Strncat(byte* d, byte* s, ulong n)
        {
            byte* e = d + Length(d);
            ulong i = 0;
            for (; i < n && s[i] != 0; i++) e[i] = s[i];
            e[i] = 0;
            return d;
        }

        [RuntimeExport("abi_strchr")]
        private static byte* Strchr(byte* s, int c)
        {
            for (; ; s++)
            {
                if (*s == (byte)c) return s;
                if (*s == 0) return null;
            }
        }

        [RuntimeExport("abi_strchrnul")]
        private static byte* Strchrnul(byte* s, int c)
        {
            while (*s != 0 && *s != (byte)c) s++;
            return s;
        }

        [RuntimeExport("abi_strrchr")]
        private static byte* Strrchr(byte* s, int c)
        {
            byte* last = null;
            for (; ; s++)
            {
                if (*s == (byte)c) last = s;
                if (*s == 0) return last;
            }
        }

        [RuntimeExport("abi_strstr")]
        private static byte* Strstr(byte* h, byte* n)
        {
            if (*n == 0) return h;
            for (; *h != 0; h++)
            {
                ulong i = 0;
                while (n[i] != 0 && h[i] == n[i]) i++;
                if (n[i] == 0) return h;
            }
            return null;
        }

        [RuntimeExport("abi_strdup")]
        private static byte* Strdup(byte* s) => Duplicate(s, ulong.MaxValue);

        [RuntimeExport("abi_strndup")]
        private static byte* Duplicate(byte* s, ulong max)
        {
            ulong n = 0;
            while (n < max && s[n] != 0) n++;
            byte* d = (byte*)Stdlib.Malloc.Allocate(n + 1);
            if (d == null) return null;
            Mem.Move(d, s, (nuint)n);
            d[n] = 0;
            return d;
        }

        [RuntimeExport("abi_strspn")]
        private static ulong Strspn(byte* s, byte* accept)
        {
            ulong n = 0;
            while (s[n] != 0 && Strings.Has(accept, s[n])) n++;
            return n;
        }

        [RuntimeExport("abi_strcspn")]
        private static ulong Strcspn(byte* s, byte* reject)
        {
            ulong n = 0;
            while (s[n] != 0 && !Strings.Has(reject, s[n])) n++;
            return n;
        }

        [RuntimeExport("abi_strpbrk")]
        private static byte* Strpbrk(byte* s, byte* accept)
        {
            for (; *s != 0; s++) if (Has(accept, *s)) return s;
            return null;
        }

        private static bool Has(byte* set, byte c)
        {
            for (; *set != 0; set++) if (*set == c) return true;
            return false;
        }

        private static byte* s_strtok;

        [RuntimeExport("abi_strtok")]
        private static byte* Strtok(byte* s, byte* delim) { fixed (byte** save = &s_strtok) return Tokenize(s, delim, save); }

        [RuntimeExport("abi_strtok_r")]
        private static byte* Tokenize(byte* s, byte* delim, byte** save)
        {
            if (s == null) s = *save;
            if (s == null) return null;
            while (*s != 0 && Has(delim, *s)) s++;
            if (*s == 0) { *save = s; return null; }
            byte* start = s;
            while (*s != 0 && !Has(delim, *s)) s++;
            if (*s != 0) { *s = 0; s++; }
            *save = s;
            return start;
        }

        // BSD's strsep: like strtok_r, but empty fields count and *stringp is the state.
        [RuntimeExport("abi_strsep")]
        private static byte* Separate(byte** stringp, byte* delim)
        {
            byte* start = *stringp;
            if (start == null) return null;
            byte* s = start;
            while (*s != 0 && !Has(delim, *s)) s++;
            if (*s != 0) { *s = 0; *stringp = s + 1; }
            else *stringp = null;
            return start;
        }
    }
}
