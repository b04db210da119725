using Delight.Learning;
using Delight.Numerics;

namespace Delight.Screens;

// Kondo gate (Osband 2026, arXiv 2603.20526; egg kondo.py and the screened Kondo trainer), per answer token t of row r:
//   priority_rt  = χ_rt = U_r·ℓ_rt by default (or U, |U|, ℓ, a uniform draw, α·U + (1−α)·ℓ)
//   keep_rt      = priority_rt > λ                          price, deterministic
//                = Bernoulli(σ((priority_rt − λ)/η))          price, stochastic
//                = priority_rt among the top ⌈ρ·N⌋ of the batch   rate (ties at the threshold are kept)
//   row granularity: a row's priority is the mean of its tokens', and the row is kept or dropped whole.
// The mask multiplies the loss's coefficients; the learner then back-propagates only rows with a kept token, and the
// loss stays normalised by the whole batch's token count, so dropping changes the work, not the scale.
public sealed class KondoScreen
{
    readonly float[] _priority;
    readonly float[] _sorted;
    readonly Rng _rng;

    public KondoScreen(KondoOptions options, int maxTokens, Rng rng)
    {
        options.Validate();
        Options = options;
        _priority = new float[maxTokens];
        _sorted = new float[maxTokens];
        _rng = rng;
    }

    public KondoOptions Options { get; }

    /// <summary>Writes keep[r·T + t] ∈ {0, 1} for every token of the batch described by <paramref name="signals"/>.</summary>
    public void Mask(in Signals signals, Span<float> keep)
    {
        int rows = signals.RowCount, T = signals.TokensPerRow, n = rows * T;
        var priority = _priority.AsSpan(0, n);
        for (var i = 0; i < n; i++) priority[i] = Priority(signals, i);
        if (Options.Granularity == KondoGranularity.Row)
        {
            for (var r = 0; r < rows; r++)
            {
                var row = priority.Slice(r * T, T);
                var mean = 0f;
                foreach (var p in row) mean += p;
                row.Fill(mean / T);
            }
        }
        var keepSpan = keep[..n];
        if (Options.Price is { } price) KeepAbovePrice(priority, price, keepSpan);
        else KeepTopFraction(priority, Options.Rate!.Value, Options.Granularity == KondoGranularity.Row ? T : 1, keepSpan);
    }

    float Priority(in Signals s, int i)
    {
        var u = s.Advantage[i / s.TokensPerRow];
        var surprisal = s.Surprisal[i];
        return Options.Priority switch
        {
            KondoPriority.Delight => u * surprisal,
            KondoPriority.Advantage => u,
            KondoPriority.AbsAdvantage => MathF.Abs(u),
            KondoPriority.Surprisal => surprisal,
            KondoPriority.Uniform => _rng.NextFloat(),
            KondoPriority.Additive => Options.Alpha * u + (1 - Options.Alpha) * surprisal,
            _ => throw new InvalidOperationException($"unknown priority {Options.Priority}"),
        };
    }

    void KeepAbovePrice(ReadOnlySpan<float> priority, float price, Span<float> keep)
    {
        for (var i = 0; i < priority.Length; i++)
        {
            if (!Options.Stochastic) keep[i] = priority[i] > price ? 1f : 0f;
            else
            {
                var p = 1f / (1f + MathF.Exp(-(priority[i] - price) / Options.Temperature));
                keep[i] = _rng.NextFloat() < p ? 1f : 0f;
            }
        }
    }

    /// <summary>
    /// Keeps the k = max(1, round-half-even(ρ·units)) highest priorities; <paramref name="stride"/> is the number of
    /// tokens per unit (1 for tokens, T for rows, whose tokens share one priority). Ties at the threshold are kept.
    /// </summary>
    void KeepTopFraction(ReadOnlySpan<float> priority, float rate, int stride, Span<float> keep)
    {
        var units = priority.Length / stride;
        var k = Math.Max(1, (int)Math.Round(rate * units, MidpointRounding.ToEven));
        var sorted = _sorted.AsSpan(0, units);
        for (var u = 0; u < units; u++) sorted[u] = priority[u * stride];
        sorted.Sort();
        var threshold = sorted[units - k];
        for (var i = 0; i < priority.Length; i++) keep[i] = priority[i] >= threshold ? 1f : 0f;
    }
}
