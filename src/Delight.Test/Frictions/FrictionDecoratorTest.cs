using Delight.Actors;
using Delight.Environments;
using Delight.Environments.Bandits;
using Delight.Frictions;
using Delight.Numerics;
using Delight.Policies;
using Delight.Versions;

namespace Delight.Test.Frictions;

/// <summary>
/// One test per friction decorator: it changes exactly what it declares (<see cref="IFriction.Effect"/>) — compared
/// with a frictionless actor on the same seed, every undeclared part of the rollout is bit-identical and every
/// declared part really changes — and it fires at its rate, within binomial tolerance.
/// </summary>
public class FrictionDecoratorTest
{
    static readonly ReversalEnvironment s_reversal = FrictionTest.s_reversal;
    static readonly BanditEnvironment s_bandit = (BanditEnvironment)TaskCatalog.Create("bandit", new TaskOptions { Arms = 10 });

    static ISequencePolicy PolicyFor(ITokenEnvironment environment)
    {
        ISequencePolicy policy = environment is BanditEnvironment
            ? new TabularSoftmaxPolicy(new TabularOptions { ContextCount = environment.PromptVocabularySize, ActionCount = environment.VocabularySize, MaxRows = 100 })
            : FrictionTest.Policy();
        policy.Initialize(new Rng(1));
        return policy;
    }

    /// <summary>A friction alone, what it should declare, and the environment it applies to.</summary>
    public static TheoryData<string, FrictionEffect> Frictions => new()
    {
        { "bug", FrictionEffect.Answer | FrictionEffect.BehaviourLogProbs },
        { "discovery", FrictionEffect.Answer | FrictionEffect.BehaviourLogProbs },
        { "random", FrictionEffect.Answer | FrictionEffect.BehaviourLogProbs },
        { "reward-flip", FrictionEffect.Reward },
        { "reward-noise", FrictionEffect.Reward },
        { "logit-noise", FrictionEffect.Answer | FrictionEffect.BehaviourLogProbs },
        { "contamination", FrictionEffect.Answer | FrictionEffect.BehaviourLogProbs },
    };

    static (FrictionOptions Options, ITokenEnvironment Environment) Setup(string name) => name switch
    {
        "bug" => (new() { Bug = new() { Prob = 0.3f } }, s_reversal),
        "discovery" => (new() { Discovery = new() { Prob = 0.3f } }, s_reversal),
        "random" => (new() { RandomAnswers = new() { Prob = 0.3f } }, s_reversal),
        "reward-flip" => (new() { Reward = new() { FlipProb = 0.3f } }, s_reversal),
        "reward-noise" => (new() { Reward = new() { NoiseStd = 0.5f } }, s_reversal),
        "logit-noise" => (new() { LogitNoise = new() { Std = 2f } }, s_reversal),
        "contamination" => (new() { Contamination = new() { Rate = 0.5f, Arm = 7 } }, s_bandit),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such friction in this test"),
    };

    static Rollout Fill(ITokenEnvironment environment, FrictionOptions frictions, out TokenActor actor)
    {
        actor = new TokenActor(environment, PolicyFor(environment), new Rng(2), frictions);
        var rollout = new Rollout(100, environment.PromptLength, environment.AnswerLength);
        actor.Fill(rollout, environment is BanditEnvironment ? 100 : 20, environment is BanditEnvironment ? 1 : 5, 0);
        return rollout;
    }

    [Theory]
    [MemberData(nameof(Frictions))]
    public void FrictionDecoratorTest_Friction_ChangesExactlyWhatItDeclares(string name, FrictionEffect declared)
    {
        var (options, environment) = Setup(name);
        var clean = Fill(environment, new FrictionOptions(), out _);
        var rubbed = Fill(environment, options, out var actor);
        var friction = Assert.Single(actor.Applied);
        Assert.Equal(declared, friction.Effect);
        Assert.StartsWith("--", friction.Flag);

        int rows = clean.RowCount, length = clean.Length, prompt = clean.PromptLength;
        bool answers = false, logProbs = false, rewards = false;
        for (var r = 0; r < rows; r++)
        {
            Assert.Equal(clean.Prompt(r).ToArray(), rubbed.Prompt(r).ToArray()); // no friction touches prompts
            var sameAnswer = clean.Answer(r).SequenceEqual(rubbed.Answer(r));
            answers |= !sameAnswer;
            logProbs |= !clean.BehaviourLogProbs.AsSpan(r * length + prompt, length - prompt).SequenceEqual(rubbed.BehaviourLogProbs.AsSpan(r * length + prompt, length - prompt));
            // A reward is "changed" only when it is not the task's score of the row's answer.
            var score = environment.Reward(rubbed.Prompt(r), rubbed.Answer(r), new Rng(0));
            rewards |= environment is ReversalEnvironment && rubbed.Rewards[r] != score;
            if (sameAnswer && !declared.HasFlag(FrictionEffect.Reward)) Assert.Equal(clean.Rewards[r], rubbed.Rewards[r]);
        }
        Assert.Equal(declared.HasFlag(FrictionEffect.Answer), answers);
        Assert.Equal(declared.HasFlag(FrictionEffect.BehaviourLogProbs), logProbs);
        if (environment is ReversalEnvironment) Assert.Equal(declared.HasFlag(FrictionEffect.Reward), rewards);
        Assert.Equal(clean.PolicyVersion, rubbed.PolicyVersion);
    }

