using Delight.Learning;
using Delight.Losses;
using Delight.Numerics;
using Delight.Screens;

namespace Delight.Test.Screens;

/// <summary>
/// The stochastic Kondo gate as the papers define it: a price tracking the (1 − ρ)-quantile of recent priorities, a
/// warm-up, one draw per row at row granularity, and Horvitz–Thompson weights whose expectation is the unscreened
/// coefficient (exact enumeration over every keep pattern).
/// </summary>
public class KondoRateGateTest
{
    // Three rows × two tokens. U = (+1, −1, 0.5); ℓ = (0.1, 2 | 3, 0.2 | 1, 1).
    // Delight χ = (0.1, 2 | −3, −0.2 | 0.5, 0.5); row means (1.05, −1.6, 0.5), row sums (2.1, −3.2, 1).
    static readonly float[] s_advantage = [1f, -1f, 0.5f];
    static readonly float[] s_surprisal = [0.1f, 2f, 3f, 0.2f, 1f, 1f];

    static Signals Batch(float[] delight)
    {
        for (var i = 0; i < 6; i++) delight[i] = s_advantage[i / 2] * s_surprisal[i];
        return new Signals(s_advantage, s_surprisal, delight, 3, 2);
    }

    static float[] Mask(KondoScreen screen, bool record = true)
    {
        var keep = new float[6];
        screen.Mask(Batch(new float[6]), keep, record);
        return keep;
    }

    static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    [Fact]
    public void KondoRateGateTest_WarmUp_KeepsEverythingThenPriceIsTheRingQuantile()
    {
        // History 8, warm-up 7: the first batch brings 6 scores (< 7), so the gate is open and every token kept.
        var screen = new KondoScreen(new KondoOptions { Rate = 0.5f, Stochastic = true, Temperature = 1e-3f, History = 8, Warmup = 7 }, 6, new Rng(3));
        Assert.Equal([1f, 1f, 1f, 1f, 1f, 1f], Mask(screen));
        Assert.True(float.IsNaN(screen.LastPrice));
        // Second batch: the ring (capacity 8) holds [−3, −0.2, 0.5, 0.5 | 0.5, 0.5, 0.1, 2] (the oldest four overwritten);
        // sorted −3, −0.2, 0.1, 0.5, 0.5, 0.5, 0.5, 2; k = round(0.5·8) = 4 → λ = the 4th largest = 0.5.
        var keep = Mask(screen);
        Assert.Equal(0.5f, screen.LastPrice);
        // η = 1e-3: χ = 2 is kept surely, χ ≤ 0.1 never; χ = 0.5 = λ has p = ½.
        Assert.Equal(1f, keep[1]);
        Assert.Equal([0f, 0f, 0f], new[] { keep[0], keep[2], keep[3] });
        Assert.Equal(0.5f, screen.KeepProbability(0.5f, screen.LastPrice));
    }

    [Fact]
    public void KondoRateGateTest_AuditMask_DoesNotEnterTheHistory()
    {
        var options = new KondoOptions { Rate = 0.5f, Stochastic = true, History = 8, Warmup = 0 };
        var screen = new KondoScreen(options, 6, new Rng(3));
        Mask(screen, record: false);
        Assert.Equal(0, screen.History.Count);
        Mask(screen);
        Assert.Equal(6, screen.History.Count);
        // One batch of six: k = round(0.5·6) = 3 (half to even) → λ = the 3rd largest of (2, 0.5, 0.5, 0.1, −0.2, −3) = 0.5.
        Assert.Equal(0.5f, screen.LastPrice);
    }

