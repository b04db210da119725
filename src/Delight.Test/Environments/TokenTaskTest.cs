using Delight.Environments;
using Delight.Numerics;

namespace Delight.Test.Environments;

public class TokenTaskTest
{
    static readonly Rng s_unused = new(0);

    [Fact]
    public void TokenTaskTest_BitParityReward_EvenSumWantsOne()
    {
        var env = new BitParityEnvironment(new BitParityOptions { PromptLength = 4 });
        // Σ [1,1,0,1] = 3, odd → target 0.
        Assert.Equal(1f, env.Reward([1, 1, 0, 1], [0], s_unused));
        Assert.Equal(-1f, env.Reward([1, 1, 0, 1], [1], s_unused));
        // Σ [1,0,0,1] = 2, even → target 1; Σ [0,0,0,0] = 0, even → target 1.
        Assert.Equal(1f, env.Reward([1, 0, 0, 1], [1], s_unused));
        Assert.Equal(-1f, env.Reward([1, 0, 0, 1], [0], s_unused));
        Assert.Equal(1f, env.Reward([0, 0, 0, 0], [1], s_unused));
        var target = new int[1];
        env.WriteTarget([1, 1, 1, 1], target);
        Assert.Equal(1, target[0]);
        Assert.Equal((2, 4, 1), (env.VocabularySize, env.PromptLength, env.AnswerLength));
    }

    [Fact]
    public void TokenTaskTest_KeyValueReward_RepeatedKeyLastPairWins()
    {
        var env = new KeyValueEnvironment(new KeyValueOptions { NumPairs = 3, VocabularySize = 10 });
        // Pairs (2→5), (7→1), (2→9), query 2: the last pair with key 2 gives 9.
        int[] prompt = [2, 5, 7, 1, 2, 9, 2];
        Assert.Equal(1f, env.Reward(prompt, [9], s_unused));
        Assert.Equal(-1f, env.Reward(prompt, [5], s_unused));
        Assert.Equal(-1f, env.Reward(prompt, [1], s_unused));
        // Query 7: a unique key.
        Assert.Equal(1f, env.Reward([2, 5, 7, 1, 2, 9, 7], [1], s_unused));
        // A query that matches no key (never sampled) falls back to the last pair's value, as egg's does.
        Assert.Equal(1f, env.Reward([2, 5, 7, 1, 2, 9, 4], [9], s_unused));
        var target = new int[1];
        env.WriteTarget(prompt, target);
        Assert.Equal(9, target[0]);
    }

    [Fact]
    public void TokenTaskTest_KeyValueSamplePrompt_QueryIsOneOfTheKeys()
    {
        var env = new KeyValueEnvironment(new KeyValueOptions());
        Assert.Equal((10, 11, 1), (env.VocabularySize, env.PromptLength, env.AnswerLength));
        var prompt = new int[env.PromptLength];
        var rng = new Rng(3);
        var valueCounts = new int[10];
        var lastPairIsQueried = 0;
        const int Draws = 5000;
        for (var i = 0; i < Draws; i++)
        {
            env.SamplePrompt(rng, prompt);
            foreach (var t in prompt) Assert.InRange(t, 0, 9);
            var query = prompt[10];
            Assert.Contains(query, new[] { prompt[0], prompt[2], prompt[4], prompt[6], prompt[8] });
            for (var p = 0; p < 5; p++) valueCounts[prompt[2 * p + 1]]++;
            if (prompt[8] == query) lastPairIsQueried++;
        }
        foreach (var c in valueCounts) Assert.InRange(c, 2200, 2800); // 25000 values / 10 = 2500
        // P(query's key equals pair 5's key) = 1/5 + 4/5 · 1/10 = 0.28.
        Assert.InRange(lastPairIsQueried, 0.28 * Draws - 200, 0.28 * Draws + 200);
    }

