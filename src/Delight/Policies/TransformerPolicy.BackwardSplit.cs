using Delight.Diagnostics;
using Delight.Numerics;

namespace Delight.Policies;

// The blocks' backward in two phases, for a pool of two or more threads (same bits as BlockBackward):
//   1. the input-gradient chain, split over rows like the forward: each part takes its rows through every block from
//      the last to the first (FC2ᵀ, ReLU, FC1ᵀ, LN2's dx, OUTᵀ, attention, QKVᵀ, LN1's dx), keeping each layer's output
//      gradient dy; every element is summed exactly as in BlockBackward, because a row's input gradient depends on
//      that row alone;
//   2. every parameter gradient as an independent task over all rows — dW = dyᵀ·x of the four matrices and the two
//      layer norms' dγ, dβ per block — each serial, in the same order as BlockBackward's.
// Why: with one fork-join per GEMM, the backward's small weight-gradient GEMMs (output O × I, depth N) do not split
// well and the serial layer norms read data the other core just wrote; the forward, split over rows, scales 1.7×.
// Cost: one output-gradient buffer per layer and kind, N·(7C + F) floats per layer, so it is used only up to
// SplitBackwardMaxFloats, and a SplitTuner keeps it only where it beats the one-phase backward.
public sealed partial class TransformerPolicy
{
    /// <summary>Largest total of the two-phase backward's output-gradient buffers (floats, 128 MiB); above it the one-phase backward runs.</summary>
    internal const long SplitBackwardMaxFloats = 32L << 20;

    /// <summary>Per layer, the output gradients phase 2 needs, sized for MaxRows × L: allocated on first use.</summary>
    sealed class LayerGradients
    {
        public LayerGradients(TransformerOptions o)
        {
            int n = o.MaxRows * o.SequenceLength, c = o.Width, f = o.FeedForwardWidth, layers = o.LayerCount;
            var a = new Arena("transformer.backward.layers");
            Fc2 = new TensorView[layers]; Fc1 = new TensorView[layers]; Ln2 = new TensorView[layers];
            Out = new TensorView[layers]; Qkv = new TensorView[layers]; Ln1 = new TensorView[layers];
            for (var i = 0; i < layers; i++)
            {
                Fc2[i] = a.Add($"blocks.{i}.d.fc2", n, c);
                Fc1[i] = a.Add($"blocks.{i}.d.fc1", n, f);
                Ln2[i] = a.Add($"blocks.{i}.d.ln2", n, c);
                Out[i] = a.Add($"blocks.{i}.d.out", n, c);
                Qkv[i] = a.Add($"blocks.{i}.d.qkv", n, 3 * c);
                Ln1[i] = a.Add($"blocks.{i}.d.ln1", n, c);
            }
            a.Allocate();
            PartScratch = new float[o.MaxRows * 2 * c];
        }

        public static long Floats(TransformerOptions o) => (long)o.LayerCount * o.MaxRows * o.SequenceLength * (7L * o.Width + o.FeedForwardWidth);

        public TensorView[] Fc2 { get; }
        public TensorView[] Fc1 { get; }
        public TensorView[] Ln2 { get; }
        public TensorView[] Out { get; }
        public TensorView[] Qkv { get; }
        public TensorView[] Ln1 { get; }
        /// <summary>
        /// Layer-norm scratch of phase 1, 2·C floats per part, at the part's first row (parts never share one).
        /// </summary>
        public float[] PartScratch { get; }
        /// <summary>Phase 2's gathers of a row subset: one set per pool thread (a running task claims a free one).</summary>
        public TaskSlot[] Slots { get; set; } = [];
    }

    /// <summary>Gather buffers of one running phase-2 task.</summary>
    sealed class TaskSlot(int n, int wide, int c)
    {
        public int Busy;
        public readonly float[] X = new float[n * wide];
        public readonly float[] Mean = new float[n];
        public readonly float[] Rstd = new float[n];
        public readonly float[] LayerNorm = new float[c];
    }

    LayerGradients? _layerGradients;
    readonly SplitTuner _backwardTuner = new();
    readonly int[] _backwardRows;
    bool _backwardIdentity;
    // The jobs are made with the policy (a first split can come late, and must not allocate in a warm step loop); the
    // layer gradients above stay lazy, being large.
    readonly RowJob _chainJob;
    readonly ParameterTasks _parameterTasks;

