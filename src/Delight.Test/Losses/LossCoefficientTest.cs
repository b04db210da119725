using Delight.Runtime;
using Delight.Learning;
using Delight.Losses;
using Delight.Numerics;

namespace Delight.Test.Losses;

/// <summary>Hand-computed coefficients on 2–3-row batches, and the gate's limits.</summary>
public class LossCoefficientTest
{
    // Two rows × two tokens: U = (+1, −0.5); ℓ = (ln 2, 2 | 0.1, 3).
    static readonly float[] s_advantage = [1f, -0.5f];
    static readonly float[] s_surprisal = [MathF.Log(2f), 2f, 0.1f, 3f];

    static float[] Run(ILoss loss, out float gateMean)
    {
        var delight = new float[4];
        for (var i = 0; i < 4; i++) delight[i] = s_advantage[i / 2] * s_surprisal[i];
        var coefficients = new float[4];
        loss.Coefficients(new Signals(s_advantage, s_surprisal, delight, 2, 2), coefficients, out var statistics);
        gateMean = statistics.GateMean;
        return coefficients;
    }

    static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    [Fact]
    public void LossCoefficientTest_Reinforce_IsTheAdvantage()
    {
        Assert.Equal([1f, 1f, -0.5f, -0.5f], Run(new Reinforce(), out var gate));
        Assert.Equal(1f, gate);
    }

    [Fact]
    public void LossCoefficientTest_DelightfulPg_HandCase()
    {
        var c = Run(new DelightfulPg(), out var gate);
        // χ = (ln 2, 2, −0.05, −1.5); w = σ(χ); coefficient = w·U.
        Assert.Equal(Sigmoid(MathF.Log(2f)) * 1f, c[0], 6); // σ(ln 2) = 2/3
        Assert.Equal(2f / 3f, c[0], 6);
        Assert.Equal(Sigmoid(2f), c[1], 6);
        Assert.Equal(Sigmoid(-0.05f) * -0.5f, c[2], 6);
        Assert.Equal(Sigmoid(-1.5f) * -0.5f, c[3], 6);
        Assert.Equal((2f / 3f + Sigmoid(2f) + Sigmoid(-0.05f) + Sigmoid(-1.5f)) / 4f, gate, 6);
    }

    [Fact]
    public void LossCoefficientTest_DelightfulPg_RareFailureMutedRareSuccessAmplified()
    {
        var dg = new DelightfulPg();
        Assert.True(dg.Gate(1f * 10f) > 0.99f);  // U > 0, surprising: breakthrough
        Assert.True(dg.Gate(-1f * 10f) < 0.01f); // U < 0, surprising: blunder
        Assert.Equal(0.5f, dg.Gate(0f));          // common action: half weight
    }

    [Fact]
    public void LossCoefficientTest_DelightfulPg_LargeTemperatureIsHalfPg()
    {
        var c = Run(new DelightfulPg(temperature: 1e6f), out _);
        var pg = Run(new Reinforce(), out _);
        for (var i = 0; i < 4; i++) Assert.Equal(0.5f * pg[i], c[i], 5);
    }

    [Fact]
    public void LossCoefficientTest_DelightfulPg_ZeroTemperatureIsIndicatorWithPrice()
    {
        Assert.Equal([1f, 1f, 0f, 0f], Run(new DelightfulPg(temperature: 0f), out _));
        // Price λ = 1: only χ = 2 > 1 passes; χ = ln 2 ≈ 0.69 does not.
        Assert.Equal([0f, 1f, 0f, 0f], Run(new DelightfulPg(temperature: 0f, price: 1f), out _));
    }

    [Fact]
    public void LossCoefficientTest_DelightfulPg_RejectsNegativeTemperature()
    {
        var error = Assert.Throws<OptionException>(() => new DelightfulPg(temperature: -1f));
        Assert.Equal("--eta", error.Option);
        Assert.Contains("eta", error.Message);
    }

    [Fact]
    public void LossCoefficientTest_GroupedAdvantage_HandCase()
    {
        float[] rewards = [1f, 0f, 0.5f, 0.5f, 0.2f, 0.8f];
        var u = new float[6];
        Advantages.Compute(AdvantageEstimator.Grouped, rewards, 2, u);
        Assert.Equal([0.5f, -0.5f, 0f, 0f, -0.3f, 0.3f], u.Select(x => MathF.Round(x, 6)).ToArray());
        Advantages.Compute(AdvantageEstimator.Global, rewards, 2, u);
        Assert.Equal(1f - 0.5f, u[0], 6);
        Assert.ThrowsAny<ArgumentException>(() => Advantages.Compute(AdvantageEstimator.Grouped, rewards, 4, u));
    }

    [Fact]
    public void LossCoefficientTest_DelightfulPg_StochasticGateIsBernoulliOfTheSigmoid()
    {
        // One token with χ = ln 2·1: P(keep) = σ(ln 2) = 2/3; each weight is 0 or 1.
        var dg = new DelightfulPg(stochastic: true, rng: new Rng(1));
        var kept = 0;
        for (var i = 0; i < 3000; i++)
        {
            var c = Run(dg, out _);
            Assert.True(c[0] is 0f or 1f);
            kept += (int)c[0];
        }
        Assert.InRange(kept / 3000.0, 2.0 / 3 - 0.03, 2.0 / 3 + 0.03);
    }

    [Fact]
    public void LossCoefficientTest_DelightfulPg_DelightNoiseIsSeededAndZeroMean()
    {
        var a = Run(new DelightfulPg(delightNoiseStd: 0.5f, rng: new Rng(2)), out _);
        var b = Run(new DelightfulPg(delightNoiseStd: 0.5f, rng: new Rng(2)), out _);
        Assert.Equal(a, b);
        Assert.NotEqual(Run(new DelightfulPg(), out _), a);
        Assert.ThrowsAny<ArgumentException>(() => new DelightfulPg(stochastic: true));
        Assert.Throws<OptionException>(() => new DelightfulPg(delightNoiseStd: -1f, rng: new Rng(1)));
    }

    [Fact]
    public void LossCoefficientTest_ExpectedConfidenceAdvantage_HandCase()
    {
        // π = (0.5, 0.5) → b = 0.5; π = (0.9, 0.1) → b = 0.82. Rewards 1 and 0.
        float[] logProbs = [MathF.Log(0.5f), MathF.Log(0.5f), MathF.Log(0.9f), MathF.Log(0.1f)];
        var u = new float[2];
        Advantages.ExpectedConfidence([1f, 0f], logProbs, 2, u);
        Assert.Equal(0.5f, u[0], 5);
        Assert.Equal(-0.82f, u[1], 5);
        Assert.ThrowsAny<ArgumentException>(() => Advantages.Compute(AdvantageEstimator.ExpectedConfidence, [1f], 1, u));
    }

    [Fact]
    public void LossCoefficientTest_ExpectedConfidence_LearnsAOneStepTask()
    {
        // Reversal of one binary token is a two-armed contextual bandit: one sample per prompt, Σπ² baseline.
        var trainer = new Runtime.SynchronousRuntime(new Runtime.TrainOptions
        {
            Steps = 150,
            Seed = 2,
            Loss = new() { Method = Method.Dg },
            Batch = new() { Advantage = AdvantageEstimator.ExpectedConfidence, Prompts = 50, Samples = 1 },
            Task = new() { PromptLength = 1 },
            Evaluation = new() { Rows = 400 },
            Optimizer = new() { LearningRate = 1e-3f },
        });
        var summary = trainer.Run();
        Assert.True(summary.Final.Error < 0.1, $"error {summary.Initial.Error} → {summary.Final.Error}");
    }
}
