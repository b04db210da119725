using Delight.Diagnostics.Bandits;
using Delight.Environments.Bandits;
using Delight.Learning;
using Delight.Losses;
using Delight.Numerics;

using static Delight.Test.Bandits.ExactVectors;

namespace Delight.Test.Bandits;

public class ExactGradientsTest
{
    /// <summary>Two skewed contexts × three arms with uneven logits: no symmetry to hide a wrong block.</summary>
    static readonly ContextBandit s_contexts = new(new ContextBanditOptions { ContextCount = 2, ArmCount = 3, ContextSkew = 1 });
    static readonly double[] s_contextLogits = [0.4, -0.3, 1.1, -0.8, 0.2, 0.9];
    /// <summary>Gambling with noise on both arms and a policy that still tries the worse arm.</summary>
    static readonly GamblingBandit s_gambling = new(new GamblingOptions { Gap = 0.5, ArmNoiseStd = 1.5, BestArmNoiseStd = 0.3 });
    static readonly double[] s_gamblingLogits = [1.2, -0.4];

    static ExactGradients Exact(IBanditModel model, double[] logits)
    {
        var exact = new ExactGradients(model);
        exact.SetLogits(logits);
        return exact;
    }

    [Fact]
    public void ExactGradientsTest_TrueGradient_EqualsFiniteDifferencesOfJ()
    {
        foreach (var (model, logits) in new (IBanditModel, double[])[] { (s_contexts, s_contextLogits), (s_gambling, s_gamblingLogits) })
        {
            var exact = Exact(model, logits);
            var gradient = new double[exact.ParameterCount];
            exact.TrueGradient(gradient);
            const double H = 1e-5;
            for (var i = 0; i < logits.Length; i++)
            {
                var shifted = (double[])logits.Clone();
                shifted[i] = logits[i] + H;
                exact.SetLogits(shifted);
                var up = exact.Objective();
                shifted[i] = logits[i] - H;
                exact.SetLogits(shifted);
                var down = exact.Objective();
                Assert.Equal((up - down) / (2 * H), gradient[i], 9);
            }
            exact.SetLogits(logits);
            Assert.True(GradientGeometry.Dot<double, double>(gradient, gradient) > 1e-4, model.Name);
        }
    }

    [Theory]
    [InlineData(BaselineKind.Zero)]
    [InlineData(BaselineKind.Constant)]
    [InlineData(BaselineKind.LearnerValue)]
    public void ExactGradientsTest_OnPolicyPgAndImportanceWeightedPg_AreTheTrueGradient(BaselineKind kind)
    {
        // Σ_a π(a)·b·∇log π(a) = 0, so any per-context baseline leaves the on-policy expectation at ∇J; IS-PG's
        // weight π/μ turns any μ with full support back into π.
        var baseline = new Baseline(kind, 0.3);
        foreach (var (model, logits) in new (IBanditModel, double[])[] { (s_contexts, s_contextLogits), (s_gambling, s_gamblingLogits) })
        {
            var exact = Exact(model, logits);
            var gradient = new double[exact.ParameterCount];
            exact.TrueGradient(gradient);
            AssertClose(gradient, Update(exact, UpdateRule.PolicyGradient(baseline)), 1e-14);
            AssertClose(gradient, Update(exact, UpdateRule.ImportanceWeighted(baseline)), 1e-14);
            AssertClose(gradient, Update(exact, UpdateRule.ImportanceWeighted(baseline), ContaminationOptions.Uniform(0.4)), 1e-14);
            AssertClose(gradient, Update(exact, UpdateRule.ImportanceWeighted(baseline), ContaminationOptions.FixedArm(0.7, 1)), 1e-14);
            // Uncorrected PG on contaminated data follows μ, not π (with two arms every update is ∝ e₀ − e₁, so look at three).
            if (model.ActionCount > 2) Assert.True(GradientGeometry.Cosine<double, double>(gradient, Update(exact, UpdateRule.PolicyGradient(baseline), ContaminationOptions.FixedArm(0.7, 1))) < 0.999);
        }
    }

