using Delight.Runtime;

namespace Delight.Experiments.Sweeps;

/// <summary>
/// The sweep flags of <c>delight sweep</c>, as given: <c>--methods pg,dg</c>, <c>--seeds N</c> or <c>--seed-list a,b</c>,
/// and repeatable <c>--grid name=v1,v2</c>. Base options (train flags over the sweep file's base) are resolved by the
/// caller; here they only supply the seed when no seeds are given.
/// </summary>
public sealed record SweepArguments
{
    public string? Methods { get; init; }
    public int? Seeds { get; init; }
    public string? SeedList { get; init; }
    public IReadOnlyList<string> Grid { get; init; } = [];

    /// <summary>
    /// The spec: the file's axes with the flags' axes replacing same-named ones (or appended), the flags' seeds over
    /// the file's. Two flags naming one axis, both seed flags, or no axis and no seeds anywhere are errors.
    /// </summary>
    public SweepSpec ToSpec(TrainOptions baseOptions, SweepSpec? file = null)
    {
        var flagAxes = new List<(string Flag, SweepAxis Axis)>();
        if (Methods is not null) flagAxes.Add(("--methods", SweepAxis.Parse("method", SweepAxis.SplitList(Methods), "--methods")));
        foreach (var text in Grid) flagAxes.Add(("--grid " + text, SweepAxis.ParseAssignment(text, "--grid")));
        foreach (var group in flagAxes.GroupBy(a => a.Axis.Name).Where(g => g.Count() > 1))
            throw new OptionException("--grid", $"axis '{group.Key}' is given twice ({string.Join(" and ", group.Select(a => a.Flag))}); give it once with all its values.");

        var axes = (file?.Axes ?? []).ToList();
        foreach (var (_, axis) in flagAxes)
        {
            var at = axes.FindIndex(a => a.Name == axis.Name);
            if (at >= 0) axes[at] = axis; else axes.Add(axis);
        }

        if (Seeds is not null && SeedList is not null)
            throw new OptionException("--seed-list", "give either --seeds N (seeds 0..N-1) or --seed-list a,b, not both.");
        var seeds = Seeds is { } n ? SweepSpec.SeedRange(n, "--seeds")
            : SeedList is { } list ? SweepSeeds.ParseList(SweepAxis.SplitList(list), "--seed-list")
            : file is { SeedsFromBase: false } ? file.Seeds : null;
        if (file is null && axes.Count == 0 && Seeds is null && SeedList is null)
            throw new OptionException("--grid", "nothing to sweep: give --methods pg,dg, --seeds N, --grid name=v1,v2 or --file SWEEP.yaml.");
        return new SweepSpec(baseOptions, axes, seeds);
    }
}
