using System.Runtime;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Stdlib;
using Nimbus.Kernel.Libc.String;

namespace Nimbus.Kernel.Libc.Stdlib
{
    // The environment (<stdlib.h>): getenv, setenv, putenv, unsetenv, clearenv. It is an array of
    // "NAME=value" pointers; changes make a new array (malloc'd, the old one is leaked when it was
    // the initial one on the stack) and keep existing strings, since programs may hold pointers
    // into them.
    internal static unsafe class Environ
    {

        private static Sync.Mutex s_envLock;

        [RuntimeExport("abi_setenv")]
        private static int SetEnv(byte* name, byte* value, int overwrite)
        {
            if (!ValidName(name)) return LibcErrno.Fail(-Errno.EINVAL);
            fixed (Sync.Mutex* m = &s_envLock)
            {
                m->Lock();
                if (GetEnvironment(name) != null && overwrite == 0) { m->Unlock(); return 0; }
                ulong n = Strings.Length(name), v = Strings.Length(value);
                byte* entry = (byte*)Malloc.Allocate(n + v + 2);
                Nimbus.Kernel.Memory.Mem.Move(entry, name, (nuint)n);
                entry[n] = (byte)'=';
                Nimbus.Kernel.Memory.Mem.Move(entry + n + 1, value, (nuint)(v + 1));
                Put(entry, name, n);
                m->Unlock();
            }
            return 0;
        }

        [RuntimeExport("abi_putenv")]
        private static int PutEnv(byte* entry)
        {
            ulong n = 0;
            while (entry[n] != 0 && entry[n] != (byte)'=') n++;
            if (entry[n] != (byte)'=') { Unset(entry, n); return 0; }          // "NAME" alone removes it, as glibc
            fixed (Sync.Mutex* m = &s_envLock) { m->Lock(); Put(entry, entry, n); m->Unlock(); }
            return 0;
        }

        [RuntimeExport("abi_unsetenv")]
        private static int UnsetEnv(byte* name)
        {
            if (!ValidName(name)) return LibcErrno.Fail(-Errno.EINVAL);
            Unset(name, Strings.Length(name));
            return 0;
        }

        [RuntimeExport("abi_clearenv")]
        private static int ClearEnv()
        {
            var empty = (byte**)Malloc.Allocate(8);
            *empty = null;
            LibcData.Environ = empty;
            return 0;
        }

        private static bool ValidName(byte* name)
        {
            if (name == null || *name == 0) return false;
            for (byte* p = name; *p != 0; p++) if (*p == (byte)'=') return false;
            return true;
        }

        private static bool Matches(byte* entry, byte* name, ulong n) => Strings.CompareStrings(entry, name, n) == 0 && entry[n] == (byte)'=';

        // Replaces NAME's entry or appends one (caller holds the lock).
        private static void Put(byte* entry, byte* name, ulong n)
        {
            byte** env = LibcData.Environ;
            ulong count = 0;
            if (env != null)
                for (; env[count] != null; count++)
                    if (Matches(env[count], name, n)) { env[count] = entry; return; }
            var grown = (byte**)Malloc.Allocate((count + 2) * 8);
            for (ulong i = 0; i < count; i++) grown[i] = env[i];
            grown[count] = entry;
            grown[count + 1] = null;
            LibcData.Environ = grown;
        }

        private static void Unset(byte* name, ulong n)
        {
            fixed (Sync.Mutex* m = &s_envLock)
            {
                m->Lock();
                byte** env = LibcData.Environ;
                if (env != null)
                {
                    ulong w = 0;
                    for (ulong r = 0; env[r] != null; r++) if (!Matches(env[r], name, n)) env[w++] = env[r];
                    env[w] = null;
                }
                m->Unlock();
            }
        }

        [RuntimeExport("abi_getenv")]
        public static byte* GetEnvironment(byte* name)
        {
            byte** env = LibcData.Environ;
            if (env == null || name == null) return null;
            for (; *env != null; env++)
            {
                byte* e = *env, n = name;
                while (*n != 0 && *e == *n) { e++; n++; }
                if (*n == 0 && *e == (byte)'=') return e + 1;
            }
            return null;
        }
    }
}
