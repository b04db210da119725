using Delight.Numerics;

namespace Delight.Policies;

public sealed partial class TransformerPolicy
{
    /// <summary>
    /// Smallest forward (flops) worth splitting over rows. Below it one thread is faster: waking a worker costs
    /// microseconds to tens of microseconds (more when the machine is shared), which a tiny forward cannot repay.
    /// </summary>
    internal const long MinParallelFlops = 4_000_000;

    /// <summary>Smallest part (flops, about 30 µs of work) a split makes, so dispatch stays a small fraction.</summary>
    const long MinPartFlops = 3_000_000;

    /// <summary>
    /// The threads the forward, the backward and sampling split their rows over. Defaults to
    /// <see cref="WorkerPool.Shared"/>; a pool of 1 thread runs everything on the caller. Results are bit-identical for
    /// every pool: each part owns whole rows, and every reduction over rows (weight gradients) runs in one fixed order.
    /// </summary>
    public WorkerPool Pool { get; set; } = WorkerPool.Shared;

    readonly RowJob _forwardJob;
    readonly RowJob _decodeJob;
    readonly SplitTuner _forwardTuner = new();
    readonly SplitTuner _decodeTuner = new();

    /// <summary>
    /// Runs <paramref name="job"/> over rows [0, <paramref name="rowCount"/>): on this thread, or split over
    /// <see cref="Pool"/> when the shape allows it (<see cref="RowParts"/>) and <paramref name="tuner"/> has measured
    /// that splitting this size is faster here and now. Either way gives the same bits.
    /// </summary>
    void RunRows(RowJob job, SplitTuner tuner, int rowCount, long flops, int partsPerThread = 4)
    {
        var parts = RowParts(rowCount, flops, partsPerThread);
        if (parts == 1)
        {
            job.Body(0, rowCount);
            return;
        }
        var slot = tuner.Slot(flops);
        var split = tuner.ShouldSplit(slot);
        var start = SplitTuner.Now();
        if (split) job.Run(Pool, parts, rowCount);
        else job.Body(0, rowCount);
        tuner.Record(slot, split, SplitTuner.Now() - start, flops);
    }

    /// <summary>
    /// How many parts to split <paramref name="rowCount"/> rows into for a pass of <paramref name="flops"/>: 1 below
    /// <see cref="MinParallelFlops"/> or on a 1-thread pool, else up to <paramref name="partsPerThread"/> parts per
    /// thread, each of at least <see cref="MinPartFlops"/>. Several parts per thread by default because parts are
    /// claimed dynamically: a thread the OS deschedules (the machine is shared) holds up only its current part, and the
    /// others take the rest; a pass whose parts each repeat a fixed cost (decode's weight packing) asks for fewer.
    /// </summary>
    int RowParts(int rowCount, long flops, int partsPerThread = 4)
    {
        var threads = Pool.ThreadCount;
        if (threads == 1 || rowCount < 2 || flops < MinParallelFlops || WorkerPool.InParallelPart || Pool.IsBusy) return 1;
        var parts = (int)Math.Min((long)partsPerThread * threads, flops / MinPartFlops);
        return Math.Clamp(parts, 1, rowCount);
    }

    /// <summary>A pass over disjoint row ranges: part p of P gets rows [R·p/P, R·(p+1)/P). One object per pass, reused.</summary>
    sealed class RowJob(Action<int, int> body) : IParallelJob
    {
        int _rows, _parts;

        /// <summary>The pass over rows [first, end).</summary>
        public Action<int, int> Body => body;

        public void Run(WorkerPool pool, int parts, int rows)
        {
            _rows = rows;
            _parts = parts;
            pool.Run(parts, this);
        }

        public void Execute(int part) => body(_rows * part / _parts, _rows * (part + 1) / _parts);
    }
}
