using Delight.Numerics;

namespace Delight.Test.Numerics;

/// <summary>
/// The pool's claim protocol at the moment the OS almost never hits on its own: a worker paused right after reading
/// the state word of a finished call, while the next call fills in its fields. Found by a stress run (four callers,
/// about 40 M calls, then a hang with one more part counted than run for) after two clean-clone CI runs had hung.
/// </summary>
public class WorkerPoolRaceTest
{
    sealed class CountingJob(int parts) : IParallelJob
    {
        public readonly int[] Runs = new int[parts];

        public void Execute(int part) => Interlocked.Increment(ref Runs[part]);
    }

    [Fact]
    public void WorkerPoolRaceTest_WorkerHoldingAFinishedCallsState_ClaimsNothingOfTheNextCall()
    {
        using var pool = new WorkerPool(2, "race worker") { SpinMicroseconds = 1_000_000 };
        using ManualResetEventSlim paused = new(), resume = new(), attempted = new();
        var stage = 0; // 0: wait for the worker to read "all claimed"; 1: it is held; 2: report its next read
        pool.TestHookStateRead = state =>
        {
            if (Thread.CurrentThread.Name != "race worker 1") return;
            if (stage == 0 && (int)state >= 2 && Interlocked.CompareExchange(ref stage, 1, 0) == 0)
            {
                paused.Set();
                resume.Wait();
                return;
            }
            if (Volatile.Read(ref stage) == 2) attempted.Set();
        };
        var first = new CountingJob(2);
        // The worker comes to read the finished call's state (both parts taken) sooner or later; hold it there.
        for (var i = 0; i < 200 && !paused.IsSet; i++) pool.Run(2, first);
        Assert.True(paused.Wait(TimeSpan.FromSeconds(10)), "the worker never read a state with every part claimed");

        // The next call, with more parts: just before it publishes, let the held worker go on and wait until it has
        // tried to claim (its next read of the state word), so it acts on the new part count and the old state.
        var second = new CountingJob(4);
        pool.TestHookBeforePublish = () =>
        {
            pool.TestHookBeforePublish = null;
            Volatile.Write(ref stage, 2);
            resume.Set();
            attempted.Wait(TimeSpan.FromSeconds(10));
        };
        var caller = new Thread(() => pool.Run(4, second)) { IsBackground = true };
        caller.Start();
        Assert.True(caller.Join(TimeSpan.FromSeconds(20)), "the call never returned: its part count overshot");
        Assert.True(attempted.IsSet);
        Assert.Equal([1, 1, 1, 1], second.Runs);
        pool.TestHookStateRead = null;
    }
}