    static int Rows(FrictionOptions options, int rounds, Func<Rollout, int, bool> counts, ITokenEnvironment? environment = null)
    {
        environment ??= s_reversal;
        var actor = new TokenActor(environment, PolicyFor(environment), new Rng(5), options);
        var rollout = new Rollout(100, environment.PromptLength, environment.AnswerLength);
        var n = 0;
        for (var i = 0; i < rounds; i++)
        {
            actor.Fill(rollout, environment is BanditEnvironment ? 100 : 20, environment is BanditEnvironment ? 1 : 5, 0);
            for (var r = 0; r < rollout.RowCount; r++) if (counts(rollout, r)) n++;
        }
        return n;
    }

    [Theory]
    [InlineData("bug", RowFriction.Bug)]
    [InlineData("discovery", RowFriction.Discovery)]
    [InlineData("random", RowFriction.Random)]
    [InlineData("reward-flip", RowFriction.RewardFlip)]
    public void FrictionDecoratorTest_RowFriction_FiresAtItsRate(string name, RowFriction mark)
    {
        var (options, _) = Setup(name);
        var n = Rows(options, 40, (rollout, r) => rollout.RowFrictions[r].HasFlag(mark));
        FrictionTest.AssertRate(n, 4000, 0.3, name);
    }

    [Fact]
    public void FrictionDecoratorTest_RewardNoise_AddsGaussianNoiseOfItsStd()
    {
        // Reversal rewards are deterministic scores, so reward − score is the noise itself: mean 0, std σ.
        double sum = 0, sumSq = 0;
        var n = Rows(new FrictionOptions { Reward = new() { NoiseStd = 0.5f } }, 40, (rollout, r) =>
        {
            double noise = rollout.Rewards[r] - s_reversal.Reward(rollout.Prompt(r), rollout.Answer(r), new Rng(0));
            sum += noise;
            sumSq += noise * noise;
            return true;
        });
        var mean = sum / n;
        var std = Math.Sqrt(sumSq / n - mean * mean);
        Assert.InRange(mean, -5 * 0.5 / Math.Sqrt(n), 5 * 0.5 / Math.Sqrt(n));
        Assert.InRange(std, 0.5 * (1 - 5 / Math.Sqrt(2.0 * n)), 0.5 * (1 + 5 / Math.Sqrt(2.0 * n)));
    }

    [Fact]
    public void FrictionDecoratorTest_Contamination_PutsItsMassOnTheArm()
    {
        // The initial tabular policy is uniform over 10 arms: μ(7) = (1 − ρ)/10 + ρ = 0.55.
        var n = Rows(new FrictionOptions { Contamination = new() { Rate = 0.5f, Arm = 7 } }, 20, (rollout, r) => rollout.Answer(r)[0] == 7, s_bandit);
        FrictionTest.AssertRate(n, 2000, 0.55, "contamination");
    }

    [Fact]
    public void FrictionDecoratorTest_LogitNoise_IsOneFixedDrawOfItsStd()
    {
        var policy = FrictionTest.Policy();
        _ = new TokenActor(s_reversal, policy, new Rng(2), new FrictionOptions { LogitNoise = new() { Std = 0.7f } });
        var draws = new Rng(2).Split("logit-noise");
        float[] expected = [0.7f * (float)draws.NextNormal(), 0.7f * (float)draws.NextNormal()];
        Assert.Equal(expected, policy.SamplingLogitBias);
    }

    [Theory]
    [InlineData(StalenessMode.Uniform)]
    [InlineData(StalenessMode.Fixed)]
    public void FrictionDecoratorTest_Staleness_DeclaresVersionAndLagsAtItsRate(StalenessMode mode)
    {
        const int D = 3, Steps = 4000;
        var learner = FrictionTest.Policy();
        var actor = FrictionTest.Policy();
        var staleness = new Staleness(new StalenessOptions { Versions = D, Mode = mode }, learner.Parameters.BufferLength, new Rng(6));
        Assert.Equal(FrictionEffect.Version, staleness.Effect);
        Assert.Equal("--staleness", staleness.Flag);
        var lags = new int[D + 1];
        for (long version = 0; version < Steps; version++)
        {
            learner.Parameters.Values[0] = version; // tags the parameters with their version
            var loaded = staleness.Load(version, learner.Parameters, actor.Parameters);
            Assert.Equal(loaded, (long)actor.Parameters.Values[0]); // the actor holds the version it reports
            Assert.InRange(version - loaded, 0, Math.Min(D, version));
            if (version >= D) lags[version - loaded]++;
        }
        var n = Steps - D;
        if (mode == StalenessMode.Fixed) Assert.Equal(n, lags[D]);
        else
            for (var lag = 0; lag <= D; lag++) FrictionTest.AssertRate(lags[lag], n, 1.0 / (D + 1), $"lag {lag}");
    }

    [Fact]
    public void FrictionDecoratorTest_CurrentVersion_IsTheLearnersOwn()
    {
        var learner = FrictionTest.Policy();
        var actor = FrictionTest.Policy();
        learner.Parameters.Values[0] = 42f;
        Assert.Equal(9, new CurrentVersion().Load(9, learner.Parameters, actor.Parameters));
        Assert.Equal(learner.Parameters.Values.ToArray(), actor.Parameters.Values.ToArray());
    }

    [Fact]
    public void FrictionDecoratorTest_ActorOrder_IsTheDocumentedOne()
    {
        var actor = new TokenActor(s_reversal, FrictionTest.Policy(), new Rng(2), new FrictionOptions
        {
            Bug = new() { Prob = 0.1f }, Discovery = new() { Prob = 0.1f }, RandomAnswers = new() { Prob = 0.1f },
            Reward = new() { FlipProb = 0.1f }, LogitNoise = new() { Std = 0.1f },
        });
        Assert.Equal([typeof(LogitNoise), typeof(Discovery), typeof(RandomAnswers), typeof(Bug), typeof(RewardCorruption)],
            actor.Applied.Select(f => f.GetType()));
    }
}
