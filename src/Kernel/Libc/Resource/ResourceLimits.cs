using System.Runtime;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Resource
{
    // <sys/resource.h>: resource limits and usage.
    internal static unsafe class ResourceLimits
    {
        [StructLayout(LayoutKind.Sequential)]
        private struct RLimit { public ulong Current, Max; }

        // The limits are remembered (getrlimit returns what setrlimit set); RLIMIT_NOFILE is
        // enforced (no descriptor at or above its soft limit), the others only as the kernel's own
        // fixed ones: the descriptor table's size and the stacks it maps.
        private const int ResourceCount = 16;
        private struct Limits { public fixed ulong Current[ResourceCount]; public fixed ulong Max[ResourceCount]; public bool Set; }
        private static Limits s_limits;

        private static Limits* Table()
        {
            fixed (Limits* l = &s_limits)
            {
                if (!l->Set)
                {
                    for (int i = 0; i < ResourceCount; i++)
                        l->Current[i] = l->Max[i] = i switch { 3 => 8UL << 20, 4 => 0, 7 => (ulong)Fs.Vfs.MaxFiles, _ => ulong.MaxValue };
                    l->Set = true;
                }
                return l;
            }
        }

        // The descriptor table's size as the program may use it: RLIMIT_NOFILE's soft limit (glibc).
        [RuntimeExport("abi_getdtablesize")]
        private static int DescriptorTableSize() => Fs.Vfs.OpenLimit;

        [RuntimeExport("abi_getrlimit")]
        private static int Limit(int resource, RLimit* r)
        {
            if ((uint)resource >= ResourceCount) return LibcErrno.Fail(-Errno.EINVAL);
            Limits* l = Table();
            r->Current = l->Current[resource];
            r->Max = l->Max[resource];
            return 0;
        }

        [RuntimeExport("abi_setrlimit")]
        private static int SetLimit(int resource, RLimit* r)
        {
            if ((uint)resource >= ResourceCount || r->Current > r->Max) return LibcErrno.Fail(-Errno.EINVAL);
            Limits* l = Table();
            // Raising beyond what the kernel can give fails as for an unprivileged raise on Linux.
            if (resource == 7 && r->Max > (ulong)Fs.Vfs.MaxFiles) return LibcErrno.Fail(-Errno.EPERM);
            // Lowering a hard limit is for good; only root may raise one again (Linux's rule).
            if (r->Max > l->Max[resource] && Unistd.Credentials.EffectiveUid != 0) return LibcErrno.Fail(-Errno.EPERM);
            l->Current[resource] = r->Current;
            l->Max[resource] = r->Max;
            if (resource == 7) Fs.Vfs.OpenLimit = (int)r->Current;
            return 0;
        }

        // prlimit on this process (pid 0 or 1): the old limits, then the new ones, as one call.
        [RuntimeExport("abi_prlimit")]
        private static int Prlimit(int pid, int resource, RLimit* newLimit, RLimit* oldLimit)
        {
            if (pid != 0 && pid != Unistd.Identity.ProcessId) return LibcErrno.Fail(-Errno.ESRCH);
            if ((uint)resource >= ResourceCount) return LibcErrno.Fail(-Errno.EINVAL);
            RLimit old;
            Limit(resource, &old);
            if (newLimit != null && SetLimit(resource, newLimit) != 0) return -1;
            if (oldLimit != null) *oldLimit = old;
            return 0;
        }

        [RuntimeExport("abi_getrusage")]
        private static int GetRusage(int who, long* usage)
        {
            for (int i = 0; i < 18; i++) usage[i] = 0;
            ulong ns = Nimbus.Kernel.Time.Clock.NowNs();
            usage[0] = (long)(ns / 1_000_000_000);           // ru_utime
            usage[1] = (long)(ns % 1_000_000_000 / 1000);
            return 0;
        }
    }
}
