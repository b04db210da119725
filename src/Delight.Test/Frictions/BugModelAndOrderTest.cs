using Delight.Actors;
using Delight.Environments;
using Delight.Frictions;
using Delight.Numerics;
using Delight.Policies;
using Delight.Runtime;

namespace Delight.Test.Frictions;

/// <summary>
/// Issue 14, deliverable 3: both bug models' recorded log-probs, egg's friction order (the landmine penalty outside
/// the reward coin flip, noise inside it), and the error measured on the task's own reward.
/// </summary>
public class BugModelAndOrderTest
{
    /// <summary>One-step task: prompt 0, answers in {0, 1}, every answer scores <paramref name="score"/>.</summary>
    sealed class ConstantTask(float score) : ITokenEnvironment
    {
        public string Name => "constant";
        public int VocabularySize => 2;
        public int PromptVocabularySize => 1;
        public int PromptLength => 1;
        public int AnswerLength => 1;
        public void SamplePrompt(Rng rng, Span<int> prompt) => prompt[0] = 0;
        public float Reward(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, Rng rng) => score;
    }

    /// <summary>π(0) = 1/(1 + e^logitOne), π(1) = e^logitOne/(1 + e^logitOne).</summary>
    static TabularSoftmaxPolicy Tabular(float logitOne)
    {
        var policy = new TabularSoftmaxPolicy(new TabularOptions { ContextCount = 1, ActionCount = 2, MaxRows = 100 });
        policy.Parameters.Values[0] = 0f;
        policy.Parameters.Values[1] = logitOne;
        return policy;
    }

    /// <summary>One row: prompt 0, sampled answer 1 with a recorded log-prob of −5; the bug then overwrites it.</summary>
    static Rollout BuggedRow(BugLogProbs model, ISequencePolicy policy)
    {
        var rollout = new Rollout(1, 1, 1) { RowCount = 1 };
        rollout.Tokens[0] = 0;
        rollout.Tokens[1] = 1;
        rollout.BehaviourLogProbs[1] = -5f;
        new Bug(new BugOptions { Prob = 1f, LogProbs = model }, policy).Inject(rollout, 0, new Rng(1));
        Assert.Equal(0, rollout.Tokens[1]); // the landmine answer
        return rollout;
    }

    [Fact]
    public void BugModelTest_Claimed_RecordsProbabilityOne()
    {
        var rollout = BuggedRow(BugLogProbs.Claimed, Tabular(MathF.Log(3f)));
        Assert.Equal(0f, rollout.BehaviourLogProbs[1]);
    }

    [Fact]
    public void BugModelTest_Actual_RecordsThePolicysLogProbOfTheJunkAnswer()
    {
        // Logits (0, ln 3): π(0) = 1/(1 + 3) = 1/4, so the recorded log-prob is ln ¼.
        var rollout = BuggedRow(BugLogProbs.Actual, Tabular(MathF.Log(3f)));
        Assert.Equal(Math.Log(0.25), rollout.BehaviourLogProbs[1], 5);
    }

    [Fact]
    public void BugModelTest_Actual_IncludesTheActorsLogitNoise()
    {
        // The actor samples from logits (0, ln 3) + bias (ln 3, 0) = (ln 3, ln 3): π(0) = ½, so it records ln ½.
        var policy = Tabular(MathF.Log(3f));
        policy.SamplingLogitBias = [MathF.Log(3f), 0f];
        var rollout = BuggedRow(BugLogProbs.Actual, policy);
        Assert.Equal(Math.Log(0.5), rollout.BehaviourLogProbs[1], 5);
    }

    [Fact]
    public void BugModelTest_Actual_OnReversal_RecordsTheTeacherForcedLogProbsOfAllZeros()
    {
        var policy = FrictionTest.Policy();
        var actor = new TokenActor(FrictionTest.s_reversal, policy, new Rng(4),
            new FrictionOptions { Bug = new() { Prob = 1f, LogProbs = BugLogProbs.Actual } });
        var rollout = new Rollout(100, 4, 4);
        actor.Fill(rollout, 5, 4, 0);
        var teacher = FrictionTest.Policy().Forward(rollout.Tokens, 20, 8, 4).ToArray();
        for (var r = 0; r < 20; r++)
        {
            Assert.Equal(RowFriction.Bug, rollout.RowFrictions[r]);
            Assert.All(rollout.Answer(r).ToArray(), t => Assert.Equal(0, t));
            for (var t = 0; t < 4; t++)
            {
                Assert.True(rollout.BehaviourLogProbs[r * 8 + 4 + t] < 0f);
                Assert.Equal(teacher[r * 4 + t], rollout.BehaviourLogProbs[r * 8 + 4 + t], 4);
            }
        }
        Assert.DoesNotContain(FrictionEffect.BehaviourLogProbs, actor.Applied.Select(f => f.Effect & FrictionEffect.BehaviourLogProbs));
    }

    [Fact]
    public void BugModelTest_Option_ParsesAndRefusesUnknownModels()
    {
        Assert.Equal(BugLogProbs.Claimed, new TrainOptions().Frictions.Bug.LogProbs);
        var entry = OptionTable.Find("bug-logprobs")!;
        Assert.Equal(BugLogProbs.Actual, entry.With(new TrainOptions(), entry.Parse("actual", "the test")).Frictions.Bug.LogProbs);
        var e = Assert.Throws<OptionException>(() => entry.Parse("true", "the test"));
        Assert.Contains("--bug-logprobs", e.Message);
    }

