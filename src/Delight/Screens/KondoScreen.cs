using Delight.Learning;
using Delight.Numerics;

namespace Delight.Screens;

// Kondo gate (Osband 2026, arXiv 2603.20526; egg kondo.py and the screened Kondo trainer), per answer token t of row r:
//   priority_rt  = χ_rt = U_r·ℓ_rt by default (or U, |U|, ℓ, a uniform draw, α·U + (1−α)·ℓ)
//   keep_rt      = priority_rt > λ                          price, deterministic
//                = Bernoulli(σ((priority_rt − λ)/η))          price, stochastic
//                = priority_rt among the top ⌈ρ·N⌋ of the batch   rate (ties at the threshold are kept)
//   row granularity, by rate (the screened trainer of egg's kondo_async.py): gate tokens as above, score each row
//     S_r = Σ_t keep_rt·priority_rt, keep the top K = ⌈ρ·rows⌋ rows and, inside them, only the gated tokens; so
//     exactly K rows reach the backward pass.
//   row granularity, by price: a row is kept whole when its mean token priority beats the price.
// The mask multiplies the loss's coefficients; the learner then back-propagates only rows with a kept token, and the
// loss stays normalised by the whole batch's token count, so dropping changes the work, not the scale.
public sealed class KondoScreen : IScreen
{
    readonly float[] _priority;
    readonly float[] _sorted;
    readonly float[] _rowScore;
    readonly Rng _rng;
    /// <summary>The screen's random stream (stochastic keep, uniform priority), saved in checkpoints.</summary>
    internal Rng Random => _rng;

    public KondoScreen(KondoOptions options, int maxTokens, Rng rng)
    {
        options.Validate();
        Options = options;
        _priority = new float[maxTokens];
        _sorted = new float[maxTokens];
        _rowScore = new float[maxTokens];
        _rng = rng;
    }

    public KondoOptions Options { get; }

    /// <summary>Writes keep[r·T + t] ∈ {0, 1} for every token of the batch described by <paramref name="signals"/>.</summary>
    public void Mask(in Signals signals, Span<float> keep)
    {
        int rows = signals.RowCount, T = signals.TokensPerRow, n = rows * T;
        var priority = _priority.AsSpan(0, n);
        for (var i = 0; i < n; i++) priority[i] = Priority(signals, i);
        var keepSpan = keep[..n];
        if (Options.Price is { } price)
        {
            if (Options.Granularity == KondoGranularity.Row)
                for (var r = 0; r < rows; r++)
                {
                    var row = priority.Slice(r * T, T);
                    var mean = 0f;
                    foreach (var p in row) mean += p;
                    row.Fill(mean / T);
                }
            KeepAbovePrice(priority, price, keepSpan);
            return;
        }
        var rate = Options.Rate!.Value;
        KeepTopFraction(priority, rate, keepSpan);
        if (Options.Granularity == KondoGranularity.Row) KeepTopRows(priority, rate, rows, T, keepSpan);
    }

    /// <summary>Of the token-gated rows, keeps the K = max(1, round(ρ·rows)) with the largest gated priority sum.</summary>
    void KeepTopRows(ReadOnlySpan<float> priority, float rate, int rows, int T, Span<float> keep)
    {
        var k = Math.Max(1, (int)Math.Round(rate * rows, MidpointRounding.ToEven));
        var score = _rowScore.AsSpan(0, rows);
        for (var r = 0; r < rows; r++)
        {
            var s = 0f;
            var gated = false;
            for (var t = 0; t < T; t++)
                if (keep[r * T + t] != 0f) { s += priority[r * T + t]; gated = true; }
            score[r] = gated ? s : float.NegativeInfinity;
        }
        // The K-th largest score; rows above it are kept, then ties at it in row order until K rows (lax.top_k's rule).
        var sorted = _sorted.AsSpan(0, rows);
        score.CopyTo(sorted);
        sorted.Sort();
        var threshold = sorted[rows - k];
        var aboveCount = 0;
        foreach (var v in score) if (v > threshold) aboveCount++;
        var tiesLeft = k - aboveCount;
        for (var r = 0; r < rows; r++)
        {
            var kept = score[r] > threshold || (score[r] == threshold && tiesLeft-- > 0);
            if (!kept) keep.Slice(r * T, T).Clear();
        }
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

    /// <summary>Keeps the k = max(1, round-half-even(ρ·N)) highest token priorities; ties at the threshold are kept.</summary>
    void KeepTopFraction(ReadOnlySpan<float> priority, float rate, Span<float> keep)
    {
        var n = priority.Length;
        var k = Math.Max(1, (int)Math.Round(rate * n, MidpointRounding.ToEven));
        var sorted = _sorted.AsSpan(0, n);
        priority.CopyTo(sorted);
        sorted.Sort();
        var threshold = sorted[n - k];
        for (var i = 0; i < priority.Length; i++) keep[i] = priority[i] >= threshold ? 1f : 0f;
    }
}