    [Theory]
    [InlineData(KondoRowScore.Mean, new[] { 1.05f, -1.6f, 0.5f })]
    [InlineData(KondoRowScore.Sum, new[] { 2.1f, -3.2f, 1f })]
    public void KondoRateGateTest_RowGranularity_OneDrawPerRowOnItsScore(KondoRowScore rowScore, float[] scores)
    {
        // Price 0, η = 1: row r is kept whole with probability σ(score_r); both tokens of a row always agree.
        var options = new KondoOptions { Price = 0f, Stochastic = true, Granularity = KondoGranularity.Row, RowScore = rowScore };
        var kept = new int[3];
        const int Draws = 4000;
        for (ulong seed = 0; seed < Draws; seed++)
        {
            var keep = Mask(new KondoScreen(options, 6, new Rng(seed)));
            for (var r = 0; r < 3; r++)
            {
                Assert.Equal(keep[2 * r], keep[2 * r + 1]);
                kept[r] += (int)keep[2 * r];
            }
        }
        for (var r = 0; r < 3; r++)
        {
            var p = Sigmoid(scores[r]);
            // Four binomial standard deviations at 4000 draws is at most 0.032.
            Assert.InRange(kept[r] / (double)Draws, p - 0.032, p + 0.032);
        }
    }

    [Fact]
    public void KondoRateGateTest_RowRatePrice_IsTheQuantileOfRowScores()
    {
        // Row means (1.05, −1.6, 0.5), ρ = 1/3: k = 1 → λ = 1.05; with sums λ = 2.1.
        var mean = new KondoScreen(new KondoOptions { Rate = 1f / 3, Stochastic = true, Granularity = KondoGranularity.Row, Warmup = 0 }, 6, new Rng(1));
        Mask(mean);
        Assert.Equal(1.05f, mean.LastPrice, 6);
        var sum = new KondoScreen(new KondoOptions { Rate = 1f / 3, Stochastic = true, Granularity = KondoGranularity.Row, Warmup = 0, RowScore = KondoRowScore.Sum }, 6, new Rng(1));
        Mask(sum);
        Assert.Equal(2.1f, sum.LastPrice, 6);
    }

    /// <summary>
    /// E[mask·c] over every keep pattern of the gated units, with the hand-computed keep probabilities, equals the
    /// unscreened coefficient c: the screen's observed mask on a kept unit must be exactly 1/p.
    /// </summary>
    [Theory]
    [InlineData(KondoGranularity.Row)]
    [InlineData(KondoGranularity.Token)]
    public void KondoRateGateTest_HorvitzThompson_ExactEnumerationIsUnbiasedForDg(KondoGranularity granularity)
    {
        // DG behind a rate-targeted stochastic gate, ρ = 1/3, η = 1, no warm-up.
        // Row: scores (1.05, −1.6, 0.5), λ = 1.05, p = (σ(0), σ(−2.65), σ(−0.55)).
        // Token: scores χ, k = round(6/3) = 2 → λ = 0.5 (the 2nd largest), p_t = σ(χ_t − 0.5).
        var options = new KondoOptions { Rate = 1f / 3, Stochastic = true, InversePropensity = true, Warmup = 0, Granularity = granularity };
        var delight = new float[6];
        var signals = Batch(delight);
        var dg = new float[6];
        new DelightfulPg().Coefficients(signals, dg, out _);
        float[] unitP = granularity == KondoGranularity.Row
            ? [Sigmoid(0f), Sigmoid(-2.65f), Sigmoid(-0.55f)]
            : [.. delight.Select(x => Sigmoid(x - 0.5f))];
        int unitSize = granularity == KondoGranularity.Row ? 2 : 1, units = unitP.Length;

        // The mask a kept unit gets, read off the screen over many seeds: always 1/p.
        var observed = new float[units];
        var keptCount = new int[units];
        for (ulong seed = 0; seed < 3000; seed++)
        {
            var keep = new float[6];
            var screen = new KondoScreen(options, 6, new Rng(seed));
            screen.Mask(signals, keep);
            Assert.Equal(granularity == KondoGranularity.Row ? 1.05f : 0.5f, screen.LastPrice, 6);
            for (var u = 0; u < units; u++)
                if (keep[u * unitSize] != 0f) { observed[u] = keep[u * unitSize]; keptCount[u]++; }
        }
        for (var u = 0; u < units; u++)
        {
            if (keptCount[u] > 0) Assert.Equal(1f / unitP[u], observed[u], 4);
            Assert.InRange(keptCount[u] / 3000.0, unitP[u] - 0.04, unitP[u] + 0.04);
        }

        // Exact enumeration of the 2^units keep patterns.
        var expected = new double[6];
        for (var pattern = 0; pattern < 1 << units; pattern++)
        {
            var probability = 1.0;
            for (var u = 0; u < units; u++) probability *= (pattern >> u & 1) == 1 ? unitP[u] : 1 - unitP[u];
            for (var i = 0; i < 6; i++)
            {
                var u = i / unitSize;
                var mask = (pattern >> u & 1) == 1 ? 1.0 / unitP[u] : 0.0;
                expected[i] += probability * mask * dg[i];
            }
        }
        for (var i = 0; i < 6; i++) Assert.Equal(dg[i], expected[i], 5);
    }

