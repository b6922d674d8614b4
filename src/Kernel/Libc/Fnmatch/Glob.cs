// <glob.h>: glob and globfree over the file system, as glibc: the pattern is split at '/', each
// component with a wildcard is matched against its directory's entries with fnmatch (a leading
// period only explicitly unless GLOB_PERIOD), the others are taken as they are and must exist.
// GLOB_ERR, GLOB_MARK, GLOB_NOSORT, GLOB_DOOFFS, GLOB_NOCHECK, GLOB_APPEND, GLOB_NOESCAPE,
// GLOB_PERIOD, GLOB_NOMAGIC and GLOB_ONLYDIR are honoured; GLOB_ALTDIRFUNC, and GLOB_BRACE and
// GLOB_TILDE when the pattern uses them, return GLOB_NOSYS.
using System.Runtime;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Libc.Dirent;
using Nimbus.Kernel.Libc.Stat;
using Nimbus.Kernel.Libc.Stdlib;
using Nimbus.Kernel.Libc.String;

namespace Nimbus.Kernel.Libc.Fnmatch
{
    internal static unsafe class Glob
    {
        // glibc's glob_t (72 bytes on x86-64); the directory callbacks after Flags are not used.
        internal struct GlobT
        {
            public ulong Count;
            public byte** Paths;
            public ulong Offset;
            public int Flags;
        }

        private const int Err = 1, Mark = 2, NoSort = 4, DoOffs = 8, NoCheck = 16, AppendFlag = 32, NoEscape = 64,
            Period = 128, MagChar = 256, AltDirFunc = 512, Brace = 1024, NoMagic = 2048, Tilde = 4096, OnlyDir = 8192,
            TildeCheck = 16384;
        private const int NoSpace = 1, Aborted = 2, NoMatch = 3, NoSys = 4;
        private const int PathMax = 4096;

        // The matches found so far, in a growing malloc'ed array of malloc'ed strings.
        private struct Results
        {
            public byte** Items;
            public ulong Count, Capacity;
            public bool OutOfMemory, Aborted;
            public int Flags;
            public delegate* unmanaged<byte*, int, int> OnError;
        }

        [RuntimeExport("abi_glob")]
        public static int Run(byte* pattern, int flags, delegate* unmanaged<byte*, int, int> onError, GlobT* g)
        {
            if ((flags & AltDirFunc) != 0 || ((flags & Brace) != 0 && Strings.Length(pattern) > 0 && Contains(pattern, (byte)'{'))
                || ((flags & (Tilde | TildeCheck)) != 0 && *pattern == '~'))
                return NoSys;
            if ((flags & AppendFlag) == 0)
            {
                g->Count = 0;
                g->Paths = null;
            }
            if ((flags & DoOffs) == 0) g->Offset = 0;
            byte* original = pattern;
            Results r = default;
            r.Flags = flags;
            r.OnError = onError;
            byte* path = (byte*)Malloc.Allocate(PathMax + 1);
            if (path == null) return NoSpace;
            int length = 0;
            if (*pattern == '/') { path[0] = (byte)'/'; length = 1; while (*pattern == '/') pattern++; }
            path[length] = 0;
            bool magic = HasMagic(pattern, flags);
            Expand(path, length, pattern, &r);
            Malloc.Free(path);
            if (magic) g->Flags = flags | MagChar; else g->Flags = flags;
            if (r.OutOfMemory) { FreeResults(&r); return NoSpace; }
            if (r.Aborted) { FreeResults(&r); return Aborted; }
            if (r.Count == 0)
            {
                if ((flags & NoCheck) == 0 && !((flags & NoMagic) != 0 && !magic)) return NoMatch;
                byte* copy = Copy(original);
                if (copy == null || !Add(&r, copy)) { FreeResults(&r); return NoSpace; }
            }
            else if ((flags & NoSort) == 0) Sort(r.Items, r.Count);
            return Publish(g, &r) ? 0 : NoSpace;
        }

        [RuntimeExport("abi_globfree")]
        public static void Free(GlobT* g)
        {
            if (g->Paths == null) return;
            for (ulong i = 0; i < g->Count; i++) Malloc.Free(g->Paths[g->Offset + i]);
            Malloc.Free(g->Paths);
            g->Paths = null;
        }

