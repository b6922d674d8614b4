using Nimbus.Kernel.Diagnostics;
namespace Nimbus.Kernel.Sync
{
    // The synchronization tracepoints (kernel only; the hosted tests have a no-op stand-in).
    internal static class SyncTrace
    {
        public static Tracepoint MutexLock, MutexLockWait, MutexUnlock;

        public static void Register()
        {
            Trace.Register(ref MutexLock, "mutex_lock");
            Trace.Register(ref MutexLockWait, "mutex_lock_wait");
            Trace.Register(ref MutexUnlock, "mutex_unlock");
        }
    }
}
