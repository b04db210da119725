using Delight.Environments;
using Delight.Numerics;

namespace Delight.Test.Environments;

public class RewardWrapperTest
{
    /// <summary>A fixed reward, uniform prompts; optionally one U[0,1) draw per reward so draw order is visible.</summary>
    class StubTask(float reward, int vocabulary = 10, int promptLength = 4, int answerLength = 4, bool drawsInReward = false) : ITokenEnvironment
    {
        public string Name => "stub";
        public int VocabularySize => vocabulary;
        public int PromptLength => promptLength;
        public int AnswerLength => answerLength;

        public void SamplePrompt(Rng rng, Span<int> prompt)
        {
            for (var i = 0; i < PromptLength; i++) prompt[i] = rng.NextInt(VocabularySize);
        }

        public float Reward(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, Rng rng)
            => drawsInReward ? (float)rng.NextDouble() : reward;
    }

    sealed class SupervisedStubTask(float reward) : StubTask(reward), ITokenEnvironment, ISupervisedTask
    {
        public ISupervisedTask? Targets => this; // declared, as every task with targets does
        public void WriteTarget(ReadOnlySpan<int> prompt, Span<int> answer) => prompt.CopyTo(answer);
    }

    static readonly int[] s_prompt = [1, 2, 3, 4];
    static readonly int[] s_answer = [5, 6, 7, 8];

    static (double Mean, double Std) Moments(ITokenEnvironment env, int[] prompt, int[] answer, int draws, ulong seed)
    {
        var rng = new Rng(seed);
        double sum = 0, sumSq = 0;
        for (var i = 0; i < draws; i++)
        {
            double r = env.Reward(prompt, answer, rng);
            sum += r;
            sumSq += r * r;
        }
        var mean = sum / draws;
        return (mean, Math.Sqrt(sumSq / draws - mean * mean));
    }

    static bool SameState(Rng a, Rng b) => a.Save() == b.Save();

    [Fact]
    public void RewardWrapperTest_WrappersAtTheirOffSetting_LeaveTheStreamUntouched()
    {
        var inner = new StubTask(0.25f);
        ITokenEnvironment[] off =
        [
            ZerosPrompt.Wrap(inner, new ZerosPromptOptions()),
            LandmineReward.Wrap(inner, new LandmineOptions { LandmineSequence = [5] }),
            PoisonTokenReward.Wrap(inner, new PoisonTokenOptions { PoisonToken = 9, PoisonReward = -1 }),
        ];
        foreach (var env in off)
        {
            var rng = new Rng(4);
            var reference = new Rng(4);
            Assert.Equal(0.25f, env.Reward(s_prompt, [1, 1, 1, 1], rng));
            Assert.True(SameState(reference, rng), env.GetType().Name);
            var a = new int[4];
            var b = new int[4];
            env.SamplePrompt(rng, a);
            inner.SamplePrompt(reference, b);
            Assert.Equal(b, a);
            Assert.True(SameState(reference, rng), env.GetType().Name);
        }
    }

    [Fact]
    public void RewardWrapperTest_Landmine_GappedHitAndMiss()
    {
        var env = LandmineReward.Wrap(new StubTask(0.5f), new LandmineOptions { LandmineSequence = [0, 0], LandmineReward = -5f });
        var rng = new Rng(0);
        Assert.Equal(-4.5f, env.Reward(s_prompt, [1, 0, 2, 0], rng)); // gapped hit
        Assert.Equal(-4.5f, env.Reward(s_prompt, [0, 0, 0, 0], rng));
        Assert.Equal(0.5f, env.Reward(s_prompt, [0, 1, 1, 1], rng));  // one zero is not enough
        Assert.Equal(0.5f, env.Reward(s_prompt, [1, 2, 3, 4], rng));
        Assert.True(env.IsHit([3, 0, 3, 0]));
        Assert.False(env.IsHit([3, 0, 3, 3]));
    }

