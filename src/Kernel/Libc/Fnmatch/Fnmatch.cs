// <fnmatch.h>: fnmatch over bytes in the C locale, as glibc: `*`, `?`, bracket expressions (ranges,
// `!`/`^` negation, [:class:], [=c=], [.c.]), backslash escapes, and the flags FNM_PATHNAME, FNM_PERIOD,
// FNM_NOESCAPE, FNM_LEADING_DIR and FNM_CASEFOLD. One backtracking point (the last `*`), so matching
// takes at most pattern x string steps whatever the pattern. FNM_EXTMATCH's ksh patterns are refused
// with -1 (glibc's error return).
using System.Runtime;
using Nimbus.Kernel.Libc.Ctype;

namespace Nimbus.Kernel.Libc.Fnmatch
{
    internal static unsafe class Fnmatch
    {
        public const int NoMatch = 1;
        public const int Pathname = 1, NoEscape = 2, Period = 4, LeadingDir = 8, CaseFold = 16, ExtMatch = 32;

        [RuntimeExport("abi_fnmatch")]
        public static int Match(byte* pattern, byte* text, int flags)
        {
            if ((flags & ExtMatch) != 0 && HasExtendedPattern(pattern)) return -1;
            return Matches(pattern, text, flags) ? 0 : NoMatch;
        }

        public static bool Matches(byte* p, byte* s, int flags)
        {
            byte* start = s;
            byte* starP = null, starS = null;
            while (true)
            {
                if (*p == '*')
                {
                    while (*p == '*') p++;
                    // A leading period must be matched by a period, not even after an empty star; no
                    // earlier star can take it (with FNM_PATHNAME none reaches past the '/' before it).
                    if (IsLeadingPeriod(s, start, flags)) return false;
                    // glibc looks for the byte after a star only before the next '/', so with
                    // FNM_PATHNAME an escaped '/' there never matches.
                    if ((flags & (Pathname | NoEscape)) == Pathname && p[0] == '\\' && p[1] == '/') return false;
                    starP = p;
                    starS = s;
                    continue;
                }
                if (*p == 0)
                {
                    if (*s == 0 || ((flags & LeadingDir) != 0 && *s == '/')) return true;
                }
                else if (*s != 0)
                {
                    int length = MatchOne(p, s, start, flags);
                    if (length > 0) { p += length; s++; continue; }
                }
                // Mismatch: the last star takes one more byte (never a '/' with FNM_PATHNAME).
                if (starP == null || *starS == 0 || ((flags & Pathname) != 0 && *starS == '/')) return false;
                starS++;
                p = starP;
                s = starS;
            }
        }

        private static bool IsLeadingPeriod(byte* s, byte* start, int flags) =>
            (flags & Period) != 0 && *s == '.' && (s == start || ((flags & Pathname) != 0 && s[-1] == '/'));

        private static int Fold(int c, int flags) => (flags & CaseFold) != 0 ? CharClasses.LowerOf(c) : c;

        // The pattern element at p against the byte at s: its length in the pattern, or 0 for no match.
        private static int MatchOne(byte* p, byte* s, byte* start, int flags)
        {
            byte c = *s;
            bool slashIsSpecial = (flags & Pathname) != 0 && c == '/';
            switch (*p)
            {
                case (byte)'?':
                    return slashIsSpecial || IsLeadingPeriod(s, start, flags) ? 0 : 1;
                case (byte)'[':
                {
                    int length = MatchBracket(p, c, flags, out bool matched);
                    if (length == 0) break;                  // no closing ']': a literal '['
                    if (length < 0) return 0;                // a [. or [= without its end matches nothing
                    return matched && !slashIsSpecial && !IsLeadingPeriod(s, start, flags) ? length : 0;
                }
                case (byte)'\\':
                    if ((flags & NoEscape) != 0) break;
                    if (p[1] == 0) return 0;                 // a trailing backslash matches nothing (glibc)
                    return Fold(p[1], flags) == Fold(c, flags) ? 2 : 0;
            }
            return Fold(*p, flags) == Fold(c, flags) ? 1 : 0;
        }

