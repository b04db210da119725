namespace Delight.Learning;

/// <summary>How the baseline b is formed; U = R − b, no standard-deviation normalisation.</summary>
public enum AdvantageEstimator
{
    /// <summary>b = mean reward of the samples sharing the row's prompt (default for sequence tasks).</summary>
    Grouped,
    /// <summary>b = mean reward of the whole batch.</summary>
    GlobalMean,
}

public static class Advantages
{
    /// <summary>advantage[r] = rewards[r] − baseline, rows grouped contiguously by <paramref name="groupSize"/>.</summary>
    public static void Compute(AdvantageEstimator estimator, ReadOnlySpan<float> rewards, int groupSize, Span<float> advantage)
    {
        var rows = rewards.Length;
        var size = estimator switch
        {
            AdvantageEstimator.Grouped => groupSize,
            AdvantageEstimator.GlobalMean => rows,
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
}