    [Fact]
    public void KondoRateGateTest_WithoutWeights_ExpectationIsTheGateTimesTheCoefficient()
    {
        // Without Horvitz–Thompson a kept unit's mask is 1: E[mask] = p, so at λ = 0 and η = 1 the Kondo gate over PG
        // coefficients is DG's coefficient in expectation (papers.md §3.1 [I]).
        var options = new KondoOptions { Price = 0f, Stochastic = true };
        var kept = 0;
        for (ulong seed = 0; seed < 4000; seed++)
        {
            var keep = Mask(new KondoScreen(options, 6, new Rng(seed)));
            Assert.All(keep, k => Assert.True(k is 0f or 1f));
            kept += (int)keep[0];
        }
        Assert.InRange(kept / 4000.0, Sigmoid(0.1f) - 0.032, Sigmoid(0.1f) + 0.032);
    }

    [Theory]
    [InlineData("ipw")]
    [InlineData("row-score")]
    [InlineData("row-score-rate")]
    [InlineData("warmup")]
    [InlineData("history")]
    [InlineData("eta")]
    public void KondoRateGateTest_Options_RejectBadCombinations(string what)
    {
        KondoOptions options = what switch
        {
            "ipw" => new() { Rate = 0.1f, InversePropensity = true },
            "row-score" => new() { Price = 0f, RowScore = KondoRowScore.Sum },
            "row-score-rate" => new() { Rate = 0.1f, Granularity = KondoGranularity.Row, RowScore = KondoRowScore.Sum },
            "warmup" => new() { Rate = 0.1f, Stochastic = true, History = 10, Warmup = 11 },
            "history" => new() { Rate = 0.1f, Stochastic = true, History = 0 },
            _ => new() { Rate = 0.1f, Stochastic = true, Temperature = 0f },
        };
        Assert.IsType<Delight.Runtime.OptionException>(Record.Exception(options.Validate));
    }

    [Fact]
    public void KondoRateGateTest_SequenceDg_OneGatePerRowOnItsMeanDelight()
    {
        var coefficients = new float[6];
        new DelightfulPg(granularity: DgGranularity.Sequence).Coefficients(Batch(new float[6]), coefficients, out var statistics);
        // w_r = σ(mean χ_r) = σ(1.05), σ(−1.6), σ(0.5); coefficient = w_r·U_r on both tokens of the row.
        float[] w = [Sigmoid(1.05f), Sigmoid(-1.6f), Sigmoid(0.5f)];
        for (var i = 0; i < 6; i++) Assert.Equal(w[i / 2] * s_advantage[i / 2], coefficients[i], 6);
        Assert.Equal((w[0] + w[1] + w[2]) / 3f, statistics.GateMean, 6);
        // Hard sequence gate (η = 0): rows with mean χ > 0 keep their advantage.
        new DelightfulPg(temperature: 0f, granularity: DgGranularity.Sequence).Coefficients(Batch(new float[6]), coefficients, out _);
        Assert.Equal([1f, 1f, 0f, 0f, 0.5f, 0.5f], coefficients);
    }
}