        // Adds the matches of `rest` (components still to match) below path[0..length).
        private static void Expand(byte* path, int length, byte* rest, Results* r)
        {
            if (r->OutOfMemory || r->Aborted) return;
            byte* end = rest;
            while (*end != 0 && *end != '/') end++;
            byte* next = end;
            while (*next == '/') next++;
            bool last = *next == 0;
            bool wantDirectory = !last || *end == '/' || (r->Flags & OnlyDir) != 0;
            int componentLength = (int)(end - rest);
            if (componentLength == 0) { Found(path, length, true, false, r); return; }

            if (!HasMagicIn(rest, end, r->Flags))
            {
                // A plain name: no directory read; it must exist (checked with the full path at the end).
                int n = Append(path, length, rest, end, r->Flags);
                if (n < 0) return;
                if (last) Found(path, n, wantDirectory, *end == '/', r);
                else Expand(path, AppendSlash(path, n), next, r);
                path[length] = 0;
                return;
            }

            byte* component = (byte*)Malloc.Allocate((ulong)componentLength + 1);
            if (component == null) { r->OutOfMemory = true; return; }
            for (int i = 0; i < componentLength; i++) component[i] = rest[i];
            component[componentLength] = 0;
            DirStream* d = DirStreams.Opendir(length == 0 ? (byte*)Strings.Literal("."u8) : path);
            if (d == null)
            {
                int error = LibcErrno.Get();
                if ((r->OnError != null && r->OnError(length == 0 ? (byte*)Strings.Literal("."u8) : path, error) != 0)
                    || ((r->Flags & Err) != 0 && error != Errno.ENOENT && error != Errno.ENOTDIR))
                    r->Aborted = true;
                Malloc.Free(component);
                return;
            }
            // glibc expands directory components without GLOB_PERIOD: it applies to the last name only.
            bool periodOk = (r->Flags & Period) != 0 && last && *end != '/';
            int matchFlags = ((r->Flags & NoEscape) != 0 ? Fnmatch.NoEscape : 0) | (periodOk ? 0 : Fnmatch.Period);
            LinuxDirent* e;
            while ((e = DirStreams.Read(d)) != null && !r->OutOfMemory && !r->Aborted)
            {
                byte* name = e->Name;
                if (!Fnmatch.Matches(component, name, matchFlags)) continue;
                int n = AppendName(path, length, name);
                if (n < 0) continue;
                if (last) Found(path, n, wantDirectory, *end == '/', r);
                else if (e->Type == 4 || e->Type == 0 || e->Type == 10) Expand(path, AppendSlash(path, n), next, r);
                path[length] = 0;
            }
            DirStreams.Closedir(d);
            Malloc.Free(component);
        }

        // path[0..length) matched: kept if it exists (and is a directory when one is wanted); a pattern
        // ending in '/' keeps the slash, and GLOB_MARK adds one to a directory.
        private static void Found(byte* path, int length, bool wantDirectory, bool slash, Results* r)
        {
            path[length] = 0;
            LinuxStat st;
            if (FileStatus.StatAt(Vfs.AtFdCwd, length == 0 ? (byte*)Strings.Literal("."u8) : path, &st, 0) != 0)
            {
                // A dangling symbolic link still matches a wildcard, as in glibc.
                if (FileStatus.StatAt(Vfs.AtFdCwd, path, &st, Names.AtSymlinkNoFollow) != 0 || wantDirectory) return;
            }
            bool directory = (st.Mode & 0xF000) == 0x4000;
            if (wantDirectory && !directory) return;
            bool mark = (r->Flags & Mark) != 0 && directory && (length == 0 || path[length - 1] != '/');
            byte* copy = (byte*)Malloc.Allocate((ulong)length + 3);
            if (copy == null) { r->OutOfMemory = true; return; }
            for (int i = 0; i < length; i++) copy[i] = path[i];
            if (slash) copy[length++] = (byte)'/';
            if (mark) copy[length++] = (byte)'/';           // after a pattern's slash too: "dir//", as glibc
            copy[length] = 0;
            if (!Add(r, copy)) { Malloc.Free(copy); r->OutOfMemory = true; }
        }

