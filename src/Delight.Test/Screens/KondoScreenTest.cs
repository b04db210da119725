using Delight.Losses;
using Delight.Learning;
using Delight.Numerics;
using Delight.Runtime;
using Delight.Screens;

namespace Delight.Test.Screens;

public class KondoScreenTest
{
    // Three rows × two tokens. U = (+1, −1, 0.5); ℓ = (0.1, 2 | 3, 0.2 | 1, 1).
    // Delight χ = (0.1, 2 | −3, −0.2 | 0.5, 0.5).
    static readonly float[] s_advantage = [1f, -1f, 0.5f];
    static readonly float[] s_surprisal = [0.1f, 2f, 3f, 0.2f, 1f, 1f];

    static float[] Mask(KondoOptions options, ulong seed = 1)
    {
        var delight = new float[6];
        for (var i = 0; i < 6; i++) delight[i] = s_advantage[i / 2] * s_surprisal[i];
        var keep = new float[6];
        new KondoScreen(options, 6, new Rng(seed)).Mask(new Signals(s_advantage, s_surprisal, delight, 3, 2), keep);
        return keep;
    }

    [Fact]
    public void KondoScreenTest_Price_KeepsDelightAboveLambda()
    {
        Assert.Equal([1f, 1f, 0f, 0f, 1f, 1f], Mask(new KondoOptions { Price = 0f }));
        Assert.Equal([0f, 1f, 0f, 0f, 0f, 0f], Mask(new KondoOptions { Price = 1f }));
    }

    [Fact]
    public void KondoScreenTest_Rate_KeepsTopFractionWithTies()
    {
        // ρ = 1/3 of 6 tokens → k = 2: χ = 2 and the tie at 0.5 (both 0.5s are kept: ties at the threshold stay).
        Assert.Equal([0f, 1f, 0f, 0f, 1f, 1f], Mask(new KondoOptions { Rate = 1f / 3 }));
        // ρ = 1/6 → k = 1: only χ = 2.
        Assert.Equal([0f, 1f, 0f, 0f, 0f, 0f], Mask(new KondoOptions { Rate = 1f / 6 }));
        // ρ = 1 keeps everything: Kondo at full rate is its ungated loss.
        Assert.Equal([1f, 1f, 1f, 1f, 1f, 1f], Mask(new KondoOptions { Rate = 1f }));
    }

    [Fact]
    public void KondoScreenTest_RowGranularity_KeepsTopRowsByGatedPriority()
    {
        // Rate 1/3: token gate keeps χ = 2 (row 0) and both 0.5s (row 2); row scores Σ gated χ = 2, −∞, 1.
        // K = round(3/3) = 1 row: row 0, and inside it only its gated token.
        Assert.Equal([0f, 1f, 0f, 0f, 0f, 0f], Mask(new KondoOptions { Rate = 1f / 3, Granularity = KondoGranularity.Row }));
        // Rate 2/3: 4 tokens gated (χ ≥ 0.1: 0.1, 2, 0.5, 0.5); scores 2.1, −∞, 1; K = 2 rows: 0 and 2.
        Assert.Equal([1f, 1f, 0f, 0f, 1f, 1f], Mask(new KondoOptions { Rate = 2f / 3, Granularity = KondoGranularity.Row }));
        // Price 0 by row: row means 1.05, −1.6, 0.5 → rows 0 and 2 whole.
        Assert.Equal([1f, 1f, 0f, 0f, 1f, 1f], Mask(new KondoOptions { Price = 0f, Granularity = KondoGranularity.Row }));
    }

    [Theory]
    [InlineData(KondoPriority.Advantage, new[] { 1f, 1f, 0f, 0f, 1f, 1f })]       // U > 0.2
    [InlineData(KondoPriority.AbsAdvantage, new[] { 1f, 1f, 1f, 1f, 1f, 1f })]    // |U| > 0.2
    [InlineData(KondoPriority.Surprisal, new[] { 0f, 1f, 1f, 0f, 1f, 1f })]       // ℓ > 0.2
    [InlineData(KondoPriority.Additive, new[] { 1f, 1f, 1f, 0f, 1f, 1f })]        // 0.5·U + 0.5·ℓ > 0.2: 0.55, 1.5, 1, −0.4, 0.75, 0.75
    public void KondoScreenTest_Priorities_HandCases(KondoPriority priority, float[] expected)
        => Assert.Equal(expected, Mask(new KondoOptions { Price = 0.2f, Priority = priority }));

