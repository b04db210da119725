using Delight.Environments;
using Delight.Environments.Bandits;
using Delight.Numerics;

namespace Delight.Test.Bandits;

public class BanditEnvironmentTest
{
    static readonly Rng s_unused = new(0);

    [Fact]
    public void BanditEnvironmentTest_ArmedBandit_OneCorrectArmPaysOne()
    {
        var env = BanditEnvironment.Create(new ArmedBandit(new ArmedBanditOptions { ArmCount = 5, CorrectArm = 3 }));
        Assert.Equal(("bandit", 5, 1, 1, 1), (env.Name, env.VocabularySize, env.PromptVocabularySize, env.PromptLength, env.AnswerLength));
        Assert.Equal(1f, env.Reward([0], [3], s_unused));
        Assert.Equal(0f, env.Reward([0], [0], s_unused));
        Assert.Equal(0f, env.Reward([0], [4], s_unused));
        var target = new int[1];
        env.Targets!.WriteTarget([0], target);
        Assert.Equal(3, target[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => env.Reward([0], [5], s_unused));
        Assert.Throws<ArgumentOutOfRangeException>(() => env.Reward([1], [0], s_unused));
    }

    [Fact]
    public void BanditEnvironmentTest_ArmedBanditWithMeans_BernoulliFrequenciesAndBestArm()
    {
        var model = new ArmedBandit(new ArmedBanditOptions { ArmMeans = [0.2, 0.7, 0.5] });
        Assert.Equal(1, model.CorrectArm);
        var env = BanditEnvironment.Create(model);
        Assert.NotNull(env.Targets);
        var rng = new Rng(5);
        const int Draws = 40000;
        for (var a = 0; a < 3; a++)
        {
            var sum = 0.0;
            for (var i = 0; i < Draws; i++)
            {
                var r = env.Reward([0], [a], rng);
                Assert.True(r is 0f or 1f);
                sum += r;
            }
            var m = model.Reward(0, a).Mean;
            Assert.InRange(sum / Draws, m - 5 * Math.Sqrt(m * (1 - m) / Draws), m + 5 * Math.Sqrt(m * (1 - m) / Draws));
        }
        // A shared best mean leaves no correct arm, so no supervised target.
        var tie = new ArmedBandit(new ArmedBanditOptions { ArmMeans = [0.6, 0.6, 0.1] });
        Assert.Equal(-1, tie.CorrectArm);
        Assert.Null(BanditEnvironment.Create(tie).Targets);
    }

    [Fact]
    public void BanditEnvironmentTest_ContextBandit_CorrectArmPerContextAndSkewedFrequencies()
    {
        var model = new ContextBandit(new ContextBanditOptions { ContextCount = 4, ArmCount = 3, ContextSkew = 1 });
        var env = BanditEnvironment.Create(model);
        Assert.Equal((3, 4), (env.VocabularySize, env.PromptVocabularySize));
        // y*(c) = c mod K.
        Assert.Equal(1f, env.Reward([0], [0], s_unused));
        Assert.Equal(1f, env.Reward([2], [2], s_unused));
        Assert.Equal(1f, env.Reward([3], [0], s_unused));
        Assert.Equal(0f, env.Reward([3], [1], s_unused));
        var target = new int[1];
        env.Targets!.WriteTarget([3], target);
        Assert.Equal(0, target[0]);
        // p(c) ∝ 1/(c + 1): 12/25, 6/25, 4/25, 3/25.
        double[] expected = [12 / 25.0, 6 / 25.0, 4 / 25.0, 3 / 25.0];
        for (var c = 0; c < 4; c++) Assert.Equal(expected[c], model.ContextProbability(c), 12);
        var counts = new int[4];
        var prompt = new int[1];
        var rng = new Rng(9);
        const int Draws = 50000;
        for (var i = 0; i < Draws; i++) { env.SamplePrompt(rng, prompt); counts[prompt[0]]++; }
        for (var c = 0; c < 4; c++)
        {
            var sd = Math.Sqrt(Draws * expected[c] * (1 - expected[c]));
            Assert.InRange(counts[c], Draws * expected[c] - 5 * sd, Draws * expected[c] + 5 * sd);
        }
    }

    [Fact]
    public void BanditEnvironmentTest_Gambling_NoiseOnlyOnTheWorseArm()
    {
        var env = BanditEnvironment.Create(new GamblingBandit(new GamblingOptions { Gap = 0.25, ArmNoiseStd = 2 }));
        Assert.Equal(("gambling", 2, 1), (env.Name, env.VocabularySize, env.PromptVocabularySize));
        var rng = new Rng(4);
        const int Draws = 40000;
        double sum = 0, sumSquares = 0;
        for (var i = 0; i < Draws; i++)
        {
            Assert.Equal(1f, env.Reward([0], [GamblingBandit.BestArm], rng));
            double r = env.Reward([0], [GamblingBandit.WorseArm], rng);
            sum += r;
            sumSquares += r * r;
        }
        var mean = sum / Draws;
        Assert.InRange(mean, 0.75 - 5 * 2 / Math.Sqrt(Draws), 0.75 + 5 * 2 / Math.Sqrt(Draws));
        Assert.InRange(Math.Sqrt(sumSquares / Draws - mean * mean), 1.95, 2.05);
        // The error counts worse-arm pulls: mean reward 1 − Δ/2 is half the pulls on the worse arm.
        Assert.Equal(0.5, env.Error(1 - 0.25 / 2), 12);
        var target = new int[1];
        env.Targets!.WriteTarget([0], target);
        Assert.Equal(GamblingBandit.BestArm, target[0]);
    }

    [Fact]
    public void BanditEnvironmentTest_SuccessProfile_LogitsGiveTheProfile()
    {
        var model = new ContextBandit(new ContextBanditOptions { ContextCount = 3, ArmCount = 5 });
        double[] profile = [0.05, 0.5, 0.99];
        var logits = new float[15];
        SuccessProfile.WriteLogits(model, profile, logits);
        for (var c = 0; c < 3; c++)
        {
            var row = logits.AsSpan(c * 5, 5);
            var sum = 0.0;
            foreach (var v in row) sum += Math.Exp(v);
            Assert.Equal(profile[c], Math.Exp(row[model.CorrectAction(c)]) / sum, 6);
        }
        Assert.ThrowsAny<ArgumentException>(() => SuccessProfile.WriteLogits(model, [0.5, 1.0, 0.5], logits));
    }

    [Theory]
    [InlineData("bandit", 100, 1, true)]
    [InlineData("bandit_contexts", 100, 10, true)]
    [InlineData("gambling", 2, 1, true)]
    public void BanditEnvironmentTest_CatalogCreate_Defaults(string name, int arms, int contexts, bool supervised)
    {
        var env = TaskCatalog.Create(name, new TaskOptions());
        Assert.Contains(name, TaskCatalog.Names);
        Assert.Equal((name, arms, contexts, 1, 1), (env.Name, env.VocabularySize, env.PromptVocabularySize, env.PromptLength, env.AnswerLength));
        Assert.Equal(supervised, env.Targets is not null);
    }

    [Fact]
    public void BanditEnvironmentTest_CatalogCreate_ReadsTheKnobs()
    {
        var contexts = (BanditEnvironment)TaskCatalog.Create("bandit_contexts", new TaskOptions { Arms = 7, Contexts = 3, ContextSkew = 2 });
        Assert.Equal((7, 3), (contexts.VocabularySize, contexts.PromptVocabularySize));
        Assert.Equal(1 / (1 + 0.25 + 1 / 9.0), contexts.Model.ContextProbability(0), 12);
        var gambling = (GamblingBandit)((BanditEnvironment)TaskCatalog.Create("gambling", new TaskOptions { Gap = 0.1f, ArmNoise = 3, BestArmNoise = 1 })).Model;
        Assert.Equal((0.1, 3.0, 1.0), (Math.Round(gambling.Options.Gap, 6), gambling.Options.ArmNoiseStd, gambling.Options.BestArmNoiseStd));
    }

    public static TheoryData<string, TaskOptions, string> BadOptions => new()
    {
        { "bandit", new TaskOptions { Arms = 1 }, "--arms" },
        { "bandit_contexts", new TaskOptions { Contexts = 0 }, "--contexts" },
        { "bandit_contexts", new TaskOptions { ContextSkew = -1 }, "--context-skew" },
        { "gambling", new TaskOptions { Gap = 0 }, "--gap" },
        { "gambling", new TaskOptions { ArmNoise = -1 }, "--arm-noise" },
        { "gambling", new TaskOptions { BestArmNoise = float.NaN }, "--best-arm-noise" },
        { "gambling", new TaskOptions { Arms = 3 }, "--arms" },
        { "bandit", new TaskOptions { Contexts = 3 }, "--contexts" },
        { "bandit", new TaskOptions { Gap = 0.5f }, "--gap" },
        { "reversal", new TaskOptions { Arms = 4 }, "--arms" },
        { "reversal", new TaskOptions { ArmNoise = 1 }, "--arm-noise" },
        { "bandit", new TaskOptions { Vocabulary = 4 }, "--arms" },
        { "bandit_contexts", new TaskOptions { PromptLength = 3 }, "--contexts" },
        { "gambling", new TaskOptions { AnswerLength = 2 }, "--answer-length" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void BanditEnvironmentTest_CatalogCreate_RejectsBadValuesNamingTheOption(string name, TaskOptions options, string option)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => TaskCatalog.Create(name, options));
        Assert.Contains(option, error.Message);
    }

    [Fact]
    public void BanditEnvironmentTest_Options_RejectBadValues()
    {
        Assert.Contains("--arms", Assert.ThrowsAny<ArgumentException>(() => new ArmedBandit(new ArmedBanditOptions { ArmCount = 3, ArmMeans = [0.1, 0.2] })).Message);
        Assert.ThrowsAny<ArgumentException>(() => new ArmedBandit(new ArmedBanditOptions { ArmMeans = [0.1, 1.2] }));
        Assert.ThrowsAny<ArgumentException>(() => new ArmedBandit(new ArmedBanditOptions { ArmCount = 4, CorrectArm = 4 }));
        Assert.Contains("--gap", Assert.ThrowsAny<ArgumentException>(() => new GamblingBandit(new GamblingOptions { Gap = -1 })).Message);
        Assert.Contains("--contexts", Assert.ThrowsAny<ArgumentException>(() => new ContextBandit(new ContextBanditOptions { ContextCount = 0 })).Message);
    }
}
