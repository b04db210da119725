using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Delight.Numerics;

/// <summary>
/// One piece of parallel work, split into numbered parts. The object is reused across calls (no closure or
/// delegate per call); <see cref="Execute"/> must be safe to call for different parts on different threads at once.
/// </summary>
public interface IParallelJob
{
    void Execute(int part);
}

/// <summary>
/// A small persistent fork-join pool for short, compute-bound jobs (a GEMM of tens of microseconds):
/// <see cref="ThreadCount"/> − 1 background workers plus the calling thread, which runs parts too and returns when
/// all parts are done. Parts are claimed dynamically (an atomic counter), each exactly once.
/// <para>
/// Waiting: an idle worker spins for <see cref="SpinMicroseconds"/> after its last part, so back-to-back calls are
/// picked up in about a microsecond, and then blocks on its own semaphore until the next call wakes it. The caller
/// likewise spins, then blocks, while the last parts finish. <see cref="Run"/> allocates nothing.
/// </para>
/// <para>
/// Concurrency: one <see cref="Run"/> at a time owns the workers. A call made while the pool is busy — from another
/// thread, or from inside a part of any pool's job (nesting, see <see cref="InParallelPart"/>) — does not wait: it
/// runs all its parts serially on its own thread. So concurrent callers are safe and never deadlock; they only lose
/// the parallelism.
/// </para>
/// </summary>
public sealed class WorkerPool : IDisposable
{
    /// <summary>
    /// The process-wide pool: <see cref="Environment.ProcessorCount"/> threads, or <c>DELIGHT_THREADS</c> when that is
    /// set to a positive integer (1 = no workers, everything serial on the caller).
    /// </summary>
    public static WorkerPool Shared { get; } = new(DefaultThreadCount(), "Delight worker");

    /// <summary>The thread count <see cref="Shared"/> uses.</summary>
    public static int DefaultThreadCount()
    {
        var text = Environment.GetEnvironmentVariable("DELIGHT_THREADS");
        if (!string.IsNullOrWhiteSpace(text))
        {
            if (!int.TryParse(text, out var requested) || requested < 1)
                throw new ArgumentException($"DELIGHT_THREADS='{text}' must be a positive integer.");
            return Math.Min(requested, Environment.ProcessorCount);
        }
        return Environment.ProcessorCount;
    }

    sealed class Worker
    {
        public readonly SemaphoreSlim Wake = new(0);
        public int Sleeping; // 1 while the worker is (about to be) blocked on Wake; whoever resets it to 0 owns the Release
        public Thread? Thread;
    }

    readonly Worker[] _workers;
    readonly SemaphoreSlim _callerWake = new(0);
    int _callerSleeping;
    int _busy;
    volatile bool _disposed;

    // High 32 bits: generation (two per Run: a closed one while the fields change, then the open one); low 32 bits:
    // next part to claim. Claiming is one CAS on the whole word, so a part can only be claimed in the generation it
    // belongs to.
    long _state;
    IParallelJob? _job;
    int _partCount;
    int _completed;
    Exception? _error;

