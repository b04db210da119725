using Delight.Numerics;

namespace Delight.Policies;

/// <summary>Drawing and checking actions of categorical distributions given as log-probs, shared by every policy.</summary>
static class Categorical
{
    /// <summary>Inverse-CDF draw from log-probs; rounding that leaves u past the total picks the last class with mass.</summary>
    public static int Sample(ReadOnlySpan<float> logProbs, double u)
    {
        var cumulative = 0.0;
        var last = 0;
        for (var v = 0; v < logProbs.Length; v++)
        {
            var p = Math.Exp(logProbs[v]);
            if (p <= 0) continue;
            last = v;
            cumulative += p;
            if (u < cumulative) return v;
        }
        return last;
    }

    /// <summary>One draw per row of log-probs [rows, classes], one rng.NextDouble() per row in row order.</summary>
    public static void SampleRows(ReadOnlySpan<float> logProbs, int rowCount, int classCount, Span<int> actions, Rng rng)
    {
        for (var b = 0; b < rowCount; b++) actions[b] = Sample(logProbs.Slice(b * classCount, classCount), rng.NextDouble());
    }

    /// <summary>Checks the caller's spans for SampleActions: room for one action and one log-prob per row.</summary>
    public static void CheckSampleSpans(int actionsLength, int logProbsLength, int rowCount)
    {
        if (actionsLength < rowCount)
            throw new ArgumentException($"actions holds {actionsLength} slots, fewer than the last forward's {rowCount} rows.", "actions");
        if (logProbsLength < rowCount)
            throw new ArgumentException($"logProbs holds {logProbsLength} slots, fewer than the last forward's {rowCount} rows.", "logProbs");
    }

    /// <summary>Checks recorded actions: one per row, each in [0, actionCount).</summary>
    public static void CheckActions(ReadOnlySpan<int> actions, int rowCount, int actionCount)
    {
        if (actions.Length < rowCount)
            throw new ArgumentException($"actions holds {actions.Length} values, fewer than the last forward's {rowCount} rows.", nameof(actions));
        for (var b = 0; b < rowCount; b++)
            if ((uint)actions[b] >= (uint)actionCount)
                throw new ArgumentOutOfRangeException(nameof(actions), $"action {actions[b]} at row {b} is outside [0, {actionCount}) (the policy's action count).");
    }
}
