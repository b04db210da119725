using Delight.Learning;
using Delight.Numerics;

namespace Delight.Screens;

// Kondo gate (Osband 2026, arXiv 2603.20526; egg kondo.py and the screened Kondo trainer), per answer token t of row r:
//   priority_rt  = χ_rt = U_r·ℓ_rt by default (or U, |U|, ℓ, a uniform draw, α·U + (1−α)·ℓ)
//   the gated unit is a token (score s = priority_rt) or, with row granularity, a whole row
//     (s_r = mean_t priority_rt, or Σ_t priority_rt with --kondo-row-score sum)
//   keep_u       = s_u > λ                                  price, deterministic
//                = G_u ~ Bernoulli(p_u), p_u = σ((s_u − λ)/η)   stochastic; one draw per unit (per row at row granularity)
//                  λ = the price, or with a rate ρ the running (1 − ρ)-quantile of the last H unit scores (a ring
//                  buffer that the current batch enters first; p_u = 1 while it holds fewer than W scores: warm-up)
//                = priority_rt among the top ⌈ρ·N⌋ of the batch   rate, deterministic (ties at the threshold are kept)
//   row granularity, deterministic rate (the screened trainer of egg's kondo_async.py): gate tokens as above, score
//     each row S_r = Σ_t keep_rt·priority_rt, keep the top K = ⌈ρ·rows⌋ rows and, inside them, only the gated tokens;
//     so exactly K rows reach the backward pass.
//   Horvitz–Thompson (--kondo-ipw, stochastic only): a kept unit's mask is 1/p_u instead of 1, so E[mask_u] = 1 and
//     the screened coefficient is unbiased for the unscreened one.
// The mask multiplies the loss's coefficients; the learner then back-propagates only rows with a kept token, and the
// loss stays normalised by the whole batch's token count, so dropping changes the work, not the scale.
public sealed class KondoScreen : IScreen
{
    readonly float[] _priority;
    readonly float[] _sorted;
    readonly float[] _rowScore;
    readonly float[] _history;
    readonly float[] _quantileScratch;
    int _historyCount;
    int _historyNext;
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
        var history = options.TracksQuantile ? options.History : 0;
        _history = new float[history];
        _quantileScratch = new float[options.TracksQuantile ? history + maxTokens : 0];
        _rng = rng;
    }

    public KondoOptions Options { get; }

    /// <summary>The price λ of the last stochastic-rate mask; NaN during warm-up or for other modes.</summary>
    public float LastPrice { get; private set; } = float.NaN;

    /// <summary>Writes the mask of a step's batch; a rate gate's history takes in the batch's scores.</summary>
    public void Mask(in Signals signals, Span<float> keep) => Mask(signals, keep, record: true);

    /// <summary>
    /// Writes keep[r·T + t] for every token of the batch described by <paramref name="signals"/>: 0 for dropped, 1 for
    /// kept (1/p with Horvitz–Thompson weighting). <paramref name="record"/> = false (the speculative screen's audit)
    /// reads the batch's scores into the rate gate's price without storing them in its history.
    /// </summary>
    public void Mask(in Signals signals, Span<float> keep, bool record)
    {
        int rows = signals.RowCount, T = signals.TokensPerRow, n = rows * T;
        var priority = _priority.AsSpan(0, n);
        for (var i = 0; i < n; i++) priority[i] = Priority(signals, i);
        var keepSpan = keep[..n];
        if (Options.Stochastic)
        {
            if (Options.Granularity == KondoGranularity.Row)
            {
                var scores = RowScores(priority, rows, T);
                var price = Options.Price ?? RatePrice(scores, record);
                for (var r = 0; r < rows; r++) keepSpan.Slice(r * T, T).Fill(Draw(scores[r], price));
            }
            else
            {
                var price = Options.Price ?? RatePrice(priority, record);
                for (var i = 0; i < n; i++) keepSpan[i] = Draw(priority[i], price);
            }
            return;
        }
        if (Options.Price is { } fixedPrice)
        {
            if (Options.Granularity == KondoGranularity.Row)
            {
                var scores = RowScores(priority, rows, T);
                for (var r = 0; r < rows; r++) keepSpan.Slice(r * T, T).Fill(scores[r] > fixedPrice ? 1f : 0f);
            }
            else
                for (var i = 0; i < n; i++) keepSpan[i] = priority[i] > fixedPrice ? 1f : 0f;
            return;
        }
        var rate = Options.Rate!.Value;
        KeepTopFraction(priority, rate, keepSpan);
        if (Options.Granularity == KondoGranularity.Row) KeepTopRows(priority, rate, rows, T, keepSpan);
    }

    /// <summary>
    /// Keep with probability p = σ((score − λ)/η) (p = 1 when <paramref name="price"/> is NaN: warm-up); returns the
    /// mask value: 0 when dropped, 1 when kept, 1/p when kept with Horvitz–Thompson weighting. One draw per call.
    /// </summary>
    float Draw(float score, float price)
    {
        var p = float.IsNaN(price) ? 1f : 1f / (1f + MathF.Exp(-(score - price) / Options.Temperature));
        if (!(_rng.NextFloat() < p)) return 0f;
        return Options.InversePropensity ? 1f / p : 1f;
    }

    /// <summary>The keep probability σ((score − λ)/η) the stochastic gate uses (1 in warm-up, λ = NaN).</summary>
    public float KeepProbability(float score, float price)
        => float.IsNaN(price) ? 1f : 1f / (1f + MathF.Exp(-(score - price) / Options.Temperature));

    /// <summary>Per row, the mean (float sum over T, then / T) or the sum of its token priorities.</summary>
    Span<float> RowScores(ReadOnlySpan<float> priority, int rows, int T)
    {
        var scores = _rowScore.AsSpan(0, rows);
        for (var r = 0; r < rows; r++)
        {
            var sum = 0f;
            foreach (var p in priority.Slice(r * T, T)) sum += p;
            scores[r] = (Options.RowScore ?? KondoRowScore.Mean) == KondoRowScore.Sum ? sum : sum / T;
        }
        return scores;
    }

    /// <summary>
    /// λ = the k-th largest of the last H scores, k = max(1, round-half-even(ρ·count)), after the batch's scores enter
    /// the ring buffer (oldest overwritten first); NaN (gate open) while the buffer holds fewer than W scores. Without
    /// <paramref name="record"/> the batch's scores join the buffer's for this price only.
    /// </summary>
    float RatePrice(ReadOnlySpan<float> scores, bool record)
    {
        int count;
        if (record)
        {
            foreach (var s in scores)
            {
                _history[_historyNext] = s;
                _historyNext = (_historyNext + 1) % _history.Length;
                if (_historyCount < _history.Length) _historyCount++;
            }
            count = _historyCount;
            _history.AsSpan(0, count).CopyTo(_quantileScratch);
        }
        else
        {
            count = _historyCount + scores.Length;
            _history.AsSpan(0, _historyCount).CopyTo(_quantileScratch);
            scores.CopyTo(_quantileScratch.AsSpan(_historyCount));
        }
        if (count < Options.Warmup) return LastPrice = float.NaN;
        var sorted = _quantileScratch.AsSpan(0, count);
        sorted.Sort();
        var k = Math.Max(1, (int)Math.Round(Options.Rate!.Value * count, MidpointRounding.ToEven));
        var price = sorted[count - k];
        if (record) LastPrice = price;
        return price;
    }

    /// <summary>The rate gate's history (scores, count, next slot), for checkpoints; empty for other modes.</summary>
    internal (float[] Scores, int Count, int Next) History => (_history, _historyCount, _historyNext);

    internal void RestoreHistory(ReadOnlySpan<float> scores, int count, int next)
    {
        if (scores.Length != _history.Length || count < 0 || count > _history.Length || next < 0 || next >= Math.Max(1, _history.Length))
            throw new ArgumentException($"the Kondo gate's saved history ({scores.Length} scores, count {count}, next {next}) does not fit --kondo-history {_history.Length}.");
        scores.CopyTo(_history);
        _historyCount = count;
        _historyNext = next;
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