        private static bool Add(Results* r, byte* item)
        {
            if (r->Count == r->Capacity)
            {
                ulong capacity = r->Capacity == 0 ? 16 : r->Capacity * 2;
                var items = (byte**)Malloc.Reallocate(r->Items, capacity * (ulong)sizeof(byte*));
                if (items == null) return false;
                r->Items = items;
                r->Capacity = capacity;
            }
            r->Items[r->Count++] = item;
            return true;
        }

        private static void FreeResults(Results* r)
        {
            for (ulong i = 0; i < r->Count; i++) Malloc.Free(r->Items[i]);
            Malloc.Free(r->Items);
        }

        // gl_pathv: gl_offs nulls, the old entries (GLOB_APPEND), the new ones, a null.
        private static bool Publish(GlobT* g, Results* r)
        {
            ulong old = g->Paths != null ? g->Count : 0;
            ulong total = g->Offset + old + r->Count + 1;
            var paths = (byte**)Malloc.Reallocate(g->Paths, total * (ulong)sizeof(byte*));
            if (paths == null) { FreeResults(r); return false; }
            if (g->Paths == null) for (ulong i = 0; i < g->Offset; i++) paths[i] = null;
            for (ulong i = 0; i < r->Count; i++) paths[g->Offset + old + i] = r->Items[i];
            paths[total - 1] = null;
            g->Paths = paths;
            g->Count = old + r->Count;
            Malloc.Free(r->Items);
            return true;
        }

        private static int Append(byte* path, int length, byte* from, byte* to, int flags)
        {
            for (byte* p = from; p < to; p++)
            {
                if (*p == '\\' && (flags & NoEscape) == 0 && p + 1 < to) p++;
                if (length >= PathMax) return -1;
                path[length++] = *p;
            }
            path[length] = 0;
            return length;
        }

        private static int AppendName(byte* path, int length, byte* name)
        {
            for (; *name != 0; name++)
            {
                if (length >= PathMax) return -1;
                path[length++] = *name;
            }
            path[length] = 0;
            return length;
        }

        private static int AppendSlash(byte* path, int length)
        {
            if (length < PathMax) path[length++] = (byte)'/';
            path[length] = 0;
            return length;
        }

        private static bool HasMagic(byte* p, int flags) => HasMagicIn(p, p + Strings.Length(p), flags);

        private static bool HasMagicIn(byte* p, byte* end, int flags)
        {
            for (; p < end; p++)
            {
                if (*p == '\\' && (flags & NoEscape) == 0 && p + 1 < end) { p++; continue; }
                if (*p == '*' || *p == '?' || *p == '[') return true;
            }
            return false;
        }

        private static bool Contains(byte* p, byte c)
        {
            for (; *p != 0; p++) if (*p == c) return true;
            return false;
        }

        // GLOB_NOCHECK returns the pattern itself (glibc keeps its backslashes).
        private static byte* Copy(byte* pattern)
        {
            ulong n = Strings.Length(pattern);
            byte* copy = (byte*)Malloc.Allocate(n + 1);
            if (copy == null) return null;
            for (ulong i = 0; i <= n; i++) copy[i] = pattern[i];
            return copy;
        }

        // Byte order (strcmp, the C locale's collation); in place, heap sort: no allocation, n log n.
        private static void Sort(byte** a, ulong n)
        {
            for (ulong i = n / 2; i-- > 0;) SiftDown(a, i, n);
            for (ulong end = n; end-- > 1;)
            {
                byte* t = a[0]; a[0] = a[end]; a[end] = t;
                SiftDown(a, 0, end);
            }
        }

        private static void SiftDown(byte** a, ulong i, ulong n)
        {
            while (true)
            {
                ulong child = 2 * i + 1;
                if (child >= n) return;
                if (child + 1 < n && Strings.CompareStrings(a[child + 1], a[child], ulong.MaxValue) > 0) child++;
                if (Strings.CompareStrings(a[i], a[child], ulong.MaxValue) >= 0) return;
                byte* t = a[i]; a[i] = a[child]; a[child] = t;
                i = child;
            }
        }
    }
}
