// <wchar.h> string and memory functions over wchar_t (a signed 32-bit int on Linux). Comparisons
// return -1, 0 or 1, as glibc's do.
using System.Runtime;
using Nimbus.Kernel.Libc.Stdlib;
using Nimbus.Kernel.Libc.Wctype;

namespace Nimbus.Kernel.Libc.Wchar
{
    internal static unsafe class WideStrings
    {
        [RuntimeExport("abi_wcslen")]
        private static ulong Wcslen(int* s) { ulong n = 0; while (s[n] != 0) n++; return n; }

        [RuntimeExport("abi_wcsnlen")]
        private static ulong Wcsnlen(int* s, ulong max) { ulong n = 0; while (n < max && s[n] != 0) n++; return n; }

        [RuntimeExport("abi_wcscpy")]
        private static int* Wcscpy(int* d, int* s) { Wcpcpy(d, s); return d; }

        [RuntimeExport("abi_wcpcpy")]
        private static int* Wcpcpy(int* d, int* s)
        {
            while ((*d = *s) != 0) { d++; s++; }
            return d;
        }

        // wcsncpy pads with L'\0' to n; wcpncpy returns the end of what was copied (the first pad).
        [RuntimeExport("abi_wcsncpy")]
        private static int* Wcsncpy(int* d, int* s, ulong n) { Wcpncpy(d, s, n); return d; }

        [RuntimeExport("abi_wcpncpy")]
        private static int* Wcpncpy(int* d, int* s, ulong n)
        {
            ulong i = 0;
            for (; i < n && s[i] != 0; i++) d[i] = s[i];
            int* end = d + i;
            for (; i < n; i++) d[i] = 0;
            return end;
        }

        [RuntimeExport("abi_wcscat")]
        private static int* Wcscat(int* d, int* s) { Wcpcpy(d + Wcslen(d), s); return d; }

        [RuntimeExport("abi_wcsncat")]
        private static int* Wcsncat(int* d, int* s, ulong n)
        {
            int* e = d + Wcslen(d);
            ulong i = 0;
            for (; i < n && s[i] != 0; i++) e[i] = s[i];
            e[i] = 0;
            return d;
        }

        private static int Sign(int a, int b) => a < b ? -1 : a > b ? 1 : 0;

        [RuntimeExport("abi_wcscmp")]
        private static int Wcscmp(int* a, int* b) => Wcsncmp(a, b, ulong.MaxValue);

        [RuntimeExport("abi_wcsncmp")]
        private static int Wcsncmp(int* a, int* b, ulong n)
        {
            for (ulong i = 0; i < n; i++)
            {
                if (a[i] != b[i]) return Sign(a[i], b[i]);
                if (a[i] == 0) break;
            }
            return 0;
        }

        [RuntimeExport("abi_wcscasecmp")]
        private static int Wcscasecmp(int* a, int* b) => Wcsncasecmp(a, b, ulong.MaxValue);

        [RuntimeExport("abi_wcsncasecmp")]
        private static int Wcsncasecmp(int* a, int* b, ulong n)
        {
            bool utf8 = Locale.Locales.Utf8;
            for (ulong i = 0; i < n; i++)
            {
                int x = (int)WideClasses.ToLower((uint)a[i], utf8), y = (int)WideClasses.ToLower((uint)b[i], utf8);
                if (x != y) return x - y;
                if (x == 0) break;
            }
            return 0;
        }

        [RuntimeExport("abi_wcschr")]
        private static int* Wcschr(int* s, int c)
        {
            for (; ; s++)
            {
                if (*s == c) return s;
                if (*s == 0) return null;
            }
        }

        [RuntimeExport("abi_wcschrnul")]
        private static int* Wcschrnul(int* s, int c)
        {
            while (*s != c && *s != 0) s++;
            return s;
        }

        [RuntimeExport("abi_wcsrchr")]
        private static int* Wcsrchr(int* s, int c)
        {
            int* found = null;
            for (; ; s++)
            {
                if (*s == c) found = s;
                if (*s == 0) return found;
            }
        }

        [RuntimeExport("abi_wcsstr")]
        private static int* Wcsstr(int* h, int* needle)
        {
            ulong n = Wcslen(needle);
            for (; ; h++)
            {
                if (Wmemcmp(h, needle, n) == 0) return h;
                if (*h == 0) return null;
            }
        }

        private static bool In(int c, int* set) { for (; *set != 0; set++) if (*set == c) return true; return false; }

        [RuntimeExport("abi_wcsspn")]
        private static ulong Wcsspn(int* s, int* accept) { ulong n = 0; while (s[n] != 0 && In(s[n], accept)) n++; return n; }

        [RuntimeExport("abi_wcscspn")]
        private static ulong Wcscspn(int* s, int* reject) { ulong n = 0; while (s[n] != 0 && !In(s[n], reject)) n++; return n; }

        [RuntimeExport("abi_wcspbrk")]
        private static int* Wcspbrk(int* s, int* accept)
        {
            s += Wcscspn(s, accept);
            return *s != 0 ? s : null;
        }

        [RuntimeExport("abi_wcstok")]
        private static int* Wcstok(int* s, int* delim, int** save)
        {
            if (s == null) s = *save;
            s += Wcsspn(s, delim);
            if (*s == 0) { *save = s; return null; }
            int* end = s + Wcscspn(s, delim);
            if (*end != 0) *end++ = 0;
            *save = end;
            return s;
        }

        [RuntimeExport("abi_wcsdup")]
        private static int* Wcsdup(int* s)
        {
            ulong n = Wcslen(s) + 1;
            var d = (int*)Malloc.Allocate(n * 4);
            if (d == null) { LibcErrno.Set(Abi.Errno.ENOMEM); return null; }
            Wmemcpy(d, s, n);
            return d;
        }

        // The C and C.UTF-8 locales collate by code point: wcsxfrm copies.
        [RuntimeExport("abi_wcsxfrm")]
        private static ulong Wcsxfrm(int* d, int* s, ulong n)
        {
            ulong length = Wcslen(s);
            if (length < n) Wmemcpy(d, s, length + 1);
            return length;
        }

        [RuntimeExport("abi_wmemchr")]
        private static int* Wmemchr(int* s, int c, ulong n)
        {
            for (ulong i = 0; i < n; i++) if (s[i] == c) return s + i;
            return null;
        }

        [RuntimeExport("abi_wmemcmp")]
        private static int Wmemcmp(int* a, int* b, ulong n)
        {
            for (ulong i = 0; i < n; i++) if (a[i] != b[i]) return Sign(a[i], b[i]);
            return 0;
        }

        [RuntimeExport("abi_wmemcpy")]
        private static int* Wmemcpy(int* d, int* s, ulong n) { Memory.Mem.Move((byte*)d, (byte*)s, (nuint)(n * 4)); return d; }

        [RuntimeExport("abi_wmempcpy")]
        private static int* Wmempcpy(int* d, int* s, ulong n) { Memory.Mem.Move((byte*)d, (byte*)s, (nuint)(n * 4)); return d + n; }

        [RuntimeExport("abi_wmemmove")]
        private static int* Wmemmove(int* d, int* s, ulong n) { Memory.Mem.Move((byte*)d, (byte*)s, (nuint)(n * 4)); return d; }

        [RuntimeExport("abi_wmemset")]
        private static int* Wmemset(int* d, int c, ulong n) { for (ulong i = 0; i < n; i++) d[i] = c; return d; }
    }
}
