using Delight.Runtime;

namespace Delight.Experiments.Sweeps;

/// <summary>
/// One dimension of a sweep grid: a run option (its <see cref="OptionTable"/> name) and the values it takes, already
/// parsed to the option's type, so a typo in a name or a value fails before any run starts.
/// </summary>
public sealed record SweepAxis(string Name, IReadOnlyList<object?> Values)
{
    public OptionEntry Entry => OptionTable.Get(Name, "a sweep axis");

    /// <summary>The values as a config file or flag spells them (also what folder names are made of).</summary>
    public IEnumerable<string> Texts => Values.Select(OptionEntry.Format);

    /// <summary>
    /// Parses an axis: the name must be a run option (an unknown one names the closest), every value must parse as the
    /// option's type, and the list must be non-empty without repeats (two equal values would be one folder).
    /// </summary>
    public static SweepAxis Parse(string name, IReadOnlyList<string?> texts, string where)
    {
        var entry = OptionTable.Get(name, where);
        if (entry.Name == "seed")
            throw new OptionException("--grid", $"'seed' in {where} is not a grid axis; give the seeds with --seeds N / --seed-list a,b (or 'seeds:' in a sweep file).");
        if (texts.Count == 0)
            throw new OptionException("--grid", $"grid axis '{entry.Name}' in {where} has no values; give at least one (e.g. {entry.Name}: [a, b]).");
        var values = new List<object?>();
        foreach (var text in texts)
        {
            var value = text is null
                ? entry.IsNullable ? null : throw new OptionException("--" + entry.Name, $"'{entry.Name}' in {where} must be {entry.TypeName}, got null.")
                : entry.Parse(text, where);
            if (values.Contains(value))
                throw new OptionException("--grid", $"grid axis '{entry.Name}' in {where} lists {OptionEntry.Format(value)} twice.");
            values.Add(value);
        }
        return new SweepAxis(entry.Name, values);
    }

    /// <summary>Parses the CLI spelling <c>name=v1,v2,…</c> of <c>--grid</c>.</summary>
    public static SweepAxis ParseAssignment(string text, string where)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
            throw new OptionException("--grid", $"--grid expects name=value1,value2 (e.g. --grid staleness=0,4), got '{text}'.");
        return Parse(text[..equals].Trim(), SplitList(text[(equals + 1)..]), where);
    }

    /// <summary>Comma-separated values; an empty text is an empty list (so the caller's "no values" error applies).</summary>
    public static IReadOnlyList<string?> SplitList(string text) =>
        text.Trim().Length == 0 ? [] : [.. text.Split(',').Select(t => (string?)t.Trim())];
}
