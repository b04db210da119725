using Delight.Losses;
using Delight.Actors;
using Delight.Environments;
using Delight.Frictions;
using Delight.Numerics;
using Delight.Policies;
using Delight.Runtime;
using Delight.Versions;

namespace Delight.Test.Frictions;

public class FrictionTest
{
    internal static readonly ReversalEnvironment s_reversal = new(new ReversalOptions { PromptLength = 4 });

    internal static TransformerPolicy Policy(int maxRows = 100)
    {
        var policy = new TransformerPolicy(new TransformerOptions { SequenceLength = 8, Width = 8, HeadCount = 2, LayerCount = 1, FeedForwardWidth = 8, MaxRows = maxRows });
        policy.Initialize(new Rng(1));
        return policy;
    }

    /// <summary>Fills <paramref name="rounds"/> rollouts of 100 rows and counts each friction.</summary>
    static Dictionary<RowFriction, int> Count(FrictionOptions frictions, int rounds, Action<Rollout, int>? check = null)
    {
        var actor = new TokenActor(s_reversal, Policy(), new Rng(2), frictions);
        var rollout = new Rollout(100, 4, 4);
        var counts = new Dictionary<RowFriction, int>();
        for (var i = 0; i < rounds; i++)
        {
            actor.Fill(rollout, 20, 5, 0);
            for (var r = 0; r < 100; r++)
            {
                foreach (var flag in new[] { RowFriction.Bug, RowFriction.Discovery, RowFriction.Random, RowFriction.RewardFlip })
                    if (rollout.RowFrictions[r].HasFlag(flag)) counts[flag] = counts.GetValueOrDefault(flag) + 1;
                check?.Invoke(rollout, r);
            }
        }
        return counts;
    }

    internal static void AssertRate(int count, int n, double p, string what)
    {
        // Within 4 binomial standard deviations.
        var sd = Math.Sqrt(n * p * (1 - p));
        Assert.True(Math.Abs(count - n * p) <= 4 * sd + 1, $"{what}: {count} of {n}, expected {n * p:F0} ± {4 * sd:F0}");
    }

    [Fact]
    public void FrictionTest_Rates_FollowTheReferencePrecedence()
    {
        const double pd = 0.1, pr = 0.2, pb = 0.3;
        var counts = Count(new FrictionOptions { Discovery = new() { Prob = (float)pd }, RandomAnswers = new() { Prob = (float)pr }, Bug = new() { Prob = (float)pb } }, 50);
        const int n = 5000;
        AssertRate(counts.GetValueOrDefault(RowFriction.Discovery), n, pd, "discovery");
        AssertRate(counts.GetValueOrDefault(RowFriction.Random), n, (1 - pd) * pr, "random");
        AssertRate(counts.GetValueOrDefault(RowFriction.Bug), n, (1 - pd) * (1 - pr) * pb, "bug");
    }

    [Fact]
    public void FrictionTest_InjectedRows_HaveTheirAnswersAndClaimCertainty()
    {
        var target = new int[4];
        Count(new FrictionOptions { Discovery = new() { Prob = 0.3f }, Bug = new() { Prob = 0.3f }, RandomAnswers = new() { Prob = 0.2f } }, 5, (rollout, r) =>
        {
            var f = rollout.RowFrictions[r];
            var logProbs = rollout.BehaviourLogProbs.AsSpan(r * 8 + 4, 4).ToArray();
            if (f == RowFriction.None)
            {
                Assert.All(logProbs, lp => Assert.True(lp < 0f));
                return;
            }
            Assert.All(logProbs, lp => Assert.Equal(0f, lp));
            if (f.HasFlag(RowFriction.Bug)) Assert.All(rollout.Answer(r).ToArray(), t => Assert.Equal(0, t));
            if (f.HasFlag(RowFriction.Discovery))
            {
                s_reversal.WriteTarget(rollout.Prompt(r), target);
                Assert.Equal(target, rollout.Answer(r).ToArray());
                Assert.Equal(1f, rollout.Rewards[r]);
            }
        });
    }