    [Fact]
    public void RewardWrapperTest_Landmine_NoisyPenaltyOnlyOnHits()
    {
        var env = LandmineReward.Wrap(new StubTask(0f), new LandmineOptions { LandmineSequence = [2], LandmineReward = -1f, LandmineStd = 0.5f });
        var (mean, std) = Moments(env, s_prompt, [1, 2, 1, 1], 40_000, 5);
        Assert.InRange(mean, -1 - 0.0125, -1 + 0.0125); // 5 · 0.5 / √40000
        Assert.InRange(std, 0.5 * 0.97, 0.5 * 1.03);
        var (missMean, missStd) = Moments(env, s_prompt, [1, 3, 1, 1], 1000, 5);
        Assert.Equal((0.0, 0.0), (missMean, missStd));
    }

    [Fact]
    public void RewardWrapperTest_PoisonToken_AddsPenaltyWhenAnyTokenIsPoison()
    {
        var env = PoisonTokenReward.Wrap(new StubTask(1f), new PoisonTokenOptions { PoisonToken = 2 });
        var rng = new Rng(0);
        Assert.Equal(-9f, env.Reward(s_prompt, [0, 0, 0, 2], rng));
        Assert.Equal(-9f, env.Reward(s_prompt, [2, 2, 0, 1], rng)); // once, however many
        Assert.Equal(1f, env.Reward(s_prompt, [0, 1, 3, 4], rng));
        var defaults = new PoisonTokenOptions();
        Assert.Equal((0, -10f), (defaults.PoisonToken, defaults.PoisonReward));
    }

    [Fact]
    public void RewardWrapperTest_ZerosPrompt_Rate()
    {
        const int Draws = 20_000;
        const double P = 0.25;
        var env = ZerosPrompt.Wrap(new StubTask(0f, vocabulary: 10), new ZerosPromptOptions { ZeroPromptProb = (float)P });
        var rng = new Rng(8);
        var prompt = new int[4];
        var zeroed = 0;
        for (var i = 0; i < Draws; i++)
        {
            env.SamplePrompt(rng, prompt);
            if (!prompt.AsSpan().ContainsAnyExcept(0)) zeroed++;
        }
        var expected = P + (1 - P) * 1e-4; // an inner prompt of 4 tokens from 10 is all zeros w.p. 10⁻⁴
        var sd = Math.Sqrt(Draws * expected * (1 - expected));
        Assert.InRange(zeroed, Draws * expected - 5 * sd, Draws * expected + 5 * sd);
    }

    [Fact]
    public void RewardWrapperTest_ZerosPrompt_NoiseOnlyWhenPromptAndAnswerAreAllZeros()
    {
        var env = ZerosPrompt.Wrap(new StubTask(1f), new ZerosPromptOptions { ZeroPromptProb = 0.5f, ZeroNoiseStd = 2f });
        int[] zeros = [0, 0, 0, 0];
        var (mean, std) = Moments(env, zeros, zeros, 40_000, 6);
        Assert.InRange(mean, 1 - 0.05, 1 + 0.05);
        Assert.InRange(std, 2 * 0.97, 2 * 1.03);
        Assert.Equal((1.0, 0.0), Moments(env, zeros, [0, 0, 1, 0], 1000, 6));
        Assert.Equal((1.0, 0.0), Moments(env, [0, 3, 0, 0], zeros, 1000, 6));
    }

    [Fact]
    public void RewardWrapperTest_FinitePromptSet_OnlyItsPromptsAndAllOfThem()
    {
        var inner = new StubTask(0f, vocabulary: 10, promptLength: 6);
        var env = FinitePromptSet.Wrap(inner, new FinitePromptOptions { NumPrompts = 7, Seed = 42 });
        var set = Enumerable.Range(0, env.Count).Select(i => string.Join(",", env.Prompt(i).ToArray())).ToList();
        Assert.Equal(7, set.Distinct().Count());
        // Prompt i is the inner environment's prompt from Rng(seed).Split(i).
        var expected = new int[6];
        inner.SamplePrompt(new Rng(42).Split(3), expected);
        Assert.Equal(expected, env.Prompt(3).ToArray());
        var rng = new Rng(1);
        var prompt = new int[6];
        var seen = new HashSet<string>();
        for (var i = 0; i < 500; i++)
        {
            env.SamplePrompt(rng, prompt);
            var key = string.Join(",", prompt);
            Assert.Contains(key, set);
            seen.Add(key);
        }
        Assert.Equal(7, seen.Count);
    }

