using System.Runtime;

namespace Nimbus.Kernel.Libc.Libgen
{
    // The last component and the directory of a path: GNU basename (<string.h>: never writes, and
    // "dir/" gives ""), POSIX basename (<libgen.h>'s __xpg_basename: trailing slashes cut) and
    // dirname, with glibc's answers for "", "/", "//" and the like. Pure logic.
    public static unsafe class PathNames
    {
        private static byte* Dot { get { fixed (byte* p = ".\0"u8) return p; } }

        private static byte* LastSlash(byte* s, byte* end)
        {
            byte* last = null;
            for (byte* p = s; p < end; p++) if (*p == '/') last = p;
            return last;
        }

        private static byte* End(byte* s) { while (*s != 0) s++; return s; }

        [RuntimeExport("abi_basename")]
        public static byte* Basename(byte* path)
        {
            byte* slash = LastSlash(path, End(path));
            return slash != null ? slash + 1 : path;
        }

        [RuntimeExport("abi___xpg_basename")]
        public static byte* XpgBasename(byte* path)
        {
            if (path == null || *path == 0) return Dot;
            byte* result = LastSlash(path, End(path));
            if (result == null) return path;
            if (result[1] != 0) return result + 1;
            while (result > path && result[-1] == '/') result--;   // trailing slashes
            if (result > path)
            {
                result[0] = 0;
                while (result > path && result[-1] != '/') result--;
                return result;
            }
            while (result[1] != 0) result++;                        // only slashes: the last one
            return result;
        }

        [RuntimeExport("abi_dirname")]
        public static byte* Dirname(byte* path)
        {
            byte* last = path != null ? LastSlash(path, End(path)) : null;
            if (last != null && last != path && last[1] == 0)
            {
                byte* run = last;
                while (run != path && run[-1] == '/') run--;
                if (run != path) last = LastSlash(path, run);
            }
            if (last == null) return Dot;
            byte* r = last;
            while (r != path && r[-1] == '/') r--;
            if (r == path) last = last == path + 1 ? last + 1 : path + 1;   // "/" (or "//" for exactly two)
            else last = r;
            last[0] = 0;
            return path;
        }
    }
}
