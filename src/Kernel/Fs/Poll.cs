namespace Nimbus.Kernel.Fs
{
    // Readiness for poll and select. Regular files, directories and devices are always ready (as on
    // Linux); pipes are ready by their state. Waiting sleeps on the pipes' change queue, under the
    // pipes' lock, so a change between the check and the sleep is never missed; nothing spins.
    internal static unsafe class Poll
    {
        public const int In = 0x1, Pri = 0x2, Out = 0x4, Err = 0x8, Hup = 0x10, Nval = 0x20, RdNorm = 0x40, WrNorm = 0x100;

        // The events of fd among `events` (plus the ones always reported). Caller holds Pipes.Lock.
        public static int Events(int fd, int events)
        {
            OpenFile* f = Vfs.Acquire(fd);
            if (f == null) return Nval;
            int ready;
            if (RamFs.TypeOf(f->Node) == RamFs.TypeFifo)
            {
                int e = Pipes.Events(f->Node, (f->Flags & Vfs.OAccMode) != Vfs.ORdOnly);
                ready = e | ((e & In) != 0 ? RdNorm : 0) | ((e & Out) != 0 ? WrNorm : 0);
            }
            else ready = In | Out | RdNorm | WrNorm;
            Vfs.Put(f);
            return ready & (events | Err | Hup | Nval);
        }

        // Calls check(state) (under Pipes.Lock) until it returns true or the timeout passes
        // (timeoutNs < 0: none; 0: check once). Returns check's last answer.
        public static bool Wait(delegate*<void*, bool> check, void* state, long timeoutNs)
        {
            ulong deadline = timeoutNs > 0 ? Time.Clock.NowNs() + (ulong)timeoutNs : 0;
            Sync.Mutex* m = Pipes.Lock;
            m->Lock();
            bool ready = check(state);
            if (!ready && timeoutNs != 0) ready = Pipes.WaitForChange(m, check, state, deadline);
            m->Unlock();
            return ready;
        }
    }
}