    [Fact]
    public void RewardWrapperTest_FinitePromptSet_SameSeedSameSet()
    {
        var inner = new StubTask(0f);
        static int[] All(FinitePromptSet env) => [.. Enumerable.Range(0, env.Count).SelectMany(i => env.Prompt(i).ToArray())];
        var a = FinitePromptSet.Wrap(inner, new FinitePromptOptions());
        var b = FinitePromptSet.Wrap(inner, new FinitePromptOptions());
        var c = FinitePromptSet.Wrap(inner, new FinitePromptOptions { Seed = 43 });
        Assert.Equal(10, a.Count);
        Assert.Equal(All(a), All(b));
        Assert.NotEqual(All(a), All(c));
    }

    [Fact]
    public void RewardWrapperTest_Wrap_ForwardsSupervisionOnlyWhenTheInnerHasIt()
    {
        var supervised = new SupervisedStubTask(0f);
        var plain = new StubTask(0f);
        Func<ITokenEnvironment, ITokenEnvironment>[] wraps =
        [
            e => LandmineReward.Wrap(e, new LandmineOptions { LandmineSequence = [0] }),
            e => PoisonTokenReward.Wrap(e, new PoisonTokenOptions()),
            e => ZerosPrompt.Wrap(e, new ZerosPromptOptions { ZeroPromptProb = 0.5f }),
            e => FinitePromptSet.Wrap(e, new FinitePromptOptions()),
        ];
        foreach (var wrap in wraps)
        {
            var env = wrap(supervised);
            var target = new int[4];
            env.Targets!.WriteTarget(s_prompt, target);
            Assert.Equal(s_prompt, target);
            Assert.Equal(("stub", 10, 4, 4), (env.Name, env.VocabularySize, env.PromptLength, env.AnswerLength));
            Assert.Null(wrap(plain).Targets);
        }
    }

    [Fact]
    public void RewardWrapperTest_FullStack_AllocatesNothingPerCall()
    {
        var env = TaskCatalog.Create("reversal", new TaskOptions
        {
            FinitePrompts = 4, ZeroPromptProb = 0.3f, ZeroNoiseStd = 0.5f,
            Landmine = true, LandmineStd = 0.1f, PoisonToken = 1,
        });
        var rng = new Rng(0);
        var prompt = new int[env.PromptLength];
        var answer = new int[env.AnswerLength];
        var sum = 0f;
        for (var i = 0; i < 100; i++)
        {
            env.SamplePrompt(rng, prompt);
            sum += env.Reward(prompt, answer, rng);
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            env.SamplePrompt(rng, prompt);
            answer[i % answer.Length] ^= 1;
            sum += env.Reward(prompt, answer, rng);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(float.IsFinite(sum));
    }

    [Fact]
    public void RewardWrapperTest_Options_RejectBadValuesNamingTheOption()
    {
        var inner = new StubTask(0f, vocabulary: 3);
        void Throws(string option, Action build) => Assert.Contains(option, Assert.ThrowsAny<ArgumentException>(build).Message);
        Throws("--zero-prompt-prob", () => ZerosPrompt.Wrap(inner, new ZerosPromptOptions { ZeroPromptProb = -0.1f }));
        Throws("--zero-noise-std", () => ZerosPrompt.Wrap(inner, new ZerosPromptOptions { ZeroNoiseStd = -0.1f }));
        Throws("--poison-token", () => PoisonTokenReward.Wrap(inner, new PoisonTokenOptions { PoisonToken = 3 }));
        Throws("--finite-prompts", () => FinitePromptSet.Wrap(inner, new FinitePromptOptions { NumPrompts = 0 }));
        Throws("--landmine-std", () => LandmineReward.Wrap(inner, new LandmineOptions { LandmineSequence = [0], LandmineStd = -1f }));
        Throws("landmine sequence length", () => LandmineReward.Wrap(inner, new LandmineOptions { LandmineSequence = [] }));
        Throws("landmine sequence length", () => LandmineReward.Wrap(inner, new LandmineOptions { LandmineSequence = [0, 0, 0, 0, 0] }));
        Throws("landmine token", () => LandmineReward.Wrap(inner, new LandmineOptions { LandmineSequence = [3] }));
    }
}