    /// <summary>The blocks' backward (dResidual holds the gradient at the last block's output): one phase or two.</summary>
    void BlocksBackward(ReadOnlySpan<int> rows, bool identity, int T)
    {
        var K = rows.Length;
        var flops = 2 * ForwardFlops(K, T + 1);
        var parts = RowParts(K, flops);
        if (parts == 1 || LayerGradients.Floats(Options) > SplitBackwardMaxFloats)
        {
            for (var i = _blocks.Length - 1; i >= 0; i--) BlockBackward(i, rows, identity, T);
            return;
        }
        var slot = _backwardTuner.Slot(flops);
        var split = _backwardTuner.ShouldSplit(slot);
        var start = SplitTuner.Now();
        if (split) TwoPhaseBackward(rows, identity, T, parts);
        else
            for (var i = _blocks.Length - 1; i >= 0; i--) BlockBackward(i, rows, identity, T);
        _backwardTuner.Record(slot, split, SplitTuner.Now() - start, flops);
    }

    void TwoPhaseBackward(ReadOnlySpan<int> rows, bool identity, int T, int parts)
    {
        var g = _layerGradients ??= new LayerGradients(Options);
        if (g.Slots.Length < Pool.ThreadCount) g.Slots = NewTaskSlots(Pool.ThreadCount);
        rows.CopyTo(_backwardRows);
        _backwardIdentity = identity;
        _chainJob.Run(Pool, parts, rows.Length);
        var tasks = _parameterTasks;
        tasks.Rows = rows.Length;
        tasks.T = T;
        Pool.Run(_blocks.Length * ParameterTasks.PerBlock, tasks);
    }

    // A loop, not a LINQ lambda: a lambda capturing locals of TwoPhaseBackward made the compiler allocate its closure
    // on every call, which the step-allocation test caught.
    TaskSlot[] NewTaskSlots(int count)
    {
        int n = Options.MaxRows * Options.SequenceLength, c = Options.Width;
        var slots = new TaskSlot[count];
        for (var t = 0; t < count; t++) slots[t] = new TaskSlot(n, Math.Max(c, Options.FeedForwardWidth), c);
        return slots;
    }

    /// <summary>Phase 1 for kept rows [k0, k1): the input-gradient chain through every block, saving each layer's dy.</summary>
    void InputChainRows(int k0, int k1)
    {
        var s = _saved;
        var x = _scratch;
        var g = _layerGradients!;
        int T = s.Positions, C = Options.Width, F = Options.FeedForwardWidth, n0 = k0 * T, n = (k1 - k0) * T;
        var rows = _backwardRows.AsSpan(k0, k1 - k0);
        var dResidual = x.DResidual.Span.Slice(n0 * C, n * C);
        var lnScratch = g.PartScratch.AsSpan(2 * C * k0, 2 * C);
        // Every gather of this part goes to its own region of GatherA at one stride (the widest row), so parts at
        // different stages never overlap.
        var gatherOffset = n0 * Math.Max(3 * C, F);
        for (var i = _blocks.Length - 1; i >= 0; i--)
        {
            var block = _blocks[i];
            var clock = PhaseTimer.Start();
            dResidual.CopyTo(g.Fc2[i].Span.Slice(n0 * C, n * C));
            var dHidden = g.Fc1[i].Span.Slice(n0 * F, n * F);
            block.Fc2.InputGradient(dResidual, dHidden, n, accumulate: false);
            Relu.Backward(GatherPart(s.Fc1[i], T * F, rows, x.GatherA, gatherOffset), dHidden, dHidden);
            var dNormed2 = g.Ln2[i].Span.Slice(n0 * C, n * C);
            block.Fc1.InputGradient(dHidden, dNormed2, n, accumulate: false);
            clock = PhaseTimer.Stop(StepPhase.BackwardFeedForward, clock);
            block.Ln2.InputGradient(GatherPart(s.Middle[i], T * C, rows, x.GatherA, gatherOffset),
                GatherPart(s.Ln2Mean[i], T, rows, x.GatherMean, n0), GatherPart(s.Ln2Rstd[i], T, rows, x.GatherRstd, n0),
                dNormed2, dResidual, lnScratch, n);
            Denormals.FlushToZero(dResidual);
            clock = PhaseTimer.Stop(StepPhase.BackwardLayerNorm, clock);

            dResidual.CopyTo(g.Out[i].Span.Slice(n0 * C, n * C));
            var dHeads = x.DHeads.Span.Slice(n0 * C, n * C);
            block.Attention.Out.InputGradient(dResidual, dHeads, n, accumulate: false);
            clock = PhaseTimer.Stop(StepPhase.BackwardOutProjection, clock);
            var dQkv = g.Qkv[i].Span.Slice(n0 * 3 * C, n * 3 * C);
            var probsPerRow = Options.HeadCount * T * T;
            block.Attention.AttendBackward(GatherPart(s.Qkv[i], T * 3 * C, rows, x.GatherA, gatherOffset),
                GatherPart(s.Probs[i], probsPerRow, rows, x.GatherProbs, k0 * probsPerRow), dHeads, dQkv, k1 - k0, T);
            Denormals.FlushToZero(dQkv);
            clock = PhaseTimer.Stop(StepPhase.BackwardAttention, clock);
            var dNormed1 = g.Ln1[i].Span.Slice(n0 * C, n * C);
            block.Attention.Qkv.InputGradient(dQkv, dNormed1, n, accumulate: false);
            clock = PhaseTimer.Stop(StepPhase.BackwardQkv, clock);
            block.Ln1.InputGradient(GatherPart(s.Residual[i], T * C, rows, x.GatherA, gatherOffset),
                GatherPart(s.Ln1Mean[i], T, rows, x.GatherMean, n0), GatherPart(s.Ln1Rstd[i], T, rows, x.GatherRstd, n0),
                dNormed1, dResidual, lnScratch, n);
            Denormals.FlushToZero(dResidual);
            PhaseTimer.Stop(StepPhase.BackwardLayerNorm, clock);
        }
    }

