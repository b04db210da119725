using Delight.Diagnostics.Bandits;
using Delight.Environments.Bandits;

using static Delight.Test.Bandits.ExactVectors;

namespace Delight.Test.Bandits;

/// <summary>
/// The papers' tabular statements (papers.md §1.2, §2.3, §3.3; claims 2, 3, 7, 11, 15) reproduced from the exact
/// expectations. Where the digest gives a number it is checked; where it gives only a direction, the direction is.
/// </summary>
public class BanditClaimsTest
{
    /// <summary>K arms, y* = 0, π(y*) = 1 − ε spread evenly on the wrong arms (the symmetric bandit of Prop. 1).</summary>
    static ExactGradients Symmetric(int arms, double epsilon)
    {
        var exact = new ExactGradients(new ArmedBandit(new ArmedBanditOptions { ArmCount = arms }));
        var logits = new double[arms];
        logits[0] = Math.Log((1 - epsilon) * (arms - 1) / epsilon);
        exact.SetLogits(logits);
        return exact;
    }

    static double Cosine(double[] a, double[] b) => GradientGeometry.Cosine<double, double>(a, b);
    static double SquaredNorm(double[] a) => GradientGeometry.Dot<double, double>(a, a);
    static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>
    /// DG Prop. 1 (claim 2), K = 100, η = 1, advantages ±½: DG keeps PG's expected direction, its perpendicular second
    /// moment is PG's times w₋² (w₋ = σ(−ℓ₋/2), the gate on a failure), and, since a batch of B gives
    /// 1 − cos ≈ E‖v⊥‖²/(2B‖ḡ‖²), the share of PG's cosine gap DG keeps is w₋²·‖ḡ_PG‖²/‖ḡ_DG‖²: about 4% at ε = 0.5
    /// and 1% at ε = 0.1, the paper's numbers.
    /// </summary>
    [Theory]
    [InlineData(0.5, 0.035, 0.047)]
    [InlineData(0.1, 0.010, 0.016)]
    public void BanditClaimsTest_Prop1_SameDirectionAndTheCosineGapShare(double epsilon, double low, double high)
    {
        var exact = Symmetric(100, epsilon);
        var gradient = Gradient(exact);
        var half = Baseline.Constant(0.5);
        var pg = Update(exact, UpdateRule.PolicyGradient(half));
        var dg = Update(exact, UpdateRule.Delightful(half));
        Assert.Equal(1.0, Cosine(pg, gradient), 12);
        Assert.Equal(1.0, Cosine(dg, gradient), 12);
        var pgPerpendicular = exact.PerSampleMoments(UpdateRule.PolicyGradient(half), default, gradient).Perpendicular;
        var dgPerpendicular = exact.PerSampleMoments(UpdateRule.Delightful(half), default, gradient).Perpendicular;
        var wMinus = Sigmoid(-0.5 * -Math.Log(epsilon / 99));
        Assert.Equal(wMinus * wMinus, dgPerpendicular / pgPerpendicular, 10);
        var gapShare = dgPerpendicular / SquaredNorm(dg) / (pgPerpendicular / SquaredNorm(pg));
        Assert.InRange(gapShare, low, high);
    }

    /// <summary>Without the symmetry (wrong arms of unequal probability) DG's expected direction leaves ∇J; PG's does not.</summary>
    [Fact]
    public void BanditClaimsTest_Prop1_AsymmetricWrongArmsBendDgOnly()
    {
        var exact = new ExactGradients(new ArmedBandit(new ArmedBanditOptions { ArmCount = 4 }));
        exact.SetLogits(new double[] { 1.0, 0.5, -1.0, -3.0 });
        var gradient = Gradient(exact);
        Assert.Equal(1.0, Cosine(Update(exact, UpdateRule.PolicyGradient(Baseline.Constant(0.5))), gradient), 12);
        Assert.InRange(Cosine(Update(exact, UpdateRule.Delightful(Baseline.Constant(0.5))), gradient), 0.5, 0.9999);
    }

    /// <summary>
    /// Kondo Prop. 1 (claim 11): the zero-price hard gate (η = 0, λ = 0) keeps only the successes, so its expected
    /// update is ∝ ∇J with zero perpendicular second moment, for any wrong-arm profile.
    /// </summary>
    [Fact]
    public void BanditClaimsTest_KondoZeroPriceGate_ExactDirectionNoPerpendicularNoise()
    {
        var exact = new ExactGradients(new ArmedBandit(new ArmedBanditOptions { ArmCount = 6 }));
        exact.SetLogits(new double[] { -0.5, 2.0, 0.3, -1.0, 1.2, 0.0 });
        var gradient = Gradient(exact);
        var kondo = UpdateRule.Delightful(Baseline.LearnerValue, temperature: 0, price: 0);
        Assert.Equal(1.0, Cosine(Update(exact, kondo), gradient), 12);
        var moments = exact.PerSampleMoments(kondo, default, gradient);
        Assert.True(moments.SquaredNorm > 0);
        Assert.InRange(moments.Perpendicular, -1e-15, 1e-15);
        var pg = exact.PerSampleMoments(UpdateRule.PolicyGradient(Baseline.LearnerValue), default, gradient);
        Assert.True(pg.Perpendicular > 0.01 * pg.SquaredNorm);
    }