    [Fact]
    public void KondoScreenTest_Uniform_KeepsARandomSubsetOfTheAskedSize()
    {
        var keep = Mask(new KondoOptions { Rate = 0.5f, Priority = KondoPriority.Uniform });
        Assert.Equal(3f, keep.Sum());
        Assert.NotEqual(keep, Mask(new KondoOptions { Rate = 0.5f, Priority = KondoPriority.Uniform }, seed: 99));
    }

    [Fact]
    public void KondoScreenTest_StochasticPrice_KeepsWithSigmoidProbability()
    {
        // χ = 2 with λ = 0, η = 1: kept with probability σ(2) ≈ 0.881.
        var kept = 0;
        for (ulong seed = 0; seed < 2000; seed++) kept += (int)Mask(new KondoOptions { Price = 0f, Stochastic = true }, seed)[1];
        Assert.InRange(kept / 2000.0, 0.881 - 0.03, 0.881 + 0.03);
    }

    [Theory]
    [InlineData(0f, null)]
    [InlineData(1.5f, null)]
    [InlineData(null, null)]
    public void KondoScreenTest_Options_RejectBadValues(float? rate, float? price)
        => Assert.ThrowsAny<ArgumentException>(() => new KondoOptions { Rate = rate, Price = price }.Validate());

    static TrainOptions Small(string method) => new()
    {
        Seed = 5,
        Steps = 1,
        Loss = new() { Method = KebabCase.Parse<Method>(method) },
        Task = new() { PromptLength = 4 },
        Batch = new() { Prompts = 4, Samples = 5 },
        Evaluation = new() { Rows = 10 },
    };

    static float[] FirstStepGradient(TrainOptions options)
    {
        var trainer = new SynchronousRuntime(options);
        trainer.Run();
        return trainer.Session.Policy.Parameters.Gradients.ToArray();
    }

    [Fact]
    public void KondoScreenTest_Learner_FullRateEqualsPg()
    {
        var pg = FirstStepGradient(Small("pg"));
        var kondo = FirstStepGradient(Small("kondo") with { Screen = new() { Kondo = new() { Rate = 1f } } });
        Assert.Equal(pg, kondo);
    }

    [Fact]
    public void KondoScreenTest_Learner_SpeculativeOnPolicyMatchesExact()
    {
        // On-policy the actor's log-probs equal the learner's up to rounding: same rows kept, same gradient.
        var exact = FirstStepGradient(Small("kondo") with { Screen = new() { Kondo = new() { Rate = 0.2f } } });
        var speculative = FirstStepGradient(Small("kondo") with { Screen = new() { Kondo = new() { Rate = 0.2f }, Mode = ScreenMode.Speculative } });
        GradientCheck.AssertClose(exact, speculative, 1e-4f, "gradient");
        Assert.Contains(exact, g => g != 0f);
    }

    [Fact]
    public void KondoScreenTest_Learner_WorkScalesWithRate()
    {
        var trainer = new SynchronousRuntime(Small("kondo") with { Screen = new() { Kondo = new() { Rate = 0.1f }, Mode = ScreenMode.Speculative }, Steps = 3 });
        var work = trainer.Run().Work;
        // ρ = 0.1 of 80 tokens keeps 8 tokens, so at most 8 rows per step; step 1 is audited (one full forward of 20).
        Assert.True(work.BackwardRows <= 3 * 8, $"backward rows {work.BackwardRows}");
        Assert.True(work.ForwardRows <= 20 + 2 * 8, $"forward rows {work.ForwardRows}");
        Assert.Equal(3 * 20, work.SampleRows);
    }
}
