namespace Nimbus.Kernel.Sync
{
    // RAII scopes: `using (new MutexScope(m)) { ... }` locks for the block and unlocks on leaving it
    // (ref structs with a public Dispose work with `using`; no interface, no allocation).
    public unsafe ref struct MutexScope
    {
        private readonly Mutex* _m;
        public MutexScope(Mutex* m) { _m = m; m->Lock(); }
        public void Dispose() => _m->Unlock();
    }

    public unsafe ref struct ReadLockScope
    {
        private readonly RwLock* _l;
        public ReadLockScope(RwLock* l) { _l = l; l->ReadLock(); }
        public void Dispose() => _l->ReadUnlock();
    }

    public unsafe ref struct WriteLockScope
    {
        private readonly RwLock* _l;
        public WriteLockScope(RwLock* l) { _l = l; l->WriteLock(); }
        public void Dispose() => _l->WriteUnlock();
    }
}
