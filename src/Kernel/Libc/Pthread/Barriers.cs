using System.Runtime;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Sync;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Pthread
{
    // pthread barriers. There is no static initialiser, so pthread_barrier_init makes a kernel object
    // and the 32-byte pthread_barrier_t holds a pointer to it.
    internal static unsafe class Barriers
    {
        private const int BarrierSerialThread = -1;     // PTHREAD_BARRIER_SERIAL_THREAD

        private struct Barrier
        {
            public Mutex Lock;
            public CondVar Released;
            public uint Count, Arrived;
            public ulong Generation;                    // one more each time the barrier opens
        }

        [RuntimeExport("abi_pthread_barrier_init")]
        private static int BarrierInit(Barrier** b, void* attr, uint count)
        {
            if (count == 0) return Errno.EINVAL;
            var k = (Barrier*)KernelHeap.AllocZeroed((ulong)sizeof(Barrier));
            if (k == null) return Errno.ENOMEM;
            k->Count = count;
            *b = k;
            return 0;
        }

        [RuntimeExport("abi_pthread_barrier_destroy")]
        private static int BarrierDestroy(Barrier** b)
        {
            Barrier* k = *b;
            if (k == null) return Errno.EINVAL;
            using (new MutexScope(&k->Lock))
                if (k->Arrived != 0) return Errno.EBUSY;
            *b = null;
            KernelHeap.Free(k);
            return 0;
        }

        // The last thread to arrive opens the barrier for everyone and gets PTHREAD_BARRIER_SERIAL_THREAD.
        [RuntimeExport("abi_pthread_barrier_wait")]
        private static int BarrierWait(Barrier** b)
        {
            Barrier* k = *b;
            if (k == null) return Errno.EINVAL;
            using (new MutexScope(&k->Lock))
            {
                ulong generation = k->Generation;
                if (++k->Arrived == k->Count)
                {
                    k->Arrived = 0;
                    k->Generation++;
                    k->Released.Broadcast();
                    return BarrierSerialThread;
                }
                while (k->Generation == generation) k->Released.Wait(&k->Lock);
                return 0;
            }
        }

        [RuntimeExport("abi_pthread_barrierattr_init")]
        private static int BarrierAttrInit(int* a) { *a = 0; return 0; }
        [RuntimeExport("abi_pthread_barrierattr_destroy")]
        private static int BarrierAttrDestroy(int* a) => 0;
    }
}