    [Fact]
    public void ExactGradientsTest_Delightful_Limits()
    {
        var baseline = Baseline.BehaviourValue;
        foreach (var (model, logits) in new (IBanditModel, double[])[] { (s_contexts, s_contextLogits), (s_gambling, s_gamblingLogits) })
        {
            var exact = Exact(model, logits);
            foreach (var contamination in new[] { ContaminationOptions.None, ContaminationOptions.Uniform(0.3) })
            {
                // η → ∞: every gate is ½, so DG is half of (uncorrected) PG on the same data.
                var pg = Update(exact, UpdateRule.PolicyGradient(baseline), contamination);
                var dg = Update(exact, UpdateRule.Delightful(baseline, temperature: 1e9), contamination);
                AssertClose([.. pg.Select(v => v / 2)], dg, 1e-8);
            }
            // ρ = 0 is on-policy: the contaminated computation with a zero rate is the on-policy one.
            AssertClose(Update(exact, UpdateRule.Delightful(baseline)), Update(exact, UpdateRule.Delightful(baseline), ContaminationOptions.FixedArm(0, 1)), 0);
            // η → 0 approaches the hard gate (1[χ > λ]), which is computed separately (Bernoulli atoms, Gaussian closed form).
            AssertClose(Update(exact, UpdateRule.Delightful(baseline, 0, 0.05)), Update(exact, UpdateRule.Delightful(baseline, 1e-3, 0.05)), 2e-3);
        }
    }

    [Fact]
    public void ExactGradientsTest_CrossEntropy_IsTheOracleGradient()
    {
        var exact = Exact(s_contexts, s_contextLogits);
        var update = Update(exact, UpdateRule.CrossEntropy);
        for (var c = 0; c < 2; c++)
            for (var k = 0; k < 3; k++)
            {
                var expected = s_contexts.ContextProbability(c) * ((k == s_contexts.CorrectAction(c) ? 1 : 0) - exact.Probability(c, k));
                Assert.Equal(expected, update[c * 3 + k], 14);
            }
        var noCorrectArm = Exact(new ArmedBandit(new ArmedBanditOptions { ArmMeans = [0.5, 0.5] }), [0, 0]);
        Assert.Contains("correct arm", Assert.ThrowsAny<ArgumentException>(() => Update(noCorrectArm, UpdateRule.CrossEntropy)).Message);
    }

    public static TheoryData<string, UpdateMethod, ContaminationOptions> MonteCarloCases => new()
    {
        { "contexts", UpdateMethod.PolicyGradient, ContaminationOptions.Uniform(0.3) },
        { "contexts", UpdateMethod.ImportanceWeightedPg, ContaminationOptions.FixedArm(0.4, 2) },
        { "contexts", UpdateMethod.Delightful, ContaminationOptions.None },
        { "contexts", UpdateMethod.Delightful, ContaminationOptions.FixedArm(0.4, 2) },
        { "contexts", UpdateMethod.CrossEntropy, ContaminationOptions.None },
        { "gambling", UpdateMethod.Delightful, ContaminationOptions.None },
        { "gambling", UpdateMethod.Delightful, ContaminationOptions.Uniform(0.5) },
        { "gambling", UpdateMethod.PolicyGradient, ContaminationOptions.None },
    };

