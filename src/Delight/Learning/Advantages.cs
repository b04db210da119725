namespace Delight.Learning;

/// <summary>How the baseline b is formed; U = R − b, no standard-deviation normalisation.</summary>
public enum AdvantageEstimator
{
    /// <summary>b = mean reward of the samples sharing the row's prompt (default for sequence tasks).</summary>
    Grouped,
    /// <summary>b = mean reward of the whole batch.</summary>
    Global,
    /// <summary>
    /// b(x) = Σ_a π(a|x)², the policy's expected confidence: a label-free estimate of π(correct|x) for one-step
    /// bandits with a 0/1 reward (the reference MNIST baseline, per papers.md §0). Read from the learner's own
    /// distribution at the first answer position, so it needs the learner forward (not the speculative screen).
    /// </summary>
    ExpectedConfidence,
}

public static class Advantages
{
    /// <summary>advantage[r] = rewards[r] − baseline, rows grouped contiguously by <paramref name="groupSize"/>.</summary>
    public static void Compute(AdvantageEstimator estimator, ReadOnlySpan<float> rewards, int groupSize, Span<float> advantage)
    {
        var rows = rewards.Length;
        if (estimator == AdvantageEstimator.ExpectedConfidence)
            throw new ArgumentException("the expected-confidence baseline needs the policy's distribution: use ExpectedConfidence(...).");
        var size = estimator switch
        {
            AdvantageEstimator.Grouped => groupSize,
            AdvantageEstimator.Global => rows,
            _ => throw new ArgumentOutOfRangeException(nameof(estimator), estimator, "unknown advantage estimator"),
        };
        if (size < 1 || rows % size != 0)
            throw new ArgumentException($"{rows} rows do not split into groups of {size}; rows must be prompts × samples.");
        for (var start = 0; start < rows; start += size)
        {
            var sum = 0.0;
            for (var r = start; r < start + size; r++) sum += rewards[r];
            var baseline = (float)(sum / size);
            for (var r = start; r < start + size; r++) advantage[r] = rewards[r] - baseline;
        }
    }

    /// <summary>advantage[r] = rewards[r] − Σ_a π(a|x_r)², from log-probs [rows, actions] of each row's (first) action.</summary>
    public static void ExpectedConfidence(ReadOnlySpan<float> rewards, ReadOnlySpan<float> logProbs, int actionCount, Span<float> advantage)
    {
        for (var r = 0; r < rewards.Length; r++)
        {
            var confidence = 0.0;
            foreach (var lp in logProbs.Slice(r * actionCount, actionCount))
            {
                var p = Math.Exp(lp);
                confidence += p * p;
            }
            advantage[r] = rewards[r] - (float)confidence;
        }
    }
}
