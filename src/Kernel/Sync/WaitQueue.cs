namespace Nimbus.Kernel.Sync
{
    // A condition to wait for, OSv's wait_until style: the waiter states the condition as a predicate
    // over some state, evaluated with the mutex held; wakers change that state under the same mutex
    // and call WakeOne/WakeAll. Built on CondVar, so it inherits wait morphing: a woken waiter gets
    // the mutex handed to it and re-evaluates the predicate without contending. Zero-init valid.
    //
    //     m->Lock();
    //     q->WaitUntil(m, &IsReady, state);      // returns with m held and IsReady(state) true
    //     ...
    //     m->Unlock();
    public unsafe struct WaitQueue
    {
        private CondVar _cv;

        // The caller holds m. Returns (holding m) once predicate(state) is true.
        public void WaitUntil(Mutex* m, delegate*<void*, bool> predicate, void* state)
        {
            while (!predicate(state)) _cv.Wait(m);
        }

        // Same with a deadline (Parking.NowNs clock): returns predicate(state) as last evaluated,
        // false only if the deadline passed with the condition still false. Holds m either way.
        public bool WaitUntil(Mutex* m, delegate*<void*, bool> predicate, void* state, ulong deadlineNs)
        {
            while (!predicate(state))
                if (!_cv.WaitUntil(m, deadlineNs)) return predicate(state);
            return true;
        }

        public void WakeOne() => _cv.Signal();

        public void WakeAll() => _cv.Broadcast();
    }
}