    /// <summary>
    /// DG Prop. 2 (claim 3): with exact gradients, DG (η = 1) is closer in cosine to the cross-entropy oracle than PG for
    /// every success profile tried, with the exact-value, the ±½ and the zero baseline.
    /// </summary>
    [Fact]
    public void BanditClaimsTest_Prop2_DgCloserToTheOracleThanPgForEveryProfile()
    {
        var model = new ContextBandit(new ContextBanditOptions { ContextCount = 5, ArmCount = 10 });
        var exact = new ExactGradients(model);
        var random = new Random(1);
        var logits = new float[50];
        var profile = new double[5];
        for (var trial = 0; trial < 20; trial++)
        {
            for (var c = 0; c < 5; c++) profile[c] = 0.02 + 0.96 * random.NextDouble();
            SuccessProfile.WriteLogits(model, profile, logits);
            exact.SetLogits(logits);
            var oracle = Update(exact, UpdateRule.CrossEntropy);
            foreach (var baseline in new[] { Baseline.LearnerValue, Baseline.Constant(0.5), Baseline.Zero })
            {
                var pg = Cosine(Update(exact, UpdateRule.PolicyGradient(baseline)), oracle);
                var dg = Cosine(Update(exact, UpdateRule.Delightful(baseline)), oracle);
                Assert.True(dg > pg, $"profile [{string.Join(", ", profile.Select(p => p.ToString("F3")))}], {baseline.Kind}: DG {dg} ≤ PG {pg}");
            }
        }
    }

    /// <summary>
    /// The distributed paper's contaminated bandit (claim 7, v2 reading): ±½ advantages, ρ = 0.1 of the actions from a
    /// uniform or a fixed wrong arm. PG's perpendicular second moment stays Θ(ρ) however good the learner gets; DG's
    /// shrinks by the overlap factor, here ∝ δ = 1 − π(y*) (w² ≤ π(a)^(1/η) on each failure, Lemma 1). Exact IS
    /// makes the expected update ∇J itself.
    /// </summary>
    [Theory]
    [InlineData(ContaminationSource.Uniform)]
    [InlineData(ContaminationSource.FixedArm)]
    public void BanditClaimsTest_Contamination_PgNoiseStaysDgNoiseVanishes(ContaminationSource source)
    {
        var contamination = new ContaminationOptions { Rate = 0.1, Source = source, Arm = source == ContaminationSource.FixedArm ? 3 : 0 };
        var half = Baseline.Constant(0.5);
        var previousRatio = double.PositiveInfinity;
        foreach (var delta in new[] { 1e-1, 1e-2, 1e-3, 1e-4 })
        {
            var exact = Symmetric(10, delta);
            var gradient = Gradient(exact);
            var pg = exact.PerSampleMoments(UpdateRule.PolicyGradient(half), contamination, gradient).Perpendicular;
            var dg = exact.PerSampleMoments(UpdateRule.Delightful(half), contamination, gradient).Perpendicular;
            Assert.True(pg > contamination.Rate / 10, $"δ = {delta}: PG's perpendicular moment {pg}");
            var ratio = dg / pg;
            Assert.InRange(ratio / delta, 0.05, 0.2);
            Assert.True(ratio < previousRatio / 5);
            previousRatio = ratio;
            Assert.Equal(1.0, Cosine(Update(exact, UpdateRule.ImportanceWeighted(half), contamination), gradient), 12);
        }
    }

    /// <summary>Lemma 1: on a failure with U = −½ the gate is at most π(a)^(1/(2η)).</summary>
    [Fact]
    public void BanditClaimsTest_Lemma1_FailureGateBound()
    {
        foreach (var eta in new[] { 0.5, 1.0, 2.0 })
            foreach (var pi in new[] { 0.5, 1e-2, 1e-6 })
                Assert.True(GateExpectation.Gate(-0.5 * -Math.Log(pi), eta, 0) <= Math.Pow(pi, 1 / (2 * eta)));
    }

    /// <summary>
    /// Kondo Prop. 3 (claim 15), two arms, policy at π(best) = 0.95, exact-value baseline: P(U &gt; 0 | worse arm) =
    /// Q(Δ·π(best)/σ) ≤ exp(−(Δ·π(best))²/(2σ²)); with σ/Δ ≪ 1 DG's expected update points along ∇J, with σ/Δ ≫ 1 the
    /// lucky draws win and it points the other way (cosine −1), while PG's stays ∇J.
    /// </summary>
    [Theory]
    [InlineData(0.05, 1.0)]
    [InlineData(2.0, -1.0)]
    [InlineData(5.0, -1.0)]
    public void BanditClaimsTest_Gambling_LargeNoiseTurnsDgAround(double sigma, double dgCosine)
    {
        const double Gap = 0.5, Best = 0.95;
        var exact = new ExactGradients(new GamblingBandit(new GamblingOptions { Gap = Gap, ArmNoiseStd = sigma }));
        exact.SetLogits(new double[] { Math.Log(Best / (1 - Best)), 0 });
        var gradient = Gradient(exact);
        Assert.Equal(1.0, Cosine(Update(exact, UpdateRule.PolicyGradient(Baseline.LearnerValue)), gradient), 12);
        Assert.Equal(dgCosine, Cosine(Update(exact, UpdateRule.Delightful(Baseline.LearnerValue)), gradient), 9);
        var luckyShare = NormalDistribution.UpperTail(Gap * Best / sigma);
        Assert.True(luckyShare <= Math.Exp(-Math.Pow(Gap * Best / sigma, 2) / 2));
        // The worse arm's advantage is N(−Δ·π(best), σ²) because V = 1 − Δ·(1 − π(best)).
        Assert.Equal(1 - Gap * (1 - Best), exact.Value(0), 12);
    }
}