        // A bracket expression at p ('['): its length (0 when it has no closing ']', -1 when a [. or [=
        // has no end) and whether c is in it.
        private static int MatchBracket(byte* p, byte c, int flags, out bool matched)
        {
            matched = false;
            byte* q = p + 1;
            bool negate = *q == '!' || *q == '^';
            if (negate) q++;
            bool first = true, found = false;
            while (true)
            {
                if (*q == 0) return 0;
                if (*q == ']' && !first) break;
                first = false;
                if (*q == '[' && q[1] == ':')
                {
                    byte* end = FindTerminator(q + 2, (byte)':');
                    if (end != null)
                    {
                        if (InClass(q + 2, end, c)) found = true;
                        q = end + 2;
                        continue;
                    }
                }
                bool symbol = *q == '[' && q[1] == '.';
                if (*q == '[' && (q[1] == '.' || q[1] == '=') && FindTerminator(q + 2, q[1]) == null) return -1;
                if (!Endpoint(ref q, flags, out int low)) return 0;
                int high = low;
                if (*q == '-' && q[1] != ']' && q[1] != 0)
                {
                    q++;
                    if (*q == '[' && (q[1] == '.' || q[1] == '=') && FindTerminator(q + 2, q[1]) == null) return -1;
                    if (!Endpoint(ref q, flags, out high)) return 0;
                    symbol = false;
                }
                int fold = symbol ? 0 : flags;              // glibc: a lone [.c.] is compared unfolded
                if (InRange(Fold(c, fold), Fold(low, fold), Fold(high, fold))) found = true;
            }
            matched = found != negate;
            return (int)(q + 1 - p);
        }

        private static bool InRange(int c, int low, int high) => c >= low && c <= high;

        // One byte of a bracket expression: plain, escaped, or [.c.] / [=c=] (one byte in the C locale).
        private static bool Endpoint(ref byte* q, int flags, out int value)
        {
            if (*q == '[' && (q[1] == '.' || q[1] == '='))
            {
                byte* end = FindTerminator(q + 2, q[1]);
                if (end != null)
                {
                    value = q[2];
                    bool single = end == q + 3;
                    q = end + 2;
                    return single;                           // multi-byte collating elements: none here
                }
            }
            if (*q == '\\' && (flags & NoEscape) == 0 && q[1] != 0) { value = q[1]; q += 2; return true; }
            value = *q;
            q++;
            return true;
        }

        // The `kind` of "kind]" ending a [:class:], [.c.] or [=c=] that starts at q, or null.
        private static byte* FindTerminator(byte* q, byte kind)
        {
            for (; *q != 0; q++)
                if (*q == kind && q[1] == ']') return q;
            return null;
        }

        private static bool InClass(byte* name, byte* end, byte c)
        {
            ushort mask = ClassMask(name, (int)(end - name));
            return (CharClasses.ClassOf(c) & mask) != 0;    // glibc: a class sees the byte unfolded
        }

        private static ushort ClassMask(byte* name, int length)
        {
            if (Is(name, length, "alnum"u8)) return CharClasses.ClassAlnum;
            if (Is(name, length, "alpha"u8)) return CharClasses.ClassAlpha;
            if (Is(name, length, "blank"u8)) return CharClasses.ClassBlank;
            if (Is(name, length, "cntrl"u8)) return CharClasses.ClassCntrl;
            if (Is(name, length, "digit"u8)) return CharClasses.ClassDigit;
            if (Is(name, length, "graph"u8)) return CharClasses.ClassGraph;
            if (Is(name, length, "lower"u8)) return CharClasses.ClassLower;
            if (Is(name, length, "print"u8)) return CharClasses.ClassPrint;
            if (Is(name, length, "punct"u8)) return CharClasses.ClassPunct;
            if (Is(name, length, "space"u8)) return CharClasses.ClassSpace;
            if (Is(name, length, "upper"u8)) return CharClasses.ClassUpper;
            if (Is(name, length, "xdigit"u8)) return CharClasses.ClassXDigit;
            return 0;                                        // unknown class: matches nothing
        }

        private static bool Is(byte* name, int length, System.ReadOnlySpan<byte> word)
        {
            if (length != word.Length) return false;
            for (int i = 0; i < length; i++)
                if (name[i] != word[i]) return false;
            return true;
        }

        // ksh's ?( *( +( @( !( under FNM_EXTMATCH.
        private static bool HasExtendedPattern(byte* p)
        {
            for (; *p != 0; p++)
                if ((*p == '?' || *p == '*' || *p == '+' || *p == '@' || *p == '!') && p[1] == '(') return true;
            return false;
        }
    }
}
