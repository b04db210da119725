namespace Delight.Reports;

/// <summary>A mean over seeds and its standard error s/√n (s the sample standard deviation; 0 for one seed).</summary>
public readonly record struct MeanError(double Mean, double StandardError, int Count)
{
    public static MeanError Of(IReadOnlyList<double> values)
    {
        var n = values.Count;
        if (n == 0) return new(double.NaN, double.NaN, 0);
        var mean = 0.0;
        foreach (var v in values) mean += v;
        mean /= n;
        if (n == 1) return new(mean, 0, 1);
        var squares = 0.0;
        foreach (var v in values) squares += (v - mean) * (v - mean);
        return new(mean, Math.Sqrt(squares / (n - 1)) / Math.Sqrt(n), n);
    }
}

/// <summary>One point of a configuration's band: at a step logged by every seed, x averaged over seeds, error mean ± SE.</summary>
public readonly record struct BandPoint(int Step, double X, MeanError Error);

/// <summary>
/// Runs whose summary.json configs are identical except for the seed: the seeds of one setting. The label is the
/// method plus the config keys that tell this configuration apart from the others in the same report.
/// </summary>
public sealed record Configuration(string Label, IReadOnlyList<ConfigEntry> Config, IReadOnlyList<RunRecord> Runs)
{
    public string Method => Runs[0].Method;

    /// <summary>Behind the Kondo gate: method kondo, or any method given a Kondo rate or price.</summary>
    public bool IsKondo => Method == "kondo" || Config.Any(e => e.Key is "kondo_rate" or "kondo_price");

    public MeanError FinalError => MeanError.Of([.. Runs.Select(r => r.FinalError)]);

    public MeanError TotalWork(string key) => MeanError.Of([.. Runs.Select(r => r.TotalWork(key))]);

    /// <summary>The steps every seed logged, ascending: seeds that logged different steps are compared only where all have a value.</summary>
    public IReadOnlyList<int> CommonSteps()
    {
        IEnumerable<int> common = Runs[0].Steps.Select(s => s.Step);
        foreach (var run in Runs.Skip(1)) common = common.Intersect(run.Steps.Select(s => s.Step));
        return [.. common.Order()];
    }

    /// <summary>
    /// Error mean ± SE per common step, against <paramref name="x"/> (the step, or a cumulative work or time) averaged
    /// over seeds. Steps where any seed lacks x (NaN: the metric was not logged) are left out.
    /// </summary>
    public IReadOnlyList<BandPoint> Band(Func<RunStep, double> x)
    {
        var lookups = Runs.Select(r => r.Steps.ToDictionary(s => s.Step)).ToArray();
        var band = new List<BandPoint>();
        foreach (var step in CommonSteps())
        {
            var atStep = lookups.Select(l => l[step]).ToArray();
            var xs = atStep.Select(x).ToArray();
            if (xs.Any(double.IsNaN)) continue;
            band.Add(new BandPoint(step, xs.Average(), MeanError.Of([.. atStep.Select(s => s.Error)])));
        }
        return band;
    }
}

/// <summary>Groups runs into configurations and names each one.</summary>
public static class Configurations
{
    /// <summary>Config keys that never separate configurations: the seed is what a configuration averages over.</summary>
    static readonly HashSet<string> s_ignoredKeys = ["seed"];

    /// <summary>Short names for the keys people sweep, as the papers write them.</summary>
    static readonly Dictionary<string, string> s_symbols = new()
    {
        ["eta"] = "η", ["lambda"] = "λ", ["kondo_rate"] = "ρ", ["kondo_price"] = "price", ["staleness"] = "D",
    };

    /// <summary>Configurations sorted by label; runs inside each sorted by seed.</summary>
    public static IReadOnlyList<Configuration> Group(IReadOnlyList<RunRecord> runs)
    {
        var groups = runs
            .GroupBy(r => Key(r), StringComparer.Ordinal)
            .Select(g => g.OrderBy(r => r.Seed).ThenBy(r => r.Folder, StringComparer.Ordinal).ToArray())
            .ToArray();
        var configs = groups.Select(g => g[0].Config.Where(e => !s_ignoredKeys.Contains(e.Key)).ToArray()).ToArray();
        var differing = DifferingKeys(configs);
        return [.. groups
            .Select((g, i) => new Configuration(Label(g[0].Method, configs[i], differing), configs[i], g))
            .OrderBy(c => c.Label, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The dense (ungated) configuration the Kondo runs are measured against: the one whose config is closest to the
    /// first Kondo configuration once the gate's own keys are set aside (method kondo is pg behind the gate, so it
    /// counts as pg); ties go to more seeds, then to the label. Null when there is no Kondo or no dense configuration.
    /// </summary>
    public static Configuration? DenseReference(IReadOnlyList<Configuration> configurations)
    {
        var kondo = configurations.FirstOrDefault(c => c.IsKondo);
        if (kondo is null) return null;
        var gated = Ungated(kondo.Config);
        return configurations.Where(c => !c.IsKondo)
            .OrderBy(c => Ungated(c.Config).Except(gated).Count() + gated.Except(Ungated(c.Config)).Count())
            .ThenByDescending(c => c.Runs.Count)
            .ThenBy(c => c.Label, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    static HashSet<string> Ungated(IReadOnlyList<ConfigEntry> config) =>
        [.. config.Where(e => !e.Key.StartsWith("kondo_", StringComparison.Ordinal) && e.Key != "screen")
            .Select(e => e.Key == "method" && e.Value == "kondo" ? "method=pg" : e.Key + "=" + e.Value)];

    // The config, seed removed, as one string: key order is the trainer's and fixed, so equal configs give equal keys.
    static string Key(RunRecord run) =>
        string.Join('\n', run.Config.Where(e => !s_ignoredKeys.Contains(e.Key)).Select(e => e.Key + "=" + e.Value));

    /// <summary>Keys whose value (or presence) is not the same in every configuration, in first-seen order.</summary>
    static List<string> DifferingKeys(ConfigEntry[][] configs)
    {
        var keys = new List<string>();
        foreach (var config in configs)
            foreach (var entry in config)
                if (entry.Key != "method" && !keys.Contains(entry.Key)) keys.Add(entry.Key);
        return keys.FindAll(key =>
            configs.Select(c => Array.Find(c, e => e.Key == key).Value).Distinct().Count() > 1);
    }

    static string Label(string method, ConfigEntry[] config, List<string> differing)
    {
        var parts = new List<string> { method };
        foreach (var key in differing)
        {
            var entry = Array.Find(config, e => e.Key == key);
            if (entry.Key is null) continue; // absent here: e.g. no kondo_rate on a dense run
            parts.Add($"{s_symbols.GetValueOrDefault(key, key)}={entry.Value}");
        }
        return string.Join(' ', parts);
    }
}
