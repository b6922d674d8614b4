using System.Diagnostics;
using Nimbus.Kernel.Diagnostics;
using Nimbus.Kernel.Sync;
using Mutex = Nimbus.Kernel.Sync.Mutex;
using Xunit;
using Xunit.Abstractions;

namespace Nimbus.Tests;

[Collection("Sync")]
public unsafe class SyncRwLockTests(ITestOutputHelper output) : IDisposable
{
    private readonly SyncHarness.NativeBlock _mem = new();
    public void Dispose() => _mem.Dispose();

    [Fact]
    public void ReadersHoldTheLockTogether() => SyncHarness.Guard(ReadersHoldTheLockTogetherBody);

    private void ReadersHoldTheLockTogetherBody()
    {
        var l = _mem.Alloc<RwLock>();
        const int Readers = 3;
        using var together = new Barrier(Readers);
        bool allMet = true;
        SyncHarness.Run(Readers, _ =>
        {
            l->ReadLock();
            // Only possible if all readers are inside at the same time.
            if (!together.SignalAndWait(TimeSpan.FromSeconds(10))) allMet = false;
            l->ReadUnlock();
        });
        Assert.True(allMet, "readers could not hold the lock at the same time");
        Assert.Equal(0, l->Readers);
    }

    private struct Shared
    {
        public long A, B;                       // written together by writers
        public int Readers, Writers, Violations;
    }

    [Fact]
    public void WritersAreExclusive() => SyncHarness.Guard(WritersAreExclusiveBody);

    private void WritersAreExclusiveBody()
    {
        var l = _mem.Alloc<RwLock>();
        var s = _mem.Alloc<Shared>();
        const int ReaderThreads = 4, WriterThreads = 2, WritesPerWriter = 30_000;
        long reads = 0, writes = 0;
        int stop = 0, writersLeft = WriterThreads;
        var sw = Stopwatch.StartNew();
        var g = new SyncHarness.Group();
        for (int w = 0; w < WriterThreads; w++)
            g.Start($"writer {w}", () =>
            {
                int i = 0;
                for (; i < WritesPerWriter; i++)
                {
                    if ((i & 255) == 0 && sw.ElapsedMilliseconds > SyncHarness.StressBudgetMs) break;
                    bool viaTry = (i & 7) == 0 && l->TryWriteLock();
                    if (!viaTry) l->WriteLock();
                    if (Interlocked.Increment(ref s->Writers) != 1 || Volatile.Read(ref s->Readers) != 0) Interlocked.Increment(ref s->Violations);
                    Assert.True(l->IsWriteLockedByCurrentThread);
                    long a = s->A;
                    if ((i & 31) == 0) Thread.SpinWait(10);
                    s->A = a + 1;
                    s->B = s->B + 1;
                    Interlocked.Decrement(ref s->Writers);
                    l->WriteUnlock();
                }
                Interlocked.Add(ref writes, i);
                Interlocked.Decrement(ref writersLeft);
            });
        for (int r = 0; r < ReaderThreads; r++)
            g.Start($"reader {r}", () =>
            {
                int i = 0;
                while (Volatile.Read(ref stop) == 0)
                {
                    bool viaTry = (++i & 3) == 0 && l->TryReadLock();
                    if (!viaTry) l->ReadLock();
                    Interlocked.Increment(ref s->Readers);
                    if (Volatile.Read(ref s->Writers) != 0) Interlocked.Increment(ref s->Violations);
                    if (s->A != s->B) Interlocked.Increment(ref s->Violations);
                    Interlocked.Decrement(ref s->Readers);
                    l->ReadUnlock();
                    Interlocked.Increment(ref reads);
                }
            });
        Assert.True(SyncHarness.WaitFor(() => Volatile.Read(ref writersLeft) == 0, TimeSpan.FromSeconds(20)), $"writers did not finish (A = {s->A})");
        Volatile.Write(ref stop, 1);
        g.Join();
        output.WriteLine($"{writes} writes and {reads} reads in {sw.ElapsedMilliseconds} ms");
        Assert.Equal(0, s->Violations);
        Assert.Equal(writes, s->A);
        Assert.True(writes >= 1000, $"only {writes} writes");
        Assert.Equal(s->A, s->B);
        Assert.True(reads > 0);
        Assert.Equal(0, l->Readers);
        Assert.False(l->IsWriteLocked);
    }

    // Readers that keep the lock continuously read-held (always at least one inside) must not
    // starve a writer; and a stream of writers must not starve a reader.
    [Fact]
    public void NeitherWritersNorReadersStarve() => SyncHarness.Guard(NeitherWritersNorReadersStarveBody);