    /// <summary>
    /// The exact expectation against the average of sampled per-sample updates, each built the way the learner builds
    /// it: environment draws, contaminated actions with recorded log μ, and the production loss's coefficient on
    /// ∇log π(a|c) = e_a − π(·|c). Every component must sit within 5 standard errors; the second moments likewise.
    /// </summary>
    [Theory]
    [MemberData(nameof(MonteCarloCases))]
    public void ExactGradientsTest_ExpectedUpdate_EqualsMonteCarloOfTheLosses(string task, UpdateMethod method, ContaminationOptions contamination)
    {
        var (model, logits) = task == "contexts" ? ((IBanditModel)s_contexts, s_contextLogits) : (s_gambling, s_gamblingLogits);
        var exact = Exact(model, logits);
        var baseline = Baseline.Constant(0.6);
        var rule = method switch
        {
            UpdateMethod.PolicyGradient => UpdateRule.PolicyGradient(baseline),
            UpdateMethod.ImportanceWeightedPg => UpdateRule.ImportanceWeighted(baseline),
            UpdateMethod.Delightful => UpdateRule.Delightful(baseline, 0.7, 0.1),
            _ => UpdateRule.CrossEntropy,
        };
        ILoss loss = method switch
        {
            UpdateMethod.PolicyGradient => new Reinforce(),
            UpdateMethod.ImportanceWeightedPg => new ImportanceWeightedPg(),
            UpdateMethod.Delightful => new DelightfulPg(0.7f, 0.1f),
            _ => new CrossEntropy(),
        };
        var expected = Update(exact, rule, contamination);

        int K = model.ActionCount, n = exact.ParameterCount;
        var env = BanditEnvironment.Create(model);
        var logProbs = new float[model.ContextCount * K];
        for (var c = 0; c < model.ContextCount; c++)
            for (var a = 0; a < K; a++) logProbs[c * K + a] = (float)Math.Log(exact.Probability(c, a));
        const int Rows = 1000, Batches = 300;
        var contexts = new int[Rows];
        var actions = new int[Rows];
        float[] advantage = new float[Rows], surprisal = new float[Rows], delight = new float[Rows], behaviour = new float[Rows], coefficients = new float[Rows];
        double[] sum = new double[n], sumSquares = new double[n];
        double squaredNorm = 0;
        var rng = new Rng(17);
        var prompt = new int[1];
        var reference = new double[n];
        exact.TrueGradient(reference);
        var referenceNorm = Math.Sqrt(GradientGeometry.Dot<double, double>(reference, reference));
        double along = 0;
        var sample = new double[n];
        for (var batch = 0; batch < Batches; batch++)
        {
            for (var r = 0; r < Rows; r++)
            {
                env.SamplePrompt(rng, prompt);
                var c = contexts[r] = prompt[0];
                var row = logProbs.AsSpan(c * K, K);
                // The cross-entropy oracle learns from y*, teacher-forced, whatever the actor sampled.
                var a = method == UpdateMethod.CrossEntropy ? model.CorrectAction(c) : ContaminatedSampler.Sample(row, contamination, rng, out _);
                actions[r] = a;
                behaviour[r] = (float)ContaminatedSampler.BehaviourLogProb(row, contamination, a);
                advantage[r] = (float)(env.Reward(prompt, [a], rng) - 0.6);
                surprisal[r] = -row[a];
                delight[r] = advantage[r] * surprisal[r];
            }
            loss.Coefficients(new Signals(advantage, surprisal, delight, Rows, 1, behaviour), coefficients, out _);
            for (var r = 0; r < Rows; r++)
            {
                Array.Clear(sample);
                int c = contexts[r], a = actions[r];
                for (var k = 0; k < K; k++) sample[c * K + k] = coefficients[r] * ((k == a ? 1 : 0) - exact.Probability(c, k));
                var dot = 0.0;
                for (var i = 0; i < n; i++)
                {
                    sum[i] += sample[i];
                    sumSquares[i] += sample[i] * sample[i];
                    squaredNorm += sample[i] * sample[i];
                    dot += sample[i] * reference[i];
                }
                along += dot * dot / (referenceNorm * referenceNorm);
            }
        }
        const double N = (double)Rows * Batches;
        for (var i = 0; i < n; i++)
        {
            var mean = sum[i] / N;
            var standardError = Math.Sqrt(Math.Max(sumSquares[i] / N - mean * mean, 0) / N);
            Assert.InRange(expected[i], mean - 5 * standardError - 1e-6, mean + 5 * standardError + 1e-6);
        }
        var moments = exact.PerSampleMoments(rule, contamination, reference);
        Assert.Equal(moments.SquaredNorm, squaredNorm / N, 0.02 * moments.SquaredNorm + 1e-9);
        Assert.Equal(moments.AlongReference, along / N, 0.02 * moments.AlongReference + 1e-9);
    }

