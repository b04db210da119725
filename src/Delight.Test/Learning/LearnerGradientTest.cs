using Delight.Learning;
using Delight.Losses;
using Delight.Numerics;
using Delight.Policies;
using Delight.Screens;

namespace Delight.Test.Learning;

/// <summary>
/// The learner's update equals a dense backward over every row with the method's coefficients (zero on whatever was
/// screened out), computed independently here from the policy's own log-probs.
/// </summary>
public class LearnerGradientTest
{
    const int Rows = 8, Prompt = 3, Answer = 3, Length = Prompt + Answer, Group = 4;

    static TransformerPolicy Policy()
    {
        var policy = new TransformerPolicy(new TransformerOptions { SequenceLength = Length, Width = 8, HeadCount = 2, LayerCount = 1, FeedForwardWidth = 8, MaxRows = Rows });
        policy.Initialize(new Rng(4));
        return policy;
    }

    static Rollout Batch()
    {
        var rollout = new Rollout(Rows, Prompt, Answer) { RowCount = Rows, SamplesPerPrompt = Group };
        var rng = new Rng(5);
        for (var i = 0; i < rollout.Tokens.Length; i++) rollout.Tokens[i] = rng.NextInt(2);
        for (var r = 0; r < Rows; r++) rollout.Rewards[r] = (float)rng.NextDouble();
        return rollout;
    }

    /// <summary>Gradient of the learner's step, read before the optimizer changes anything it depends on.</summary>
    static float[] LearnerGradient(ILoss loss, LearnerOptions? options = null)
    {
        var policy = Policy();
        new Learner(policy, loss, new Sgd(1e-9f), options, new Rng(6)).Step(Batch());
        return policy.Parameters.Gradients.ToArray();
    }

    /// <summary>Dense backward over every row with d log π = −coefficient·mask / N.</summary>
    static float[] DenseGradient(Func<float, float, float> coefficientOfAdvantageAndSurprisal, KondoOptions? kondo = null)
    {
        var policy = Policy();
        var rollout = Batch();
        var logProbs = policy.Forward(rollout.Tokens, Rows, Length, Prompt).ToArray();
        var advantage = new float[Rows];
        Advantages.Compute(AdvantageEstimator.Grouped, rollout.Rewards.AsSpan(0, Rows), Group, advantage);
        var n = Rows * Answer;
        var surprisal = logProbs.Select(lp => -lp).ToArray();
        var mask = Enumerable.Repeat(1f, n).ToArray();
        if (kondo is not null)
        {
            var delight = new float[n];
            for (var i = 0; i < n; i++) delight[i] = advantage[i / Answer] * surprisal[i];
            new KondoScreen(kondo, n, new Rng(6).Split("kondo")).Mask(new Signals(advantage, surprisal, delight, Rows, Answer), mask);
        }
        var d = new float[n];
        for (var i = 0; i < n; i++) d[i] = -coefficientOfAdvantageAndSurprisal(advantage[i / Answer], surprisal[i]) * mask[i] / n;
        policy.Parameters.ZeroGradients();
        policy.Backward(Enumerable.Range(0, Rows).ToArray(), d);
        return policy.Parameters.Gradients.ToArray();
    }

    [Fact]
    public void LearnerGradientTest_Dg_GateIsAConstant()
    {
        // If the gate carried gradient, the update would gain a term ∝ σ'(χ)·U·∇χ; it must be exactly Σ w·U·∇log π.
        static float Gate(float chi) => 1f / (1f + MathF.Exp(-chi));
        GradientCheck.AssertClose(DenseGradient((u, l) => Gate(u * l) * u), LearnerGradient(new DelightfulPg()), 1e-5f, "dg");
    }

    [Fact]
    public void LearnerGradientTest_Pg_IsTheAdvantageWeightedScore()
        => GradientCheck.AssertClose(DenseGradient((u, _) => u), LearnerGradient(new Reinforce()), 1e-5f, "pg");

    [Theory]
    [InlineData(0.25f, KondoGranularity.Token)]
    [InlineData(0.25f, KondoGranularity.Row)]
    [InlineData(0.5f, KondoGranularity.Token)]
    public void LearnerGradientTest_Kondo_KeptRowBackwardEqualsMaskedDenseBackward(float rate, KondoGranularity granularity)
    {
        var kondo = new KondoOptions { Rate = rate, Granularity = granularity };
        var dense = DenseGradient((u, _) => u, kondo);
        var screened = LearnerGradient(new Reinforce("kondo"), new LearnerOptions { Kondo = kondo });
        GradientCheck.AssertClose(dense, screened, 1e-5f, "kondo");
        Assert.Contains(dense, g => g != 0f);
    }
}
