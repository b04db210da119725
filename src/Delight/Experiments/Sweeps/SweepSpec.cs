using System.Globalization;
using Delight.Runtime;

namespace Delight.Experiments.Sweeps;

/// <summary>
/// A sweep: base options, grid axes (each a run option with its values) and seeds. The runs are the Cartesian product
/// of the axes (first axis outermost) times the seeds (innermost); an axis value overrides the base value.
/// </summary>
public sealed class SweepSpec
{
    /// <param name="seeds">null: the base options' seed, one run per configuration.</param>
    public SweepSpec(TrainOptions baseOptions, IReadOnlyList<SweepAxis> axes, IReadOnlyList<ulong>? seeds)
    {
        SeedsFromBase = seeds is null;
        seeds ??= [baseOptions.Seed];
        var repeated = axes.GroupBy(a => a.Name).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
            throw new OptionException("--grid", $"grid axis '{repeated.Key}' is given twice; give each option once with all its values (e.g. --grid {repeated.Key}=a,b).");
        if (axes.FirstOrDefault(a => a.Values.Count == 0) is { } empty)
            throw new OptionException("--grid", $"grid axis '{empty.Name}' has no values.");
        if (seeds.Count == 0) throw new OptionException("--seeds", "a sweep needs at least one seed (--seeds N runs seeds 0..N-1).");
        if (seeds.Distinct().Count() != seeds.Count) throw new OptionException("--seed-list", $"seed list {string.Join(',', seeds)} repeats a seed.");
        Base = baseOptions;
        Axes = axes;
        Seeds = seeds;
    }

    public TrainOptions Base { get; }
    public IReadOnlyList<SweepAxis> Axes { get; }
    public IReadOnlyList<ulong> Seeds { get; }
    /// <summary>No seeds were given, so <see cref="Seeds"/> is the base seed (and follows a --seed flag over a file).</summary>
    public bool SeedsFromBase { get; }

    /// <summary>Seeds 0..count−1, the meaning of <c>--seeds N</c> and <c>seeds: N</c>.</summary>
    public static IReadOnlyList<ulong> SeedRange(long count, string where) => count > 0
        ? [.. Enumerable.Range(0, checked((int)count)).Select(s => (ulong)s)]
        : throw new OptionException("--seeds", $"seeds in {where} must be a positive count, got {count.ToString(CultureInfo.InvariantCulture)}.");

    public int ConfigurationCount => Axes.Aggregate(1, (n, a) => n * a.Values.Count);

    /// <summary>
    /// Every run with its folder under <paramref name="outDir"/>, its resolved options validated (as <c>delight train</c>
    /// would) so that a bad combination fails, naming the run, before any run starts.
    /// </summary>
    public IReadOnlyList<SweepRun> Expand(string outDir)
    {
        var runs = new List<SweepRun>();
        foreach (var point in Points())
        {
            var options = Base;
            var settings = new List<SweepSetting>();
            for (var i = 0; i < Axes.Count; i++)
            {
                options = Axes[i].Entry.With(options, Axes[i].Values[point[i]]);
                settings.Add(new SweepSetting(Axes[i].Name, OptionEntry.Format(Axes[i].Values[point[i]])));
            }
            var configuration = Path.Combine(outDir, SweepRun.ConfigurationName(settings));
            foreach (var seed in Seeds)
            {
                var run = new SweepRun(options with { Seed = seed }, Path.Combine(configuration, "seed=" + seed.ToString(CultureInfo.InvariantCulture)), settings);
                try { run.Options.Validate(); }
                catch (OptionException e) { throw new OptionException(e.Option, $"sweep run '{run.Label}': {e.Message}"); }
                runs.Add(run);
            }
        }
        var clash = runs.GroupBy(r => r.Folder, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new OptionException("--grid", $"runs '{clash.First().Label}' and '{clash.Skip(1).First().Label}' map to one folder '{clash.Key}' (values differing only in case or in characters unsafe for folder names); change one value.");
        return runs;
    }

    /// <summary>Index tuples over the axes in odometer order: the last axis varies fastest.</summary>
    IEnumerable<int[]> Points()
    {
        var index = new int[Axes.Count];
        while (true)
        {
            yield return (int[])index.Clone();
            var i = Axes.Count - 1;
            while (i >= 0 && ++index[i] == Axes[i].Values.Count) index[i--] = 0;
            if (i < 0) yield break;
        }
    }
}
