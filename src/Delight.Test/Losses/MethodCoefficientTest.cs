using Delight.Runtime;
using Delight.Learning;
using Delight.Losses;
using Delight.Numerics;

namespace Delight.Test.Losses;

/// <summary>
/// Hand-computed coefficients of is-pg, ppo, pmpo and vaco on 2–3-row batches, their statistics, option and
/// behaviour-log-prob validation, the catalog, and finite-difference checks of the learner contract
/// dL/dlog π_t = −c_t / N (N = rows × answer tokens).
/// </summary>
public class MethodCoefficientTest
{
    // The standard batch: three rows × four tokens, U = (+1, −0.5, 0), log μ = ln 0.4 on every token and
    // π = 0.4·r, so each row's tokens have ratios r = π/μ = (0.5, 1, 1.5, 2): π = (0.2, 0.4, 0.6, 0.8).
    static readonly float[] s_advantage = [1f, -0.5f, 0f];
    static readonly float[] s_ratios = [0.5f, 1f, 1.5f, 2f];

    static (float[] LogPi, float[] LogMu) Batch(float[] ratios, int rowCount)
    {
        var logPi = new float[rowCount * ratios.Length];
        var logMu = new float[rowCount * ratios.Length];
        for (var i = 0; i < logPi.Length; i++)
        {
            logMu[i] = MathF.Log(0.4f);
            logPi[i] = MathF.Log(0.4f * ratios[i % ratios.Length]);
        }
        return (logPi, logMu);
    }

    static float[] Run(ILoss loss, float[] advantage, float[] logPi, float[]? logMu, out LossStatistics statistics)
    {
        int rows = advantage.Length, t = logPi.Length / rows;
        var surprisal = new float[logPi.Length];
        var delight = new float[logPi.Length];
        for (var i = 0; i < logPi.Length; i++)
        {
            surprisal[i] = -logPi[i];
            delight[i] = advantage[i / t] * surprisal[i];
        }
        var coefficients = new float[logPi.Length];
        loss.Coefficients(new Signals(advantage, surprisal, delight, rows, t, logMu), coefficients, out statistics);
        return coefficients;
    }

    static float[] RunStandard(ILoss loss, out LossStatistics statistics, float[]? ratios = null, bool behaviour = true)
    {
        var (logPi, logMu) = Batch(ratios ?? s_ratios, s_advantage.Length);
        return Run(loss, s_advantage, logPi, behaviour ? logMu : null, out statistics);
    }