    [Fact]
    public void TokenTaskTest_SubsequenceMatchReward_GappedHitAndMiss()
    {
        var env = new SubsequenceMatchEnvironment(new SubsequenceMatchOptions { PromptLength = 2, AnswerLength = 5, VocabularySize = 5 });
        Assert.Equal(1f, env.Reward([3, 1], [0, 3, 2, 2, 1], s_unused));  // gaps between 3 and 1
        Assert.Equal(1f, env.Reward([3, 1], [3, 1, 0, 0, 0], s_unused));  // contiguous
        Assert.Equal(-1f, env.Reward([3, 1], [1, 0, 0, 0, 3], s_unused)); // wrong order
        Assert.Equal(-1f, env.Reward([3, 1], [3, 3, 3, 0, 0], s_unused)); // 1 missing
        Assert.Equal(1f, env.Reward([2, 2], [2, 0, 0, 2, 4], s_unused));  // a repeated token needs two occurrences
        Assert.Equal(-1f, env.Reward([2, 2], [2, 0, 0, 0, 4], s_unused));
        Assert.False(typeof(ISupervisedTask).IsAssignableFrom(env.GetType())); // many answers succeed: no single target
    }

    [Theory]
    [InlineData(new int[] { 1, 1 }, new int[] { 1, 0, 1 }, true)]
    [InlineData(new int[] { 1, 1 }, new int[] { 1, 0, 0 }, false)]
    [InlineData(new int[] { 0, 0 }, new int[] { 0, 0, 0, 0 }, true)]
    [InlineData(new int[] { 0, 1, 2 }, new int[] { 0, 2, 1, 2 }, true)]
    [InlineData(new int[] { 0, 1, 2 }, new int[] { 2, 1, 0 }, false)]
    public void TokenTaskTest_IsGappedSubsequence_GreedyScan(int[] sequence, int[] text, bool expected)
        => Assert.Equal(expected, SubsequenceMatchEnvironment.IsGappedSubsequence(sequence, text));

    [Fact]
    public void TokenTaskTest_SamplePrompt_SeededAndInRange()
    {
        foreach (var name in TaskCatalog.Names)
        {
            var env = TaskCatalog.Create(name, new TaskOptions());
            var a = new int[env.PromptLength];
            var b = new int[env.PromptLength];
            var ra = new Rng(11);
            var rb = new Rng(11);
            var differs = false;
            for (var i = 0; i < 50; i++)
            {
                env.SamplePrompt(ra, a);
                var first = a.ToArray();
                env.SamplePrompt(rb, b);
                Assert.Equal(a, b);
                foreach (var t in a) Assert.InRange(t, 0, env.PromptVocabularySize - 1);
                env.SamplePrompt(ra, a);
                env.SamplePrompt(rb, b);
                differs |= !a.AsSpan().SequenceEqual(first);
            }
            Assert.True(differs || env.PromptVocabularySize == 1, name); // a one-context bandit has one prompt
        }
    }

    [Theory]
    [InlineData("reversal", 10, 10, 2, true)]
    [InlineData("bit_parity", 10, 1, 2, true)]
    [InlineData("key_value", 11, 1, 10, true)]
    [InlineData("subsequence_match", 2, 32, 5, false)]
    public void TokenTaskTest_CatalogCreate_EggDefaults(string name, int prompt, int answer, int vocab, bool supervised)
    {
        var env = TaskCatalog.Create(name, new TaskOptions());
        Assert.Equal(name, env.Name);
        Assert.Equal((prompt, answer, vocab), (env.PromptLength, env.AnswerLength, env.VocabularySize));
        Assert.Equal(supervised, env.Targets is not null);
    }