    [Fact]
    public void ExactGradientsTest_GaussianGate_QuadratureMatchesTheHardGateLimitAndRefusesTooSharpGates()
    {
        var law = RewardLaw.Gaussian(0.2, 1.3);
        GateExpectation.Moments(law, 0.5, 2.0, 0, 0.1, out var hardMean, out var hardSquare);
        GateExpectation.Moments(law, 0.5, 2.0, 1e-4, 0.1, out var mean, out var square);
        Assert.Equal(hardMean, mean, 6);
        Assert.Equal(hardSquare, square, 6);
        // A constant gate (ℓ = 0, λ < 0) integrates U and U² exactly.
        GateExpectation.Moments(law, 0.5, 0, 1, -1e9, out mean, out square);
        Assert.Equal(-0.3, mean, 12);
        Assert.Equal(0.09 + 1.69, square, 12);
        Assert.Contains("--eta", Assert.ThrowsAny<ArgumentException>(() => GateExpectation.Moments(RewardLaw.Gaussian(0, 100), 0, 50, 1e-6, 0, out _, out _)).Message);
    }

    [Fact]
    public void ExactGradientsTest_NormalDistribution_KnownValues()
    {
        Assert.Equal(0.841344746068542948, NormalDistribution.Cdf(1), 15);
        Assert.Equal(0.975002104851779513, NormalDistribution.Cdf(1.96), 14);
        Assert.Equal(0.00134989803163009452, NormalDistribution.UpperTail(3), 1e-16);
        Assert.Equal(2.8665157187919391e-7, NormalDistribution.UpperTail(5), 1e-20);
        Assert.Equal(0.5, NormalDistribution.Cdf(0), 15);
        Assert.Equal(0.157299207050285130, NormalDistribution.Erfc(1), 15);
        Assert.Equal(1.842700792949714870, NormalDistribution.Erfc(-1), 15);
        Assert.Equal(1.5374597944280349e-12, NormalDistribution.Erfc(5), 1e-24);
    }

    [Fact]
    public void ExactGradientsTest_Cosine_DoubleAccumulationAndZeroVectors()
    {
        float[] a = [1f, 2f, 2f];
        double[] b = [2, 4, 4];
        Assert.Equal(1.0, GradientGeometry.Cosine<float, double>(a, b), 15);
        Assert.Equal(-1.0, GradientGeometry.Cosine<double, double>(b, [-1, -2, -2]), 15);
        Assert.Equal(0.0, GradientGeometry.Cosine<double, double>([1, 0], [0, 3]), 15);
        Assert.Equal(0.0, GradientGeometry.Cosine<float, double>([0f, 0f, 0f], b));
        Assert.Equal(0.0, GradientGeometry.Cosine<double, double>([0, 0], [0, 0]));
        Assert.ThrowsAny<ArgumentException>(() => GradientGeometry.Cosine<double, double>([1, 0], [1]));
    }

    [Fact]
    public void ExactGradientsTest_BadInputs_ClearErrors()
    {
        var exact = new ExactGradients(s_contexts);
        Assert.Contains("SetLogits", Assert.Throws<InvalidOperationException>(() => exact.TrueGradient(new double[6])).Message);
        Assert.Contains("contexts·arms", Assert.ThrowsAny<ArgumentException>(() => exact.SetLogits(new double[5])).Message);
        exact.SetLogits(s_contextLogits);
        Assert.Contains("--eta", Assert.ThrowsAny<ArgumentException>(() => Update(exact, UpdateRule.Delightful(Baseline.Zero, -1))).Message);
        Assert.Contains("--truncation", Assert.ThrowsAny<ArgumentException>(() => Update(exact, UpdateRule.ImportanceWeighted(Baseline.Zero, 0))).Message);
        Assert.Contains("--contamination", Assert.ThrowsAny<ArgumentException>(() => Update(exact, UpdateRule.CrossEntropy, ContaminationOptions.Uniform(2))).Message);
    }

    static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++) Assert.InRange(actual[i], expected[i] - tolerance, expected[i] + tolerance);
    }
}
