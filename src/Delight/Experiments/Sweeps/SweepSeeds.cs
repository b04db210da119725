using Delight.Runtime;

namespace Delight.Experiments.Sweeps;

/// <summary>Explicit seed lists (<c>--seed-list 3,7</c>, <c>seeds: [3, 7]</c>), parsed as the seed option's type.</summary>
public static class SweepSeeds
{
    public static IReadOnlyList<ulong> ParseList(IReadOnlyList<string?> texts, string where)
    {
        if (texts.Count == 0) throw new OptionException("--seed-list", $"the seed list in {where} is empty; give at least one seed.");
        var entry = OptionTable.Get("seed", where);
        return [.. texts.Select(t => (ulong)entry.Parse(t ?? "", where)!)];
    }
}