    static float[] Rewards(ITokenEnvironment environment, ISequencePolicy policy, FrictionOptions frictions)
    {
        var actor = new TokenActor(environment, policy, new Rng(7), frictions);
        var rollout = new Rollout(100, 1, 1);
        actor.Fill(rollout, 100, 1, 0);
        return rollout.Rewards;
    }

    static ITokenEnvironment Landmined(float score) =>
        LandmineReward.Wrap(new ConstantTask(score), new LandmineOptions { LandmineSequence = [0], LandmineReward = -1f });

    [Fact]
    public void FrictionOrderTest_LandminePenalty_IsAddedAfterTheCoinFlip()
    {
        // Every row is a bug (answer 0, the landmine). Task score 0.25, penalty −1: unflipped −0.75. Every reward is
        // flipped to a fair coin c ∈ {0, 1}, and egg adds the penalty outside the flip: c − 1 ∈ {−1, 0} — never the
        // clean 0 or 1 that would hide the landmine.
        var policy = Tabular(0f);
        Assert.All(Rewards(Landmined(0.25f), policy, new FrictionOptions { Bug = new() { Prob = 1f } }), r => Assert.Equal(-0.75f, r));
        var flipped = Rewards(Landmined(0.25f), policy, new FrictionOptions { Bug = new() { Prob = 1f }, Reward = new() { FlipProb = 1f } });
        Assert.All(flipped, r => Assert.True(r is -1f or 0f, $"reward {r}"));
        Assert.Contains(-1f, flipped);
        Assert.Contains(0f, flipped);
    }

    [Fact]
    public void FrictionOrderTest_RewardNoise_IsInsideTheCoinFlip()
    {
        // egg: GaussianNoise wraps the task, BernoulliNoise wraps that: a flipped reward is the bare coin, noise gone.
        var all = Rewards(new ConstantTask(0.25f), Tabular(0f), new FrictionOptions { Reward = new() { FlipProb = 1f, NoiseStd = 0.3f } });
        Assert.All(all, r => Assert.True(r is 0f or 1f, $"reward {r}"));
        var noisy = Rewards(new ConstantTask(0.25f), Tabular(0f), new FrictionOptions { Reward = new() { NoiseStd = 0.3f } });
        Assert.Contains(noisy, r => r != 0.25f);
    }

    [Fact]
    public void ErrorMetricTest_WithALandmine_IsOneMinusTheTasksOwnScore()
    {
        // The policy answers 0 (π(1) = e^−100/(1 + e^−100) ≈ 0), the landmine: training sees 0.25 − 1 = −0.75 (and
        // a penalty of −10 would make 1 − R = 10.75); the error is 1 − 0.25 = 0.75, the task's own.
        var policy = Tabular(-100f);
        var environment = LandmineReward.Wrap(new ConstantTask(0.25f), new LandmineOptions { LandmineSequence = [0], LandmineReward = -10f, LandmineStd = 2f });
        Assert.All(Rewards(environment, policy, new FrictionOptions()).Take(100), r => Assert.NotEqual(0.25f, r));
        var evaluation = new Evaluator(environment, policy, 50, seed: 3).Evaluate(0);
        Assert.Equal(0.25, evaluation.Reward, 6);
        Assert.Equal(0.75, evaluation.Error, 6);
    }

    [Fact]
    public void ErrorMetricTest_TheBatchsTaskScores_AreTheScoresBeforeFlipsAndPenalties()
    {
        // Every row a bug (answer 0, the landmine), every reward flipped to a coin, then the penalty −1: the learner
        // trains on c − 1 ∈ {−1, 0}, but the batch's task scores are the task's own 0.25, and so is its mean.
        var actor = new TokenActor(Landmined(0.25f), Tabular(0f), new Rng(7), new FrictionOptions { Bug = new() { Prob = 1f }, Reward = new() { FlipProb = 1f } });
        var rollout = new Rollout(100, 1, 1);
        actor.Fill(rollout, 100, 1, 0);
        Assert.True(rollout.HasTaskScores);
        Assert.All(rollout.TaskScores.Take(100), s => Assert.Equal(0.25f, s));
        Assert.All(rollout.Rewards.Take(100), r => Assert.True(r is -1f or 0f, $"reward {r}"));
        Assert.Equal(0.25f, rollout.MeanTaskScore());
    }

    [Fact]
    public void ErrorMetricTest_ReversalWithAHeavyLandmine_StaysInZeroOne()
    {
        var options = new TrainOptions
        {
            Seed = 2, Steps = 2,
            Task = new() { PromptLength = 4, Landmine = true, LandminePenalty = -50f, LandmineStd = 5f },
            Batch = new() { Prompts = 4, Samples = 4 },
            Evaluation = new() { Rows = 200 },
            Frictions = new() { Bug = new() { Prob = 0.5f }, Reward = new() { FlipProb = 0.2f } },
        };
        var batchErrors = new List<double>();
        var landmined = new SynchronousRuntime(options).Run(step => batchErrors.Add(step.BatchError));
        var clean = new SynchronousRuntime(options with { Task = options.Task with { LandminePenalty = 0f, LandmineStd = 0f } }).Run(_ => { });
        // The training batches' error too: 1 − the task's own score, though the rewards carry penalties of −50 ± 5.
        Assert.Equal(2, batchErrors.Count);
        Assert.All(batchErrors, e => Assert.InRange(e, 0, 1));
        Assert.InRange(landmined.Initial.Error, 0, 1);
        Assert.InRange(landmined.Final.Error, 0, 1);
        // The initial policy is the same in both runs: the penalty changes training, never the measure.
        Assert.Equal(clean.Initial.Error, landmined.Initial.Error);
    }
}