    [Fact]
    public void TokenTaskTest_CatalogCreate_ShapeKnobs()
    {
        var reversal = (ReversalEnvironment)TaskCatalog.Create("reversal",
            new TaskOptions { PromptLength = 6, Vocabulary = 4, TargetReverse = false, TargetIncrement = true, RewardToFirstError = false, Kappa = 0.5f });
        Assert.Equal(new ReversalOptions
        {
            PromptLength = 6, VocabularySize = 4, TargetReverse = false, TargetIncrement = true, RewardToFirstError = false, Kappa = 0.5f,
        }, reversal.Options);
        var parity = TaskCatalog.Create("bit_parity", new TaskOptions { PromptLength = 7, Vocabulary = 2 });
        Assert.Equal((7, 1, 2), (parity.PromptLength, parity.AnswerLength, parity.VocabularySize));
        var kv = TaskCatalog.Create("key_value", new TaskOptions { NumPairs = 3, Vocabulary = 4 });
        Assert.Equal((7, 1, 4), (kv.PromptLength, kv.AnswerLength, kv.VocabularySize));
        var sub = TaskCatalog.Create("subsequence_match", new TaskOptions { PromptLength = 4, AnswerLength = 12, Vocabulary = 3 });
        Assert.Equal((4, 12, 3), (sub.PromptLength, sub.AnswerLength, sub.VocabularySize));
    }

    [Fact]
    public void TokenTaskTest_CatalogCreate_WrapperOrderInnerToOuter()
    {
        var env = TaskCatalog.Create("reversal", new TaskOptions
        {
            FinitePrompts = 3, ZeroPromptProb = 0.1f, ZeroNoiseStd = 0.1f,
            Landmine = true, PoisonToken = 1,
        });
        var types = new List<Type>();
        while (env is TokenEnvironmentWrapper wrapper)
        {
            types.Add(wrapper.GetType().BaseType == typeof(TokenEnvironmentWrapper) ? wrapper.GetType() : wrapper.GetType().BaseType!);
            Assert.NotNull(wrapper.Targets);
            env = wrapper.Inner;
        }
        Assert.IsType<ReversalEnvironment>(env);
        Assert.Equal(
            [typeof(PoisonTokenReward), typeof(LandmineReward), typeof(ZerosPrompt), typeof(FinitePromptSet)],
            types);
    }

    [Fact]
    public void TokenTaskTest_CatalogCreate_LandmineIsZerosOfTheAnswerLength()
    {
        var env = (LandmineReward)TaskCatalog.Create("subsequence_match", new TaskOptions { Landmine = true, LandminePenalty = -3f });
        Assert.Equal(new int[32], env.Options.LandmineSequence);
        var prompt = new int[] { 1, 2 };
        var answer = new int[32];
        Assert.Equal(-1f - 3f, env.Reward(prompt, answer, new Rng(0)));
        answer[5] = 1;
        answer[9] = 2;
        Assert.Equal(1f, env.Reward(prompt, answer, new Rng(0)));
        Assert.Null(env.Targets);
    }

    [Fact]
    public void TokenTaskTest_CatalogCreate_SupervisedTargetSurvivesWrappers()
    {
        var options = new TaskOptions { PromptLength = 4, ZeroPromptProb = 0.5f, PoisonToken = 0, FinitePrompts = 5 };
        var wrapped = TaskCatalog.Create("reversal", options).Targets!;
        var bare = TaskCatalog.CreateTask("reversal", options).Targets!;
        int[] prompt = [0, 1, 1, 1];
        var a = new int[4];
        var b = new int[4];
        wrapped.WriteTarget(prompt, a);
        bare.WriteTarget(prompt, b);
        Assert.Equal(b, a);
        Assert.Equal([1, 1, 1, 0], a);
    }

    [Fact]
    public void TokenTaskTest_EveryTaskWithTargets_DeclaresThem()
    {
        // Components read a task's capabilities from what it declares (Targets, Bandit), never from its type: a task
        // that can write targets but forgot to declare them would silently lose the oracle and discoveries.
        foreach (var name in TaskCatalog.Names.Where(n => n != "mnist"))
        {
            var task = TaskCatalog.CreateTask(name, new TaskOptions());
            Assert.Same(task is ISupervisedTask supervised ? supervised : null, task.Targets);
            Assert.Equal(task is Delight.Environments.Bandits.BanditEnvironment, task.Bandit is not null);
        }
    }