    static void AssertCoefficients(float[] expected, float[] actual, int precision = 5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], precision);
    }

    // ── is-pg ────────────────────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public void MethodCoefficientTest_ImportanceWeightedPg_UntruncatedIsRatioTimesAdvantage()
    {
        var c = RunStandard(new ImportanceWeightedPg(), out var statistics);
        // c = r·U: row 0 (U = 1) → r; row 1 (U = −0.5) → −r/2; row 2 (U = 0) → 0.
        AssertCoefficients([0.5f, 1f, 1.5f, 2f, -0.25f, -0.5f, -0.75f, -1f, 0f, 0f, 0f, 0f], c);
        Assert.Equal(1f, statistics.GateMean);
        Assert.Equal((0.5f + 1f + 1.5f + 2f) / 4f, statistics.RatioMean, 5); // 1.25
        Assert.Equal(2f, statistics.RatioMax, 5);
        Assert.Equal(0f, statistics.ClipFraction);
        Assert.Equal(0f, statistics.DropFraction);
    }

    [Fact]
    public void MethodCoefficientTest_ImportanceWeightedPg_TruncatedAtRhoBar()
    {
        var c = RunStandard(new ImportanceWeightedPg(truncation: 1f), out var statistics);
        // w = min(r, 1) = (0.5, 1, 1, 1); c = w·U.
        AssertCoefficients([0.5f, 1f, 1f, 1f, -0.25f, -0.5f, -0.5f, -0.5f, 0f, 0f, 0f, 0f], c);
        // r = 1.5 and 2 are truncated in each of the three rows (U = 0 included): 6 of 12 tokens.
        Assert.Equal(0.5f, statistics.ClipFraction, 6);
        Assert.Equal(1.25f, statistics.RatioMean, 5); // the statistic is of r, before truncation
        Assert.Equal(2f, statistics.RatioMax, 5);
        // ρ̄ = 1.7 truncates only r = 2.
        AssertCoefficients([0.5f, 1f, 1.5f, 1.7f, -0.25f, -0.5f, -0.75f, -0.85f, 0f, 0f, 0f, 0f],
            RunStandard(new ImportanceWeightedPg(truncation: 1.7f), out _));
    }

    [Fact]
    public void MethodCoefficientTest_ImportanceWeightedPg_RatioOneIsPg()
    {
        var pg = RunStandard(new Reinforce(), out _, ratios: [1f, 1f, 1f, 1f]);
        AssertCoefficients(pg, RunStandard(new ImportanceWeightedPg(), out _, ratios: [1f, 1f, 1f, 1f]), 6);
        AssertCoefficients(pg, RunStandard(new ImportanceWeightedPg(truncation: 1f), out _, ratios: [1f, 1f, 1f, 1f]), 6);
    }

    // ── ppo ──────────────────────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public void MethodCoefficientTest_Ppo_RatioOneIsPg()
    {
        var pg = RunStandard(new Reinforce(), out _, ratios: [1f, 1f, 1f, 1f]);
        var ppo = RunStandard(new Ppo(), out var statistics, ratios: [1f, 1f, 1f, 1f]);
        AssertCoefficients(pg, ppo, 6); // U, U, U, U per row
        Assert.Equal([1f, 1f, 1f, 1f, -0.5f, -0.5f, -0.5f, -0.5f, 0f, 0f, 0f, 0f], pg);
        Assert.Equal(0f, statistics.ClipFraction);
        Assert.Equal(1f, statistics.RatioMean, 6);
    }

    [Fact]
    public void MethodCoefficientTest_Ppo_ClipsBothSidesForBothSigns()
    {
        var c = RunStandard(new Ppo(epsilon: 0.2f), out var statistics);
        // ε = 0.2: clip range [0.8, 1.2].
        // Row 0, U = +1: r = 0.5 → min(0.5, 0.8) = r·U unclipped → 0.5; r = 1 → 1;
        //                r = 1.5 → min(1.5, 1.2) = the clipped constant → 0; r = 2 → 0.
        // Row 1, U = −0.5: r = 0.5 → min(−0.25, −0.4) = the clipped constant → 0; r = 1 → −0.5;
        //                r = 1.5 → min(−0.75, −0.6) = r·U → −0.75; r = 2 → min(−1, −0.6) → −1.
        // Row 2, U = 0: every term is 0.
        AssertCoefficients([0.5f, 1f, 0f, 0f, 0f, -0.5f, -0.75f, -1f, 0f, 0f, 0f, 0f], c);
        Assert.Equal(3f / 12f, statistics.ClipFraction, 6); // row 0: r = 1.5, 2; row 1: r = 0.5
        Assert.Equal(1.25f, statistics.RatioMean, 5);        // (0.5 + 1 + 1.5 + 2)/4, same in every row
        Assert.Equal(2f, statistics.RatioMax, 5);
        Assert.Equal(1f, statistics.GateMean);
        Assert.Equal(0f, statistics.DropFraction);
        // ε = 0.6: range [0.4, 1.6]: only r = 2 (U > 0) is clipped now; r = 0.5 (U < 0) is inside.
        AssertCoefficients([0.5f, 1f, 1.5f, 0f, -0.25f, -0.5f, -0.75f, -1f, 0f, 0f, 0f, 0f],
            RunStandard(new Ppo(epsilon: 0.6f), out var wide));
        Assert.Equal(1f / 12f, wide.ClipFraction, 6);
    }

    [Fact]
    public void MethodCoefficientTest_Ppo_KlAnchorAddsBeta()
    {
        // The anchor β·(1/N)Σ(log μ − log π) has gradient −(β/N)Σ∇log π: +β on every token, clipped or not.
        var c = RunStandard(new Ppo(epsilon: 0.2f, beta: 0.1f), out _);
        AssertCoefficients([0.6f, 1.1f, 0.1f, 0.1f, 0.1f, -0.4f, -0.65f, -0.9f, 0.1f, 0.1f, 0.1f, 0.1f], c);
    }

    [Fact]
    public void MethodCoefficientTest_Ppo_GradientMatchesFiniteDifferences()
    {
        const float epsilon = 0.2f, beta = 0.05f;
        var (advantage, logPi, logMu) = RandomBatch(new Rng(11), rowCount: 3, tokensPerRow: 5);
        var ppo = new Ppo(epsilon, beta);
        int n = logPi.Length, t = logPi.Length / advantage.Length;
        // L(log π) = −(1/N) Σ min(r·U, clip(r, 1−ε, 1+ε)·U) + β·(1/N) Σ (log μ − log π), r = exp(log π − log μ).
        double Objective(double[] x)
        {
            var sum = 0.0;
            for (var i = 0; i < n; i++)
            {
                double u = advantage[i / t], r = Math.Exp(x[i] - logMu[i]);
                sum -= Math.Min(r * u, Math.Clamp(r, 1 - epsilon, 1 + epsilon) * u);
                sum += beta * (logMu[i] - x[i]);
            }
            return sum / n;
        }
        // The min and the clip have kinks at r = 1 ± ε; away from them the objective is smooth.
        bool Smooth(int i)
        {
            var r = Math.Exp(logPi[i] - (double)logMu[i]);
            return Math.Abs(r - (1 - epsilon)) > 1e-3 && Math.Abs(r - (1 + epsilon)) > 1e-3;
        }
        var c = CheckFiniteDifferences(ppo, advantage, logPi, logMu, Objective, Smooth);
        // Both branches are exercised: some tokens clipped (c = β), some unclipped with U ≠ 0.
        Assert.Contains(c, x => x == beta);
        Assert.Contains(c, x => Math.Abs(x - beta) > 1e-3f);
    }

    // ── pmpo ─────────────────────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public void MethodCoefficientTest_Pmpo_AcceptedAndRejectedNormalisation()
    {
        var c = RunStandard(new Pmpo(), out var statistics);
        // α = 0.5, β = 0.1, γ = 1e-9. Row 0 (U = 1) accepted; rows 1 (U = −0.5) and 2 (U = 0) rejected.
        // N = 12, N_acc = 4, N_rej = 8.
        // Accepted: α·N/N_acc + β = 0.5·3 + 0.1 = 1.6.
        // Rejected: −(1−α)·(N/N_rej)·π/(γ+π) + β = −0.5·1.5·(1 − 5e-9) + 0.1 ≈ −0.65 (π ≥ 0.2 ≫ γ).
        AssertCoefficients([1.6f, 1.6f, 1.6f, 1.6f, -0.65f, -0.65f, -0.65f, -0.65f, -0.65f, -0.65f, -0.65f, -0.65f], c);
        // β > 0 reads μ: the ratio is reported.
        Assert.Equal(1.25f, statistics.RatioMean, 5);
        Assert.Equal(2f, statistics.RatioMax, 5);
        Assert.Equal(1f, statistics.GateMean);

        // U = (+1, +2, −1): N_acc = 8, N_rej = 4. β = 0.
        // Accepted: 0.5·12/8 = 0.75; rejected: −0.5·12/4·1 = −1.5.
        var (logPi, _) = Batch(s_ratios, 3);
        var counts = Run(new Pmpo(beta: 0f), [1f, 2f, -1f], logPi, null, out var noKl);
        AssertCoefficients([0.75f, 0.75f, 0.75f, 0.75f, 0.75f, 0.75f, 0.75f, 0.75f, -1.5f, -1.5f, -1.5f, -1.5f], counts);
        Assert.True(float.IsNaN(noKl.RatioMean));
        Assert.True(float.IsNaN(noKl.RatioMax));
    }

    [Fact]
    public void MethodCoefficientTest_Pmpo_GammaFloorsTheRejectedTerm()
    {
        // γ = 0.2, β = 0, α = 0.5: rejected c = −0.5·(12/8)·π/(0.2 + π) = −0.75·π/(0.2 + π), π = (0.2, 0.4, 0.6, 0.8):
        //   π/(0.2+π) = (0.5, 2/3, 0.75, 0.8) → c = (−0.375, −0.5, −0.5625, −0.6). Accepted c = 0.5·12/4 = 1.5.
        var c = RunStandard(new Pmpo(beta: 0f, gamma: 0.2f), out _, behaviour: false);
        AssertCoefficients([1.5f, 1.5f, 1.5f, 1.5f, -0.375f, -0.5f, -0.5625f, -0.6f, -0.375f, -0.5f, -0.5625f, -0.6f], c);
        // γ = 0 (egg allows it: log π): π/π = 1 → c = −0.75 on every rejected token.
        var exact = RunStandard(new Pmpo(beta: 0f, gamma: 0f), out _, behaviour: false);
        AssertCoefficients([1.5f, 1.5f, 1.5f, 1.5f, -0.75f, -0.75f, -0.75f, -0.75f, -0.75f, -0.75f, -0.75f, -0.75f], exact, 6);
    }

    [Fact]
    public void MethodCoefficientTest_Pmpo_EmptySideContributesNothing()
    {
        var (logPi, _) = Batch(s_ratios, 2);
        // Every row accepted: N_acc = N → c = α = 0.5 (no rejected term, no division by N_rej = 0).
        AssertCoefficients(Enumerable.Repeat(0.5f, 8).ToArray(), Run(new Pmpo(beta: 0f), [1f, 0.5f], logPi, null, out _), 6);
        // Every row rejected: N_rej = N, γ = 0 → c = −(1−α) = −0.5.
        AssertCoefficients(Enumerable.Repeat(-0.5f, 8).ToArray(), Run(new Pmpo(beta: 0f, gamma: 0f), [-1f, 0f], logPi, null, out _), 6);
        // α = 1: only the accepted term; rejected tokens get 0.
        AssertCoefficients([2f, 2f, 2f, 2f, 0f, 0f, 0f, 0f], Run(new Pmpo(alpha: 1f, beta: 0f), [1f, -1f], logPi, null, out _), 6);
    }

    [Fact]
    public void MethodCoefficientTest_Pmpo_BetaZeroNeedsNoBehaviourLogProbs()
    {
        Assert.False(new Pmpo(beta: 0f).NeedsBehaviourLogProbs);
        Assert.True(new Pmpo().NeedsBehaviourLogProbs);
        var without = RunStandard(new Pmpo(beta: 0f), out _, behaviour: false);
        var with = RunStandard(new Pmpo(beta: 0f), out _);
        AssertCoefficients(with, without, 6);
    }

    [Fact]
    public void MethodCoefficientTest_Pmpo_GradientMatchesFiniteDifferences()
    {
        const float alpha = 0.3f, beta = 0.05f, gamma = 0.3f;
        var (advantage, logPi, logMu) = RandomBatch(new Rng(12), rowCount: 3, tokensPerRow: 5);
        advantage[0] = 0.7f; // at least one accepted and one rejected row
        advantage[1] = -0.4f;
        int n = logPi.Length, t = n / advantage.Length;
        var accepted = Enumerable.Range(0, n).Count(i => advantage[i / t] > 0);
        // L = α·mean_acc(−log π) + (1−α)·mean_rej(log(γ + π)) + β·(1/N) Σ (log μ − log π).
        double Objective(double[] x)
        {
            double acc = 0, rej = 0, kl = 0;
            for (var i = 0; i < n; i++)
            {
                if (advantage[i / t] > 0) acc -= x[i];
                else rej += Math.Log(gamma + Math.Exp(x[i]));
                kl += logMu[i] - x[i];
            }
            return alpha * acc / accepted + (1 - alpha) * rej / (n - accepted) + beta * kl / n;
        }
        CheckFiniteDifferences(new Pmpo(alpha, beta, gamma), advantage, logPi, logMu, Objective, _ => true);
    }

    // ── vaco ─────────────────────────────────────────────────────────────────────────────────────────────────

    [Fact]
    public void MethodCoefficientTest_Vaco_KeepsAndDropsTheFourSignCases()
    {
        // Ratios (0.5, 0.9, 1.1, 2), δ = 0.2: |r − 1| = (0.5, 0.1, 0.1, 1). Kept terms are r·U.
        // Row 0, U = +1:   r = 0.5: outside, U(r−1) = −0.5 < 0 (TV-decreasing) → kept, 0.5
        //                  r = 0.9: inside → kept, 0.9;  r = 1.1: inside, U(r−1) > 0 → kept, 1.1
        //                  r = 2:   outside, U(r−1) = +1 > 0 → dropped, 0
        // Row 1, U = −0.5: r = 0.5: outside, U(r−1) = +0.25 > 0 → dropped, 0
        //                  r = 0.9: inside, U(r−1) > 0 → kept, −0.45;  r = 1.1: inside → kept, −0.55
        //                  r = 2:   outside, U(r−1) = −0.5 < 0 → kept, −1
        // Row 2, U = 0:    U(r−1) = 0 is not > 0 → all kept, all 0.
        var c = RunStandard(new Vaco(delta: 0.2f), out var statistics, ratios: [0.5f, 0.9f, 1.1f, 2f]);
        AssertCoefficients([0.5f, 0.9f, 1.1f, 0f, 0f, -0.45f, -0.55f, -1f, 0f, 0f, 0f, 0f], c);
        Assert.Equal(2f / 12f, statistics.DropFraction, 6);
        Assert.Equal((0.5f + 0.9f + 1.1f + 2f) / 4f, statistics.RatioMean, 5); // 1.125
        Assert.Equal(2f, statistics.RatioMax, 5);
        Assert.Equal(0f, statistics.ClipFraction);
        Assert.Equal(1f, statistics.GateMean);
    }

    [Fact]
    public void MethodCoefficientTest_Vaco_OverflowingRatioOnDroppedTokenIsFinite()
    {
        // log π − log μ = 200: r = e^200 overflows float to +∞; U = +1 makes it TV-increasing → dropped → exactly 0.
        var c = Run(new Vaco(), [1f], [0f, MathF.Log(0.5f)], [-200f, MathF.Log(0.5f)], out var statistics);
        Assert.Equal(0f, c[0]);
        Assert.Equal(1f, c[1], 6);
        Assert.Equal(0.5f, statistics.DropFraction);
    }

    [Fact]
    public void MethodCoefficientTest_Vaco_EqualsPpoAtDeltaEqualsEpsilon()
    {
        // PPO's clipped set (U > 0, r > 1+ε; U < 0, r < 1−ε) is VACO's dropped set with δ = ε (anchors.md A.3).
        var (advantage, logPi, logMu) = RandomBatch(new Rng(13), rowCount: 3, tokensPerRow: 8);
        var vaco = Run(new Vaco(0.3f), advantage, logPi, logMu, out var v);
        var ppo = Run(new Ppo(0.3f), advantage, logPi, logMu, out var p);
        AssertCoefficients(ppo, vaco, 6);
        Assert.Equal(p.ClipFraction, v.DropFraction);
        Assert.True(v.DropFraction > 0f);
    }

    [Fact]
    public void MethodCoefficientTest_Vaco_GradientMatchesFiniteDifferences()
    {
        const float delta = 0.2f;
        var (advantage, logPi, logMu) = RandomBatch(new Rng(14), rowCount: 3, tokensPerRow: 5);
        int n = logPi.Length, t = n / advantage.Length;
        // L = −(1/N) Σ M·r·U with M = 0 iff |r − 1| > δ and U(r − 1) > 0 (piecewise constant).
        double Objective(double[] x)
        {
            var sum = 0.0;
            for (var i = 0; i < n; i++)
            {
                double u = advantage[i / t], r = Math.Exp(x[i] - logMu[i]);
                if (!(Math.Abs(r - 1) > delta && u * (r - 1) > 0)) sum -= r * u;
            }
            return sum / n;
        }
        bool Smooth(int i) => Math.Abs(Math.Abs(Math.Exp(logPi[i] - (double)logMu[i]) - 1) - delta) > 1e-3;
        CheckFiniteDifferences(new Vaco(delta), advantage, logPi, logMu, Objective, Smooth);
    }

    // ── behaviour log-probs, options, catalog ────────────────────────────────────────────────────────────────

    [Fact]
    public void MethodCoefficientTest_AllRatioMethods_MissingBehaviourLogProbsThrows()
    {
        foreach (var loss in new ILoss[] { new ImportanceWeightedPg(), new Ppo(), new Pmpo(), new Vaco() })
        {
            Assert.True(loss.NeedsBehaviourLogProbs, loss.Name);
            var error = Assert.ThrowsAny<ArgumentException>(() => RunStandard(loss, out _, behaviour: false));
            Assert.Contains("behaviour", error.Message);
            Assert.Contains(loss.Name, error.Message);
        }
    }

    [Fact]
    public void MethodCoefficientTest_Options_InvalidValuesNameTheOption()
    {
        (Action Create, string Option)[] cases =
        [
            (() => new ImportanceWeightedPg(truncation: 0f), "--truncation"),
            (() => new ImportanceWeightedPg(truncation: -1f), "--truncation"),
            (() => new ImportanceWeightedPg(truncation: float.NaN), "--truncation"),
            (() => new Ppo(epsilon: 0f), "--epsilon"),
            (() => new Ppo(epsilon: float.PositiveInfinity), "--epsilon"),
            (() => new Ppo(beta: -0.1f), "--beta"),
            (() => new Pmpo(alpha: 1.5f), "--alpha"),
            (() => new Pmpo(alpha: -0.1f), "--alpha"),
            (() => new Pmpo(beta: -0.1f), "--beta"),
            (() => new Pmpo(gamma: -1e-9f), "--gamma"),
            (() => new Vaco(delta: 0f), "--delta"),
            (() => new Vaco(delta: float.NaN), "--delta"),
        ];
        foreach (var (create, option) in cases)
        {
            var error = Assert.Throws<OptionException>(create);
            Assert.Equal(option, error.Option);
            Assert.Contains(option, error.Message);
        }
        // The value and the allowed range are in the message too.
        var alpha = Assert.Throws<OptionException>(() => new Pmpo(alpha: 1.5f));
        Assert.Contains("1.5", alpha.Message);
        Assert.Contains("[0, 1]", alpha.Message);
    }

    [Fact]
    public void MethodCoefficientTest_Catalog_RoundTrip()
    {
        Assert.Equal(["pg", "dg", "is-pg", "ppo", "pmpo", "vaco", "kondo", "ce"], LossCatalog.Names);
        foreach (var method in Enum.GetValues<Method>()) Assert.Equal(KebabCase.Of(method), LossCatalog.Create(new LossOptions { Method = method }).Name);

        Assert.Equal(0f, Assert.IsType<Ppo>(LossCatalog.Create(new LossOptions { Method = Method.Ppo })).Beta);
        Assert.Equal(0.1f, Assert.IsType<Pmpo>(LossCatalog.Create(new LossOptions { Method = Method.Pmpo })).Beta);
        var dg = Assert.IsType<DelightfulPg>(LossCatalog.Create(new LossOptions { Method = Method.Dg, Eta = 0.5f, Lambda = 0.25f }));
        Assert.Equal((0.5f, 0.25f), (dg.Temperature, dg.Price));
        var ppo = Assert.IsType<Ppo>(LossCatalog.Create(new LossOptions { Method = Method.Ppo, Epsilon = 0.3f, Beta = 0.2f }));
        Assert.Equal((0.3f, 0.2f), (ppo.Epsilon, ppo.Beta));
        var pmpo = Assert.IsType<Pmpo>(LossCatalog.Create(new LossOptions { Method = Method.Pmpo, Beta = 0.2f, Alpha = 0.7f, Gamma = 1e-3f }));
        Assert.Equal((0.7f, 0.2f, 1e-3f), (pmpo.Alpha, pmpo.Beta, pmpo.Gamma));
        Assert.Equal(0.4f, Assert.IsType<Vaco>(LossCatalog.Create(new LossOptions { Method = Method.Vaco, Delta = 0.4f })).Delta);
        Assert.Equal(2f, Assert.IsType<ImportanceWeightedPg>(LossCatalog.Create(new LossOptions { Method = Method.IsPg, Truncation = 2f })).Truncation);
        Assert.Null(Assert.IsType<ImportanceWeightedPg>(LossCatalog.Create(new LossOptions { Method = Method.IsPg })).Truncation);
    }

    [Fact]
    public void MethodCoefficientTest_Catalog_RejectsUnknownMethodsAndUnreadOptions()
    {
        var unknown = Assert.Throws<OptionException>(() => LossCatalog.Create(new LossOptions { Method = (Method)99 }));
        Assert.Equal("--method", unknown.Option);
        foreach (var name in LossCatalog.Names) Assert.Contains(name, unknown.Message);
        Assert.Contains("--beta", Assert.Throws<OptionException>(() => LossCatalog.Create(new LossOptions { Method = Method.Dg, Beta = 0.1f })).Message);
        Assert.Contains("--truncation", Assert.Throws<OptionException>(() => LossCatalog.Create(new LossOptions { Method = Method.Ppo, Truncation = 1f })).Message);
        // Every option a method does not read is refused when it is given a value other than its default, naming its readers.
        var epsilon = Assert.Throws<OptionException>(() => LossCatalog.Create(new LossOptions { Method = Method.Dg, Epsilon = 0.1f }));
        Assert.Equal("--epsilon", epsilon.Option);
        Assert.Contains("only ppo read", epsilon.Message);
        Assert.Equal("--eta", Assert.Throws<OptionException>(() => LossCatalog.Create(new LossOptions { Method = Method.Ppo, Eta = 0.5f })).Option);
        Assert.Equal("--dg-stochastic", Assert.Throws<OptionException>(() => LossCatalog.Create(new LossOptions { Method = Method.Kondo, DgStochastic = true })).Option);
        // Given at its default, an option the method does not read is harmless (config.json records every option).
        Assert.IsType<Reinforce>(LossCatalog.Create(new LossOptions { Method = Method.Pg, Epsilon = Ppo.DefaultEpsilon }));
        // The catalog passes values through to the constructors, which validate them.
        Assert.Contains("--epsilon", Assert.Throws<OptionException>(() => LossCatalog.Create(new LossOptions { Method = Method.Ppo, Epsilon = -1f })).Message);
    }

    // ── helpers ──────────────────────────────────────────────────────────────────────────────────────────────

    /// <summary>Advantages ~ N(0, 1); π and μ uniform in (0.05, 0.95), independent, so ratios span (0.05, 19).</summary>
    static (float[] Advantage, float[] LogPi, float[] LogMu) RandomBatch(Rng rng, int rowCount, int tokensPerRow)
    {
        var advantage = new float[rowCount];
        for (var r = 0; r < rowCount; r++) advantage[r] = (float)rng.NextNormal();
        var logPi = new float[rowCount * tokensPerRow];
        var logMu = new float[rowCount * tokensPerRow];
        for (var i = 0; i < logPi.Length; i++)
        {
            logPi[i] = MathF.Log(0.05f + 0.9f * rng.NextFloat());
            logMu[i] = MathF.Log(0.05f + 0.9f * rng.NextFloat());
        }
        return (advantage, logPi, logMu);
    }

    /// <summary>
    /// The learner contract: with N = rows × tokens, dL/dlog π_t = −c_t / N. Central differences in double on the
    /// method's objective, with the log-probs as free variables, at every token where <paramref name="smooth"/> holds.
    /// </summary>
    static float[] CheckFiniteDifferences(ILoss loss, float[] advantage, float[] logPi, float[] logMu,
        Func<double[], double> objective, Func<int, bool> smooth)
    {
        var c = Run(loss, advantage, logPi, logMu, out _);
        var n = logPi.Length;
        var x = logPi.Select(v => (double)v).ToArray();
        const double h = 1e-6;
        var checkedCount = 0;
        for (var i = 0; i < n; i++)
        {
            if (!smooth(i)) continue;
            x[i] = logPi[i] + h;
            var plus = objective(x);
            x[i] = logPi[i] - h;
            var minus = objective(x);
            x[i] = logPi[i];
            var numeric = (plus - minus) / (2 * h);
            var analytic = -(double)c[i] / n;
            var bound = 1e-8 + 1e-5 * Math.Max(Math.Abs(numeric), Math.Abs(analytic));
            Assert.True(Math.Abs(numeric - analytic) <= bound, $"{loss.Name}[{i}]: numeric {numeric:G8} vs −c/N {analytic:G8}");
            checkedCount++;
        }
        Assert.True(checkedCount >= n - 2, $"{loss.Name}: only {checkedCount} of {n} tokens checked");
        return c;
    }
}
