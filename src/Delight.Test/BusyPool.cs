using Delight.Numerics;

namespace Delight.Test;

/// <summary>
/// Keeps <see cref="WorkerPool.Shared"/> busy from another thread until disposed, so calls made meanwhile find it taken
/// and run serially — what a learner's calls meet beside busy actors, and a test's beside other tests.
/// </summary>
sealed class BusyPool : IDisposable
{
    readonly Thread _thread;
    int _stop;

    public BusyPool()
    {
        _thread = new Thread(() =>
        {
            var job = new SleepingJob();
            while (Volatile.Read(ref _stop) == 0) WorkerPool.Shared.Run(2, job);
        });
        _thread.Start();
        // With one thread (DELIGHT_THREADS=1) the pool has no workers and is never busy: every call is serial anyway.
        while (WorkerPool.Shared.ThreadCount > 1 && !WorkerPool.Shared.IsBusy) Thread.Yield();
    }

    public void Dispose()
    {
        Volatile.Write(ref _stop, 1);
        _thread.Join();
    }

    sealed class SleepingJob : IParallelJob
    {
        public void Execute(int part) => Thread.Sleep(2);
    }
}
