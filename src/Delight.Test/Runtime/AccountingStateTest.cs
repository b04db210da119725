using Delight.Losses;
using Delight.Checkpoints;
using Delight.Frictions;
using Delight.Runtime;

namespace Delight.Test.RuntimeTests;

/// <summary>The run's totals are saved under named keys; states written before the names still resume.</summary>
public class AccountingStateTest
{
    static readonly WorkTotals s_work = new(1, 2, 3, 4, 5, 6) { ForwardFlops = 7, BackwardFlops = 8 };
    static readonly FrictionTotals s_frictions = new()
    {
        Rows = 10, BugRows = 11, DiscoveryRows = 12, RandomRows = 13, RewardFlipRows = 14, Steps = 15, LagSum = 16, MaxLag = 17, MinLag = 18,
    };

    [Fact]
    public void AccountingStateTest_NamedKeys_RoundTrip()
    {
        var state = new TrainingState();
        AccountingState.Put(state, s_work, s_frictions);
        Assert.Equal(7, state.GetLong("work.forward_flops"));
        Assert.Equal(16, state.GetLong("frictions.lag_sum"));
        Assert.False(state.Has("work"));
        Assert.Equal((s_work, s_frictions), AccountingState.Get(state, "test"));
    }

    [Fact]
    public void AccountingStateTest_CommaJoinedStateOfEarlierVersions_IsStillRead()
    {
        var state = new TrainingState();
        state.Put("work", "1,2,3,4,5,6,7,8");
        state.Put("frictions", "10,11,12,13,14,15,16,17,18");
        Assert.Equal((s_work, s_frictions), AccountingState.Get(state, "old.safetensors"));
    }

    [Fact]
    public void AccountingStateTest_MalformedOldState_FailsNamingTheGroup()
    {
        var state = new TrainingState();
        state.Put("work", "1,2,3");
        state.Put("frictions", "10,11,12,13,14,15,16,17,18");
        var error = Assert.Throws<CheckpointException>(() => AccountingState.Get(state, "old.safetensors"));
        Assert.Contains("'work'", error.Message);
        Assert.Contains("start a new run", error.Message);
    }

    [Fact]
    public void AccountingStateTest_Identity_ComparesByNameAndAcceptsLaterOptionsAtTheirDefault()
    {
        var options = new TrainOptions { Loss = new() { Method = Method.Ppo }, Frictions = new() { Bug = new() { Prob = 0.1f } } };
        var identity = TrainingSession.Identity(options);
        var parts = identity.Split(';');
        Assert.Empty(TrainingSession.IdentityDifferences(string.Join(';', parts.Reverse()), options));
        // A state written before an option existed lacks it: fine at the option's default, a difference otherwise.
        var withoutEta = string.Join(';', parts.Where(p => !p.StartsWith("eta=", StringComparison.Ordinal)));
        Assert.Empty(TrainingSession.IdentityDifferences(withoutEta, options));
        Assert.Equal(["eta"], TrainingSession.IdentityDifferences(withoutEta, options with { Loss = options.Loss with { Eta = 0.5f } }));
        Assert.Equal(["bug-prob"], TrainingSession.IdentityDifferences(identity, options with { Frictions = new() { Bug = new() { Prob = 0.2f } } }));
    }
}
