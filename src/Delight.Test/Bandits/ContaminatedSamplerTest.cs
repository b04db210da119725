using Delight.Environments.Bandits;
using Delight.Numerics;
using Delight.Policies;

namespace Delight.Test.Bandits;

public class ContaminatedSamplerTest
{
    static float[] LogSoftmax(params double[] logits)
    {
        var max = logits.Max();
        var logSum = Math.Log(logits.Sum(v => Math.Exp(v - max))) + max;
        return [.. logits.Select(v => (float)(v - logSum))];
    }

    public static TheoryData<ContaminationOptions> Contaminations => new()
    {
        ContaminationOptions.Uniform(0.3),
        ContaminationOptions.FixedArm(0.2, 3),
        ContaminationOptions.FixedArm(1.0, 1),
        ContaminationOptions.None,
    };

    [Theory]
    [MemberData(nameof(Contaminations))]
    public void ContaminatedSamplerTest_Sample_FrequenciesMatchMuAndLogMuIsExact(ContaminationOptions options)
    {
        var logProbs = LogSoftmax(2.0, 0.5, -1.0, -3.0);
        options.Validate(4);
        var mu = new double[4];
        for (var a = 0; a < 4; a++)
            mu[a] = (1 - options.Rate) * Math.Exp(logProbs[a]) + options.Rate * options.SourceProbability(a, 4);
        Assert.Equal(1.0, mu.Sum(), 6);
        var counts = new int[4];
        var rng = new Rng(21);
        const int Draws = 100000;
        for (var i = 0; i < Draws; i++)
        {
            var a = ContaminatedSampler.Sample(logProbs, options, rng, out var logMu);
            counts[a]++;
            Assert.Equal(Math.Log(mu[a]), logMu, 12);
        }
        for (var a = 0; a < 4; a++)
        {
            var sd = Math.Sqrt(Draws * mu[a] * (1 - mu[a]));
            Assert.InRange(counts[a], Draws * mu[a] - 5 * sd - 1e-9, Draws * mu[a] + 5 * sd + 1e-9);
        }
    }

    [Fact]
    public void ContaminatedSamplerTest_BehaviourLogProb_ExactWhereTheLearnerUnderflows()
    {
        // π(1) = e^-200 underflows in double; with a fixed contaminating arm elsewhere, log μ(1) = log(1 − ρ) − 200.
        float[] logProbs = [0f, -200f];
        var options = ContaminationOptions.FixedArm(0.25, 0);
        Assert.Equal(Math.Log(0.75) - 200, ContaminatedSampler.BehaviourLogProb(logProbs, options, 1), 10);
        Assert.Equal(Math.Log(0.75 + 0.25), ContaminatedSampler.BehaviourLogProb(logProbs, options, 0), 12);
        // ρ = 0: log μ = log π exactly.
        Assert.Equal(-200.0, ContaminatedSampler.BehaviourLogProb(logProbs, ContaminationOptions.None, 1));
    }

    [Fact]
    public void ContaminatedSamplerTest_RateZero_SameActionsAsThePolicysSampler()
    {
        var policy = new TabularSoftmaxPolicy(new TabularOptions { ContextCount = 1, ActionCount = 5, MaxRows = 64 });
        policy.Initialize(new Rng(1));
        float[] logits = [0.3f, -1.2f, 2.0f, 0.0f, -0.5f];
        logits.CopyTo(policy.Parameters["logits"].Value);
        var logProbs = policy.Forward(new int[64], 64).ToArray();
        var actions = new int[64];
        policy.SampleActions(actions, new float[64], new Rng(33));
        var rng = new Rng(33);
        for (var b = 0; b < 64; b++)
        {
            var a = ContaminatedSampler.Sample(logProbs.AsSpan(b * 5, 5), ContaminationOptions.None, rng, out var logMu);
            Assert.Equal(actions[b], a);
            Assert.Equal(logProbs[b * 5 + a], logMu, 6);
        }
    }

    [Fact]
    public void ContaminatedSamplerTest_Validate_NamesTheOption()
    {
        Assert.Contains("--contamination", Assert.ThrowsAny<ArgumentException>(() => ContaminationOptions.Uniform(1.5).Validate(4)).Message);
        Assert.Contains("--contamination", Assert.ThrowsAny<ArgumentException>(() => ContaminationOptions.Uniform(double.NaN).Validate(4)).Message);
        Assert.Contains("--contamination-arm", Assert.ThrowsAny<ArgumentException>(() => ContaminationOptions.FixedArm(0.1, 4).Validate(4)).Message);
        // Not reachable from the command line (an arm makes the source fixed-arm), so a plain argument error.
        Assert.Contains("fixed-arm source", Assert.ThrowsAny<ArgumentException>(() => (ContaminationOptions.Uniform(0.1) with { Arm = 2 }).Validate(4)).Message);
    }
}