    [Fact]
    public void TokenTaskTest_CatalogCreate_UnknownTaskListsTheNames()
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => TaskCatalog.Create("sorting", new TaskOptions()));
        Assert.Equal("--task 'sorting' is unknown; choose one of: " + string.Join(", ", TaskCatalog.Names) + ".", error.Message);
        Assert.Contains("mnist", TaskCatalog.Names);
    }

    public static TheoryData<string, TaskOptions, string> BadOptions => new()
    {
        { "reversal", new TaskOptions { PromptLength = 0 }, "--prompt-length" },
        { "bit_parity", new TaskOptions { PromptLength = -1 }, "--prompt-length" },
        { "subsequence_match", new TaskOptions { PromptLength = 0 }, "--prompt-length" },
        { "key_value", new TaskOptions { PromptLength = 7 }, "--prompt-length" },
        { "reversal", new TaskOptions { Vocabulary = 1 }, "--vocab" },
        { "bit_parity", new TaskOptions { Vocabulary = 3 }, "--vocab" },
        { "key_value", new TaskOptions { Vocabulary = 1 }, "--vocab" },
        { "subsequence_match", new TaskOptions { Vocabulary = 0 }, "--vocab" },
        { "subsequence_match", new TaskOptions { AnswerLength = 0 }, "--answer-length" },
        { "subsequence_match", new TaskOptions { PromptLength = 5, AnswerLength = 4 }, "--answer-length" },
        { "reversal", new TaskOptions { AnswerLength = 12 }, "--answer-length" },
        { "key_value", new TaskOptions { NumPairs = 0 }, "--pairs" },
        { "bit_parity", new TaskOptions { NumPairs = 3 }, "--pairs" },
        { "reversal", new TaskOptions { PoisonToken = -1 }, "--poison-token" },
        { "reversal", new TaskOptions { PoisonToken = 2 }, "--poison-token" },
        { "key_value", new TaskOptions { PoisonToken = 10 }, "--poison-token" },
        { "reversal", new TaskOptions { ZeroPromptProb = 2f }, "--zero-prompt-prob" },
        { "reversal", new TaskOptions { ZeroPromptProb = 0.5f, ZeroNoiseStd = -1f }, "--zero-noise-std" },
        { "reversal", new TaskOptions { ZeroNoiseStd = 1f }, "--zero-prompt-prob" },
        { "reversal", new TaskOptions { FinitePrompts = 0 }, "--finite-prompts" },
        { "reversal", new TaskOptions { Landmine = true, LandmineStd = -1f }, "--landmine-std" },
        { "reversal", new TaskOptions { Landmine = true, LandminePenalty = float.NegativeInfinity }, "--landmine-penalty" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void TokenTaskTest_CatalogCreate_RejectsBadValuesNamingTheOption(string name, TaskOptions options, string option)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => TaskCatalog.Create(name, options));
        Assert.Contains(option, error.Message);
    }

    [Fact]
    public void TokenTaskTest_Options_RejectBadValues()
    {
        Assert.ThrowsAny<ArgumentException>(() => new BitParityEnvironment(new BitParityOptions { PromptLength = 0 }));
        Assert.ThrowsAny<ArgumentException>(() => new KeyValueEnvironment(new KeyValueOptions { NumPairs = 0 }));
        Assert.ThrowsAny<ArgumentException>(() => new KeyValueEnvironment(new KeyValueOptions { VocabularySize = 1 }));
        Assert.ThrowsAny<ArgumentException>(() => new SubsequenceMatchEnvironment(new SubsequenceMatchOptions { AnswerLength = 1 }));
        Assert.ThrowsAny<ArgumentException>(() => new SubsequenceMatchEnvironment(new SubsequenceMatchOptions { VocabularySize = 1 }));
    }
}
