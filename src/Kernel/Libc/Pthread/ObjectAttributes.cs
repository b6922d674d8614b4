using System.Runtime;
using Nimbus.Kernel.Sync;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Pthread
{
    // The process-shared, protocol and robustness attributes of mutexes, condition variables, rwlocks
    // and barriers. There is one process, so a "process-shared" object simply works for all its
    // threads; the setting is kept so that the getter returns it. Priority inheritance or protection
    // and robust mutexes are not implemented: asking for them is ENOTSUP, not silently ignored.
    internal static unsafe class ObjectAttributes
    {
        private const int Shared = 0x100;               // the process-shared bit in our attribute words

        [RuntimeExport("abi_pthread_mutexattr_setpshared")]
        private static int SetShared(int* a, int shared)
        {
            if (shared != 0 && shared != 1) return Errno.EINVAL;
            *a = shared != 0 ? *a | Shared : *a & ~Shared;
            return 0;
        }

        [RuntimeExport("abi_pthread_mutexattr_getpshared")]
        private static int GetShared(int* a, int* shared) { *shared = (*a & Shared) != 0 ? 1 : 0; return 0; }

        [RuntimeExport("abi_pthread_rwlockattr_init")]
        private static int RwAttrInit(int* a) { *a = 0; return 0; }
        [RuntimeExport("abi_pthread_rwlockattr_destroy")]
        private static int RwAttrDestroy(int* a) => 0;

        // PTHREAD_PRIO_NONE (0) only.
        [RuntimeExport("abi_pthread_mutexattr_setprotocol")]
        private static int MutexAttrSetProtocol(int* a, int protocol) => protocol == 0 ? 0 : protocol == 1 || protocol == 2 ? Errno.EOPNOTSUPP : Errno.EINVAL;
        [RuntimeExport("abi_pthread_mutexattr_getprotocol")]
        private static int MutexAttrGetProtocol(int* a, int* protocol) { *protocol = 0; return 0; }
        // PTHREAD_MUTEX_STALLED (0) only.
        [RuntimeExport("abi_pthread_mutexattr_setrobust")]
        private static int MutexAttrSetRobust(int* a, int robust) => robust == 0 ? 0 : robust == 1 ? Errno.EOPNOTSUPP : Errno.EINVAL;
        [RuntimeExport("abi_pthread_mutexattr_getrobust")]
        private static int MutexAttrGetRobust(int* a, int* robust) { *robust = 0; return 0; }
    }
}
