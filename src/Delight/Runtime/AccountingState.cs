using Delight.Frictions;

namespace Delight.Runtime;

/// <summary>
/// A run's totals in the training state, each under its own name ("work.forward_rows", "frictions.lag_sum"), so a
/// total added later cannot shift the others. States written before the names (one comma-joined list per group, read
/// by position) are still read.
/// </summary>
static class AccountingState
{
    static readonly string[] WorkKeys =
        ["forward_rows", "backward_rows", "forward_tokens", "backward_tokens", "sample_rows", "sample_tokens", "forward_flops", "backward_flops"];
    static readonly string[] FrictionKeys =
        ["rows", "bug_rows", "discovery_rows", "random_rows", "reward_flip_rows", "steps", "lag_sum", "max_lag", "min_lag"];

    public static void Put(TrainingState state, in WorkTotals w, in FrictionTotals f)
    {
        Put(state, "work", WorkKeys, [w.ForwardRows, w.BackwardRows, w.ForwardTokens, w.BackwardTokens, w.SampleRows, w.SampleTokens, w.ForwardFlops, w.BackwardFlops]);
        Put(state, "frictions", FrictionKeys, [f.Rows, f.BugRows, f.DiscoveryRows, f.RandomRows, f.RewardFlipRows, f.Steps, f.LagSum, f.MaxLag, f.MinLag]);
    }

    public static (WorkTotals Work, FrictionTotals Frictions) Get(TrainingState state, string source)
    {
        var w = Get(state, "work", WorkKeys, source);
        var f = Get(state, "frictions", FrictionKeys, source);
        return (new WorkTotals(w[0], w[1], w[2], w[3], w[4], w[5]) { ForwardFlops = w[6], BackwardFlops = w[7] },
            new FrictionTotals { Rows = f[0], BugRows = f[1], DiscoveryRows = f[2], RandomRows = f[3], RewardFlipRows = f[4], Steps = f[5], LagSum = f[6], MaxLag = f[7], MinLag = f[8] });
    }

    static void Put(TrainingState state, string group, string[] keys, long[] values)
    {
        for (var i = 0; i < keys.Length; i++) state.Put($"{group}.{keys[i]}", values[i]);
    }

    static long[] Get(TrainingState state, string group, string[] keys, string source)
    {
        if (state.Has($"{group}.{keys[0]}")) return [.. keys.Select(k => state.GetLong($"{group}.{k}"))];
        // Before named keys: "work" and "frictions" held the same totals, comma-joined in this order.
        _ = source; // the state names its own file in its errors
        return state.GetLongs(group, keys.Length, 0, long.MaxValue);
    }
}
