namespace Delight.Experiments.Reproduce;

/// <summary>Mean ± standard error over independent seeds.</summary>
public readonly record struct SeedStatistics(double Mean, double StandardError, int Count)
{
    /// <summary>The s.e. is the sample standard deviation over √n (0 for a single seed, which has no spread to report).</summary>
    public static SeedStatistics Of(IReadOnlyList<double> values)
    {
        var n = values.Count;
        if (n == 0) throw new ArgumentException("no values: run at least one seed.", nameof(values));
        var mean = values.Average();
        if (n == 1) return new(mean, 0, 1);
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        return new(mean, Math.Sqrt(variance / n), n);
    }
}