    [Fact]
    public void FrictionTest_RewardFlip_IsAFairCoin()
    {
        var ones = 0;
        var flipped = 0;
        Count(new FrictionOptions { Reward = new() { FlipProb = 0.5f } }, 40, (rollout, r) =>
        {
            if (!rollout.RowFrictions[r].HasFlag(RowFriction.RewardFlip)) return;
            flipped++;
            Assert.True(rollout.Rewards[r] is 0f or 1f);
            if (rollout.Rewards[r] == 1f) ones++;
        });
        AssertRate(flipped, 4000, 0.5, "flip");
        AssertRate(ones, flipped, 0.5, "coin");
    }

    [Fact]
    public void FrictionTest_Staleness_SamplesWithTheParametersOfVersionVMinusLag()
    {
        // Publish versions 0…3 with different parameters; an actor loaded with version 1 records exactly the
        // log-probs that version 1 assigns (teacher-forced), not the newest version's.
        var learner = Policy();
        var ring = new SnapshotRing(4, learner.Parameters.BufferLength);
        var rng = new Rng(3);
        for (var v = 0; v < 4; v++)
        {
            foreach (ref var w in learner.Parameters.Values) w += 0.3f * (float)rng.NextNormal();
            ring.Publish(v, learner.Parameters);
        }
        var actorPolicy = Policy();
        ring.Load(1, actorPolicy.Parameters);
        var actor = new TokenActor(s_reversal, actorPolicy, new Rng(4));
        var rollout = new Rollout(100, 4, 4);
        actor.Fill(rollout, 10, 2, policyVersion: 1, stale: true);

        var versionOne = Policy();
        ring.Load(1, versionOne.Parameters);
        var teacher = versionOne.Forward(rollout.Tokens, 20, 8, 4).ToArray();
        var newest = learner.Forward(rollout.Tokens, 20, 8, 4).ToArray();
        for (var r = 0; r < 20; r++)
            for (var t = 0; t < 4; t++)
                Assert.Equal(teacher[r * 4 + t], rollout.BehaviourLogProbs[r * 8 + 4 + t], 4);
        Assert.NotEqual(teacher, newest);
        Assert.Throws<ArgumentOutOfRangeException>(() => ring.Load(7, actorPolicy.Parameters));
    }

    [Theory]
    [InlineData("uniform")]
    [InlineData("fixed")]
    public void FrictionTest_SimulatedLag_IsReproducibleAndBounded(string mode)
    {
        var options = new TrainOptions
        {
            Seed = 9,
            Steps = 12,
            Loss = new() { Method = Method.Dg },
            Task = new() { PromptLength = 4 },
            Batch = new() { Prompts = 4, Samples = 4 },
            Evaluation = new() { Rows = 20 },
            Frictions = new() { Staleness = new() { Versions = 3, Mode = KebabCase.Parse<StalenessMode>(mode) }, Bug = new() { Prob = 0.1f }, Reward = new() { FlipProb = 0.1f }, Discovery = new() { Prob = 0.05f }, LogitNoise = new() { Std = 0.5f } },
        };
        List<string> Run()
        {
            var lines = new List<string>();
            var trainer = new SynchronousRuntime(options);
            var summary = trainer.Run(r => lines.Add($"{r.Step} {r.Learner.Loss:R} {r.Learner.GradientNorm:R} {r.Actor}"));
            lines.Add($"{summary.Final.Error:R} {summary.Frictions.MeanLag:R} {summary.Frictions.MaxLag}");
            Assert.InRange(summary.Frictions.MaxLag, 0, 3);
            if (mode == "fixed") Assert.Equal(3, summary.Frictions.MaxLag);
            return lines;
        }
        Assert.Equal(Run(), Run());
    }

    [Theory]
    [InlineData(-1, 0f)]
    [InlineData(0, 1.5f)]
    [InlineData(0, -0.1f)]
    public void FrictionTest_Options_RejectBadValues(int staleness, float bugProb)
        => Assert.ThrowsAny<ArgumentException>(() => new FrictionOptions { Staleness = new() { Versions = staleness }, Bug = new() { Prob = bugProb } }.Validate());
}
