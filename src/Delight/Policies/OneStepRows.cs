using System.Numerics.Tensors;
using Delight.Numerics;

namespace Delight.Policies;

/// <summary>
/// One-step tasks seen as sequences: a row is [context id, action]. The shared argument checks and sampling of the
/// policies that serve them (<see cref="FeaturePolicy"/>, <see cref="TabularSoftmaxPolicy"/>).
/// </summary>
static class OneStepRows
{
    public const int Length = 2;

    public static void CheckShape(int rowCount, int length, int promptLength, int maxRows, string kind)
    {
        if (rowCount < 1 || rowCount > maxRows)
            throw new ArgumentOutOfRangeException(nameof(rowCount), $"rows {rowCount} must be in [1, {maxRows}] (the policy's MaxRows).");
        if (length != Length || promptLength != 1)
            throw new ArgumentException($"a {kind} policy scores one-step rows [context, action] (length 2, prompt 1), got length {length} with prompt {promptLength}.");
    }

    /// <summary>Column 0 of [rows, 2]: the context ids.</summary>
    public static void Contexts(ReadOnlySpan<int> tokens, int rowCount, Span<int> contexts)
    {
        for (var b = 0; b < rowCount; b++) contexts[b] = tokens[b * Length];
    }

    /// <summary>Column 1 of [rows, 2]: the actions.</summary>
    public static void Actions(ReadOnlySpan<int> tokens, int rowCount, Span<int> actions)
    {
        for (var b = 0; b < rowCount; b++) actions[b] = tokens[b * Length + 1];
    }

    /// <summary>
    /// Writes an action per row into tokens[b, 1] and its log-prob into logProbs[b, 1] (0 at the prompt position):
    /// drawn from log π + bias renormalised when an rng is given, else the argmax of log π.
    /// </summary>
    /// <param name="policyLogProbs">[rows, K] log π of the last forward</param>
    /// <param name="scratch">[K]</param>
    public static void Sample(ReadOnlySpan<float> policyLogProbs, int rowCount, int actionCount, float[]? bias, Rng? rng,
        Span<int> tokens, Span<float> logProbs, Span<float> scratch)
    {
        var row = scratch[..actionCount];
        for (var b = 0; b < rowCount; b++)
        {
            var lp = policyLogProbs.Slice(b * actionCount, actionCount);
            int action;
            float logProb;
            if (rng is null)
            {
                action = TensorPrimitives.IndexOfMax(lp);
                logProb = lp[action];
            }
            else if (bias is null)
            {
                action = Categorical.Sample(lp, rng.NextDouble());
                logProb = lp[action];
            }
            else
            {
                // log π + bias differs from logits + bias by a constant: renormalising gives softmax(logits + bias).
                TensorPrimitives.Add(lp, bias, row);
                LogSoftmax.Forward(row, row, 1, actionCount);
                action = Categorical.Sample(row, rng.NextDouble());
                logProb = row[action];
            }
            tokens[b * Length + 1] = action;
            logProbs[b * Length] = 0f;
            logProbs[b * Length + 1] = logProb;
        }
    }
}