    /// <summary>A part's rows of a saved tensor, gathered into its own region of <paramref name="scratch"/> at <paramref name="offset"/>.</summary>
    ReadOnlySpan<float> GatherPart(TensorView saved, int floatsPerRow, ReadOnlySpan<int> rows, TensorView scratch, int offset)
        => GatherRows(saved.Span, floatsPerRow, rows, _backwardIdentity, scratch.Span[offset..]);

    /// <summary>
    /// Phase 2: one task per parameter gradient of each block (blocks from the last, the larger GEMMs of a block
    /// first), each serial over all kept rows.
    /// </summary>
    sealed class ParameterTasks(TransformerPolicy owner) : IParallelJob
    {
        public const int PerBlock = 6;
        public int Rows;
        public int T;

        public void Execute(int part)
        {
            var slot = Claim();
            try
            {
                Run(part / PerBlock, part % PerBlock, slot);
            }
            finally
            {
                Volatile.Write(ref slot.Busy, 0);
            }
        }

        TaskSlot Claim()
        {
            foreach (var slot in owner._layerGradients!.Slots)
                if (Interlocked.CompareExchange(ref slot.Busy, 1, 0) == 0) return slot;
            throw new InvalidOperationException("more concurrent backward tasks than the pool has threads.");
        }

        void Run(int task, int kind, TaskSlot slot)
        {
            var s = owner._saved;
            var g = owner._layerGradients!;
            // Blocks from the last, as the one-phase backward: the order does not matter for the bits (each task
            // writes its own parameters), only for how the tasks spread over the threads.
            var i = owner._blocks.Length - 1 - task;
            var block = owner._blocks[i];
            int C = owner.Options.Width, F = owner.Options.FeedForwardWidth, n = Rows * T;
            var rows = owner._backwardRows.AsSpan(0, Rows);
            var identity = owner._backwardIdentity;
            switch (kind)
            {
                case 0:
                    block.Fc2.WeightGradient(Gather(s.Act[i], T * F, rows, identity, slot.X), g.Fc2[i].Span[..(n * C)], n);
                    break;
                case 1:
                    block.Fc1.WeightGradient(Gather(s.Ln2[i], T * C, rows, identity, slot.X), g.Fc1[i].Span[..(n * F)], n);
                    break;
                case 2:
                    block.Attention.Qkv.WeightGradient(Gather(s.Ln1[i], T * C, rows, identity, slot.X), g.Qkv[i].Span[..(n * 3 * C)], n);
                    break;
                case 3:
                    block.Attention.Out.WeightGradient(Gather(s.Heads[i], T * C, rows, identity, slot.X), g.Out[i].Span[..(n * C)], n);
                    break;
                case 4:
                    block.Ln2.ParameterGradients(Gather(s.Middle[i], T * C, rows, identity, slot.X), Gather(s.Ln2Mean[i], T, rows, identity, slot.Mean),
                        Gather(s.Ln2Rstd[i], T, rows, identity, slot.Rstd), g.Ln2[i].Span[..(n * C)], slot.LayerNorm, n);
                    break;
                default:
                    block.Ln1.ParameterGradients(Gather(s.Residual[i], T * C, rows, identity, slot.X), Gather(s.Ln1Mean[i], T, rows, identity, slot.Mean),
                        Gather(s.Ln1Rstd[i], T, rows, identity, slot.Rstd), g.Ln1[i].Span[..(n * C)], slot.LayerNorm, n);
                    break;
            }
        }

        static ReadOnlySpan<float> Gather(TensorView saved, int floatsPerRow, ReadOnlySpan<int> rows, bool identity, float[] scratch)
            => GatherRows(saved.Span, floatsPerRow, rows, identity, scratch);
    }
}