    private void NeitherWritersNorReadersStarveBody()
    {
        var l = _mem.Alloc<RwLock>();
        int stop = 0;
        var g = new SyncHarness.Group();
        for (int r = 0; r < 4; r++)
            g.Start($"reader {r}", () =>
            {
                while (Volatile.Read(ref stop) == 0)
                {
                    l->ReadLock();
                    Thread.SpinWait(2000);
                    l->ReadUnlock();
                }
            });
        Thread.Sleep(50);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 20; i++)
        {
            l->WriteLock();
            Assert.Equal(0, l->Readers);
            l->WriteUnlock();
        }
        long writerMs = sw.ElapsedMilliseconds;
        Volatile.Write(ref stop, 1);
        g.Join();
        output.WriteLine($"20 write locks against 4 overlapping readers: {writerMs} ms");
        Assert.True(writerMs < 10_000, $"writer starved: {writerMs} ms");

        stop = 0;
        var writers = new SyncHarness.Group();
        for (int w = 0; w < 3; w++)
            writers.Start($"writer {w}", () =>
            {
                while (Volatile.Read(ref stop) == 0)
                {
                    l->WriteLock();
                    Thread.SpinWait(2000);
                    l->WriteUnlock();
                }
            });
        Thread.Sleep(50);
        sw.Restart();
        for (int i = 0; i < 20; i++)
        {
            l->ReadLock();
            Assert.False(l->IsWriteLocked);
            l->ReadUnlock();
        }
        long readerMs = sw.ElapsedMilliseconds;
        Volatile.Write(ref stop, 1);
        writers.Join();
        output.WriteLine($"20 read locks against 3 writers: {readerMs} ms");
        Assert.True(readerMs < 10_000, $"reader starved: {readerMs} ms");
    }

    [Fact]
    public void TryLocksAndOwnership() => SyncHarness.Guard(TryLocksAndOwnershipBody);

    private void TryLocksAndOwnershipBody()
    {
        var l = _mem.Alloc<RwLock>();
        Assert.True(l->TryReadLock());
        Assert.True(l->TryReadLock());
        Assert.Equal(2, l->Readers);
        Assert.False(l->TryWriteLock());
        l->ReadUnlock();
        l->ReadUnlock();
        Assert.True(l->TryWriteLock());
        Assert.True(l->IsWriteLockedByCurrentThread);
        Assert.False(l->TryReadLock());
        Assert.False(l->TryWriteLock());
        Assert.Contains("not recursive", Assert.Throws<KernelPanicException>(() => l->WriteLock()).Message);
        Assert.Contains("would deadlock", Assert.Throws<KernelPanicException>(() => l->ReadLock()).Message);
        Exception? e = null;
        SyncHarness.Run(1, _ =>
        {
            try { l->WriteUnlock(); } catch (KernelPanicException p) { e = p; }
        });
        Assert.NotNull(e);
        Assert.True(l->IsWriteLocked);
        l->WriteUnlock();
        Assert.Throws<KernelPanicException>(() => l->ReadUnlock());
        Assert.Throws<KernelPanicException>(() => l->WriteUnlock());
        using (new ReadLockScope(l)) Assert.Equal(1, l->Readers);
        using (new WriteLockScope(l)) Assert.True(l->IsWriteLocked);
        Assert.Equal(0, l->Readers);
        Assert.False(l->IsWriteLocked);
    }

    // A writer waiting behind readers blocks new readers (they queue), and when it is done the
    // queued readers are admitted together.
    [Fact]
    public void WaitingWriterHoldsBackNewReaders() => SyncHarness.Guard(WaitingWriterHoldsBackNewReadersBody);

    private void WaitingWriterHoldsBackNewReadersBody()
    {
        var l = _mem.Alloc<RwLock>();
        l->ReadLock();
        int writerIn = 0, lateReaderIn = 0;
        var g = new SyncHarness.Group();
        g.StartParked("writer", () => { l->WriteLock(); Volatile.Write(ref writerIn, 1); Thread.Sleep(50); l->WriteUnlock(); });
        Assert.False(l->TryReadLock());                 // a writer is waiting
        g.Start("late reader", () => { l->ReadLock(); Volatile.Write(ref lateReaderIn, Volatile.Read(ref writerIn) == 1 ? 1 : 2); l->ReadUnlock(); });
        Thread.Sleep(50);
        Assert.Equal(0, Volatile.Read(ref writerIn));
        Assert.Equal(0, Volatile.Read(ref lateReaderIn));
        l->ReadUnlock();                                // the writer goes first, then the late reader
        g.Join(TimeSpan.FromSeconds(10));
        Assert.Equal(1, writerIn);
        Assert.Equal(1, lateReaderIn);
        Assert.Equal(0, l->Readers);
        Assert.False(l->IsWriteLocked);
    }
}