    /// <param name="threadCount">total threads including the caller; 1 makes every <see cref="Run"/> serial</param>
    public WorkerPool(int threadCount, string name = "WorkerPool worker")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        ThreadCount = threadCount;
        _workers = new Worker[threadCount - 1];
        for (var w = 0; w < _workers.Length; w++)
        {
            var worker = new Worker();
            worker.Thread = new Thread(WorkerLoop) { IsBackground = true, Name = $"{name} {w + 1}" };
            _workers[w] = worker;
            worker.Thread.Start(worker);
        }
    }

    /// <summary>Threads that run parts: the workers plus the caller.</summary>
    public int ThreadCount { get; }

    /// <summary>
    /// How long an idle thread busy-waits for the next part or call before it blocks. Default 300 µs: longer than the
    /// gap between the parallel calls of a small model's step (an MNIST step is about 400 µs, its GEMMs 60–150 µs), so a
    /// training loop finds its worker awake. A worker that has blocked costs a wake-up, and on a virtual machine whose
    /// idle vCPU the host has descheduled that took hundreds of microseconds (measured: with 100 µs, the MNIST step's
    /// splits lost to serial and two threads ran it 11 % slower than with 300 µs).
    /// </summary>
    public double SpinMicroseconds
    {
        get => _spinTicks * 1e6 / Stopwatch.Frequency;
        set => _spinTicks = (long)(Math.Max(0, value) * Stopwatch.Frequency / 1e6);
    }
    long _spinTicks = 300 * Stopwatch.Frequency / 1_000_000;

    /// <summary>True while a <see cref="Run"/> owns the workers (a concurrent Run would then execute serially).</summary>
    public bool IsBusy => Volatile.Read(ref _busy) != 0;

    [ThreadStatic] static int t_partDepth;

    /// <summary>
    /// True on a thread that is running a part of some pool's job. Kernels check it to stay serial inside a part: the
    /// work is already split at a coarser level (rows, sequences, independent tasks), and a nested split would only
    /// run serially anyway.
    /// </summary>
    public static bool InParallelPart => t_partDepth > 0;

    /// <summary>
    /// Runs <c>job.Execute(part)</c> once for each part in [0, partCount), spread over the workers and the calling
    /// thread, and returns when all are done. The first exception a part throws is rethrown here, after all parts
    /// have finished or failed.
    /// </summary>
    public void Run(int partCount, IParallelJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (partCount <= 0) return;
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (partCount == 1)
        {
            job.Execute(0); // one part: no split happened, so nested work may still use the pool
            return;
        }
        if (_workers.Length == 0 || InParallelPart || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            t_partDepth++;
            try
            {
                for (var part = 0; part < partCount; part++) job.Execute(part);
            }
            finally
            {
                t_partDepth--;
            }
            return;
        }
        try
        {
            // Close the last call's generation before touching the fields. A worker still in RunParts of that call may
            // have read its state (all parts taken) and be about to read _partCount: if it read this call's larger
            // count while the old state was still current, its CAS would succeed, and it would run a part of *this*
            // job under the old generation — a part run twice (a GEMM that accumulates adds twice) and counted into
            // this call, whose count then overshoots and the caller waits forever. Once the state is closed (a
            // generation of its own, no part left to claim) with a full fence, any such CAS fails.
            var generation = (int)(_state >> 32) + 2;
            Interlocked.Exchange(ref _state, ((long)(generation - 1) << 32) | int.MaxValue);
            _job = job;
            _partCount = partCount;
            _completed = 0;
            _error = null;
            TestHookBeforePublish?.Invoke();
            Volatile.Write(ref _state, (long)generation << 32); // publishes the fields above
            var wanted = partCount - 1;
            for (var w = 0; w < _workers.Length && wanted > 0; w++, wanted--)
            {
                var worker = _workers[w];
                if (Interlocked.Exchange(ref worker.Sleeping, 0) == 1) worker.Wake.Release();
            }
            RunParts(generation);
            WaitForCompletion(partCount);
            _job = null;
            if (_error is { } error)
            {
                _error = null;
                ExceptionDispatchInfo.Capture(error).Throw();
            }
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>
    /// Test hooks into the claim protocol, null outside tests: called on a thread in <see cref="RunParts"/> right after
    /// it reads the state word, and on the caller just before a call's state is published. With them a test can hold a
    /// worker inside the window between those two points, which the OS almost never does, and check what it claims.
    /// </summary>
    internal Action<long>? TestHookStateRead { get; set; }

    /// <inheritdoc cref="TestHookStateRead"/>
    internal Action? TestHookBeforePublish { get; set; }

    /// <summary>Claims and runs parts of <paramref name="generation"/> until none are left.</summary>
    void RunParts(int generation)
    {
        while (true)
        {
            var state = Volatile.Read(ref _state);
            TestHookStateRead?.Invoke(state);
            if ((int)(state >> 32) != generation) return;
            var part = (int)state;
            if (part >= Volatile.Read(ref _partCount)) return;
            if (Interlocked.CompareExchange(ref _state, state + 1, state) != state) continue;
            // This part of this generation is now ours; Run cannot move on until we count it, so _job is current.
            t_partDepth++;
            try
            {
                _job!.Execute(part);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }
            finally
            {
                t_partDepth--;
            }
            if (Interlocked.Increment(ref _completed) == _partCount && Interlocked.Exchange(ref _callerSleeping, 0) == 1)
                _callerWake.Release();
        }
    }

    void WaitForCompletion(int partCount)
    {
        if (Volatile.Read(ref _completed) == partCount) return;
        var start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetTimestamp() - start < _spinTicks)
        {
            for (var i = 0; i < 16; i++)
            {
                if (Volatile.Read(ref _completed) == partCount) return;
                Thread.SpinWait(1);
            }
            Thread.Yield(); // lets a preempted worker that is queued on this core finish its part
        }
        // A wake-up is a hint, not proof: the finisher of an *earlier* call can be preempted between counting its part
        // and taking the flag, take this call's flag later and release once. Consuming that stale release and returning
        // would leave parts running (and their late counts would spoil the next call's, which can then wait forever),
        // so after every wake-up the count is checked again and the caller sleeps again while parts are left.
        while (true)
        {
            Interlocked.Exchange(ref _callerSleeping, 1);
            // Completed in the meantime: take the flag back, or, if the finisher already took it, consume its Release.
            if (Volatile.Read(ref _completed) == partCount)
            {
                if (Interlocked.Exchange(ref _callerSleeping, 0) == 1) return;
                _callerWake.Wait();
                return;
            }
            _callerWake.Wait();
            if (Volatile.Read(ref _completed) == partCount) return;
        }
    }

    void WorkerLoop(object? state)
    {
        var worker = (Worker)state!;
        var seen = 0;
        while (true)
        {
            var generation = WaitForGeneration(worker, seen);
            if (_disposed) return;
            seen = generation;
            RunParts(generation);
        }
    }

    /// <summary>Returns the first generation after <paramref name="seen"/>; spins first, then blocks.</summary>
    int WaitForGeneration(Worker worker, int seen)
    {
        var start = Stopwatch.GetTimestamp();
        while (true)
        {
            for (var i = 0; i < 16; i++)
            {
                var generation = (int)(Volatile.Read(ref _state) >> 32);
                if (generation != seen || _disposed) return generation;
                Thread.SpinWait(1);
            }
            if (Stopwatch.GetTimestamp() - start < _spinTicks)
            {
                Thread.Yield(); // if the OS put this thread on the caller's core, let the caller run
                continue;
            }

            Interlocked.Exchange(ref worker.Sleeping, 1);
            var now = (int)(Volatile.Read(ref _state) >> 32);
            if (now != seen || _disposed)
            {
                // A call arrived meanwhile: take the flag back, or, if the caller already took it, consume its Release.
                if (Interlocked.Exchange(ref worker.Sleeping, 0) == 0) worker.Wake.Wait();
                return now;
            }
            worker.Wake.Wait();
            start = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Stops the workers (they finish any part in progress). The pool cannot be used afterwards.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var worker in _workers)
            if (Interlocked.Exchange(ref worker.Sleeping, 0) == 1) worker.Wake.Release();
        foreach (var worker in _workers) worker.Thread?.Join();
        foreach (var worker in _workers) worker.Wake.Dispose();
        _callerWake.Dispose();
    }
}
