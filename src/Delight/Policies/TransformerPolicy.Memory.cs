using Delight.Numerics;

namespace Delight.Policies;

public sealed partial class TransformerPolicy
{
    readonly SavedActivations _saved;
    readonly BackwardScratch _scratch;
    readonly DecodeState _decode;

    /// <summary>
    /// What the forward pass keeps for backward, sized once for MaxRows × L. Buffers are packed with the actual
    /// T of the last forward (row b, position t at index b·T + t).
    /// </summary>
    sealed class SavedActivations
    {
        public SavedActivations(TransformerOptions o)
        {
            int n = o.MaxRows * o.SequenceLength, c = o.Width, f = o.FeedForwardWidth, layers = o.LayerCount;
            var a = new Arena("transformer.activations");
            Tokens = new int[o.MaxRows * o.SequenceLength];
            InputIds = new int[n];
            PositionIds = new int[n];
            Targets = new int[n];
            Residual = new TensorView[layers + 1];
            Ln1 = new TensorView[layers]; Ln1Mean = new TensorView[layers]; Ln1Rstd = new TensorView[layers];
            Qkv = new TensorView[layers]; Probs = new TensorView[layers]; Heads = new TensorView[layers];
            Middle = new TensorView[layers];
            Ln2 = new TensorView[layers]; Ln2Mean = new TensorView[layers]; Ln2Rstd = new TensorView[layers];
            Fc1 = new TensorView[layers]; Act = new TensorView[layers];
            for (var i = 0; i <= layers; i++) Residual[i] = a.Add($"residual.{i}", n, c);
            for (var i = 0; i < layers; i++)
            {
                Ln1[i] = a.Add($"blocks.{i}.ln1", n, c);
                Ln1Mean[i] = a.Add($"blocks.{i}.ln1.mean", n);
                Ln1Rstd[i] = a.Add($"blocks.{i}.ln1.rstd", n);
                Qkv[i] = a.Add($"blocks.{i}.qkv", n, 3 * c);
                Probs[i] = a.Add($"blocks.{i}.probs", o.MaxRows, o.HeadCount, o.SequenceLength, o.SequenceLength);
                Heads[i] = a.Add($"blocks.{i}.heads", n, c);
                Middle[i] = a.Add($"blocks.{i}.middle", n, c);
                Ln2[i] = a.Add($"blocks.{i}.ln2", n, c);
                Ln2Mean[i] = a.Add($"blocks.{i}.ln2.mean", n);
                Ln2Rstd[i] = a.Add($"blocks.{i}.ln2.rstd", n);
                Fc1[i] = a.Add($"blocks.{i}.fc1", n, f);
                Act[i] = a.Add($"blocks.{i}.act", n, f);
            }
            Attended = a.Add("attended", n, c);
            HeadInput = a.Add("head.input", n, c);
            LogProbs = a.Add("head.logprobs", n, o.VocabularySize);
            ActionLogProbs = a.Add("action.logprobs", n);
            a.Allocate();
        }

        public int[] Tokens { get; }
        public int[] InputIds { get; }
        public int[] PositionIds { get; }
        public int[] Targets { get; }
        public TensorView[] Residual { get; }
        public TensorView[] Ln1 { get; }
        public TensorView[] Ln1Mean { get; }
        public TensorView[] Ln1Rstd { get; }
        public TensorView[] Qkv { get; }
        public TensorView[] Probs { get; }
        public TensorView[] Heads { get; }
        public TensorView[] Middle { get; }
        public TensorView[] Ln2 { get; }
        public TensorView[] Ln2Mean { get; }
        public TensorView[] Ln2Rstd { get; }
        public TensorView[] Fc1 { get; }
        public TensorView[] Act { get; }
        /// <summary>Scratch for the attention output projection, [B·T, C].</summary>
        public TensorView Attended { get; }
        /// <summary>Final residual at the scored positions, [B·S, C].</summary>
        public TensorView HeadInput { get; }
        /// <summary>Full log-softmax at the scored positions, [B·S, V].</summary>
        public TensorView LogProbs { get; }
        /// <summary>Log-prob of each scored target token, [B, S].</summary>
        public TensorView ActionLogProbs { get; }

        public int RowCount { get; set; }
        /// <summary>Tokens per sequence in the last forward.</summary>
        public int Length { get; set; }
        /// <summary>Positions run through the blocks: Length − 1 (the last token is only a target).</summary>
        public int Positions => Length - 1;
        /// <summary>First scored target index; scored targets are FirstTarget … Length−1.</summary>
        public int FirstTarget { get; set; }
        public int Scored => Length - FirstTarget;
    }

    /// <summary>Gradients and gathered activations for the rows being back-propagated, sized once.</summary>
    sealed class BackwardScratch
    {
        public BackwardScratch(TransformerOptions o)
        {
            int n = o.MaxRows * o.SequenceLength, c = o.Width, wide = Math.Max(3 * c, o.FeedForwardWidth);
            var a = new Arena("transformer.backward");
            DResidual = a.Add("d.residual", n, c);
            DNormed = a.Add("d.normed", n, c);
            DWide = a.Add("d.wide", n, wide);
            DHeads = a.Add("d.heads", n, c);
            GatherA = a.Add("gather.a", n, wide);
            GatherB = a.Add("gather.b", n, wide);
            GatherProbs = a.Add("gather.probs", o.MaxRows, o.HeadCount, o.SequenceLength, o.SequenceLength);
            GatherMean = a.Add("gather.mean", n);
            GatherRstd = a.Add("gather.rstd", n);
            DLogits = a.Add("d.logits", n, o.VocabularySize);
            LayerNormScratch = a.Add("ln.scratch", 2 * c);
            a.Allocate();
            Ids = new int[n];
            Targets = new int[n];
        }

        public TensorView DResidual { get; }
        public TensorView DNormed { get; }
        public TensorView DWide { get; }
        public TensorView DHeads { get; }
        public TensorView GatherA { get; }
        public TensorView GatherB { get; }
        public TensorView GatherProbs { get; }
        public TensorView GatherMean { get; }
        public TensorView GatherRstd { get; }
        public TensorView DLogits { get; }
        public TensorView LayerNormScratch { get; }
        public int[] Ids { get; }
        public int[] Targets { get; }
    }
}
