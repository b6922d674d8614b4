using System.Runtime;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Stdlib;

namespace Nimbus.Kernel.Libc.Unistd
{
    // Operations on names (<unistd.h>, <sys/stat.h>, <stdio.h>, <stdlib.h>): creating and removing
    // them (mkdir, unlink, rmdir, remove, rename), links, the working directory and realpath.
    internal static unsafe class FileNames
    {
        private const int AtFdCwd = Vfs.AtFdCwd;
        private const int PathMax = 4096;

        [RuntimeExport("abi_mkdir")]
        private static int Mkdir(byte* p, uint mode) => (int)LibcErrno.Result(Names.Mkdir(AtFdCwd, p, mode));
        [RuntimeExport("abi_mkdirat")]
        private static int Mkdirat(int dirFd, byte* p, uint mode) => (int)LibcErrno.Result(Names.Mkdir(dirFd, p, mode));
        [RuntimeExport("abi_rmdir")]
        private static int Rmdir(byte* p) => (int)LibcErrno.Result(Names.Unlink(AtFdCwd, p, Names.AtRemoveDir));
        [RuntimeExport("abi_unlink")]
        private static int Unlink(byte* p) => (int)LibcErrno.Result(Names.Unlink(AtFdCwd, p, 0));
        [RuntimeExport("abi_unlinkat")]
        private static int Unlinkat(int dirFd, byte* p, int flags) => (int)LibcErrno.Result(Names.Unlink(dirFd, p, flags));

        // remove: unlink, or rmdir for a directory.
        [RuntimeExport("abi_remove")]
        private static int Remove(byte* p)
        {
            int r = Names.Unlink(AtFdCwd, p, 0);
            if (r == -Errno.EISDIR) r = Names.Unlink(AtFdCwd, p, Names.AtRemoveDir);
            return (int)LibcErrno.Result(r);
        }

        [RuntimeExport("abi_rename")]
        private static int Rename(byte* from, byte* to) => (int)LibcErrno.Result(Names.Rename(AtFdCwd, from, AtFdCwd, to, 0));
        [RuntimeExport("abi_renameat")]
        private static int Renameat(int fromFd, byte* from, int toFd, byte* to) => (int)LibcErrno.Result(Names.Rename(fromFd, from, toFd, to, 0));
        [RuntimeExport("abi_renameat2")]
        private static int Renameat2(int fromFd, byte* from, int toFd, byte* to, uint flags) => (int)LibcErrno.Result(Names.Rename(fromFd, from, toFd, to, (int)flags));

        [RuntimeExport("abi_link")]
        private static int Link(byte* from, byte* to) => (int)LibcErrno.Result(Names.Link(AtFdCwd, from, AtFdCwd, to, 0));
        [RuntimeExport("abi_linkat")]
        private static int Linkat(int fromFd, byte* from, int toFd, byte* to, int flags) => (int)LibcErrno.Result(Names.Link(fromFd, from, toFd, to, flags));
        [RuntimeExport("abi_symlink")]
        private static int Symlink(byte* target, byte* p) => (int)LibcErrno.Result(Names.Symlink(target, AtFdCwd, p));
        [RuntimeExport("abi_symlinkat")]
        private static int Symlinkat(byte* target, int dirFd, byte* p) => (int)LibcErrno.Result(Names.Symlink(target, dirFd, p));

        [RuntimeExport("abi_readlink")]
        private static long Readlink(byte* p, byte* b, ulong size) => LibcErrno.Result(Names.Readlink(AtFdCwd, p, b, (long)size));
        [RuntimeExport("abi_readlinkat")]
        internal static long Readlinkat(int dirFd, byte* p, byte* b, ulong size) => LibcErrno.Result(Names.Readlink(dirFd, p, b, (long)size));

        [RuntimeExport("abi_chdir")]
        private static int Chdir(byte* p) => (int)LibcErrno.Result(Names.Chdir(AtFdCwd, p, 0));
        [RuntimeExport("abi_fchdir")]
        private static int Fchdir(int fd) => (int)LibcErrno.Result(Names.Chdir(fd, null, Names.AtEmptyPath));

        [RuntimeExport("abi_get_current_dir_name")]
        private static byte* GetCurrentDirName() => CurrentDirectory(null, 0);

        // getcwd; with a null buffer the result is malloc'd (size bytes, or as many as needed for 0).
        [RuntimeExport("abi_getcwd")]
        internal static byte* CurrentDirectory(byte* buffer, ulong size)
        {
            if (buffer != null && size == 0) { LibcErrno.Set(Errno.EINVAL); return null; }
            byte* scratch = stackalloc byte[PathMax];
            int n = Names.Getcwd(scratch, PathMax);
            if (LibcErrno.Failed(n)) return null;
            if (size != 0 && (ulong)n + 1 > size) { LibcErrno.Set(Errno.ERANGE); return null; }
            if (buffer == null) buffer = (byte*)Malloc.Allocate(size != 0 ? size : (ulong)n + 1);
            if (buffer == null) return null;
            Mem.Move(buffer, scratch, (nuint)n + 1);
            return buffer;
        }

        [RuntimeExport("abi_canonicalize_file_name")]
        private static byte* CanonicalizeFileName(byte* path) => Resolve(path, null);

        // realpath: into `resolved` (PATH_MAX bytes) or a malloc'd copy when it is null.
        [RuntimeExport("abi_realpath")]
        internal static byte* Resolve(byte* path, byte* resolved)
        {
            if (path == null) { LibcErrno.Set(Errno.EINVAL); return null; }
            byte* scratch = stackalloc byte[PathMax];
            int n = Names.Realpath(path, scratch, PathMax);
            if (LibcErrno.Failed(n)) return null;
            if (resolved == null) resolved = (byte*)Malloc.Allocate((ulong)n + 1);
            if (resolved == null) return null;
            Mem.Move(resolved, scratch, (nuint)n + 1);
            return resolved;
        }
    }
}
