using System.Globalization;
using System.Text;
using Delight.Runtime;

namespace Delight.Experiments.Sweeps;

/// <summary>
/// One run of a sweep: its fully resolved options, its folder <c>OUT/&lt;axis=value,…&gt;/seed=&lt;s&gt;</c>, and the axis
/// values that make its configuration (the seeds of one configuration share <see cref="ConfigurationFolder"/>).
/// </summary>
public sealed record SweepRun(TrainOptions Options, string Folder, IReadOnlyList<SweepSetting> Settings)
{
    public ulong Seed => Options.Seed;

    /// <summary>The folder above the seed folders: one per configuration.</summary>
    public string ConfigurationFolder => Path.GetDirectoryName(Folder)!;

    /// <summary>"dg staleness=4 seed=3": the method bare (it is what people scan for), other axes as name=value.</summary>
    public string Label => string.Join(' ', Settings.Select(s => s.Name == "method" ? s.Value : s.ToString())
        .Append("seed=" + Seed.ToString(CultureInfo.InvariantCulture)));

    public bool IsFinished => File.Exists(Path.Combine(Folder, RunFolder.SummaryFile));

    /// <summary>The relative folder name of a configuration: "method=dg,staleness=4" (empty with no axes).</summary>
    public static string ConfigurationName(IEnumerable<SweepSetting> settings) =>
        string.Join(',', settings.Select(s => SafeName(s.Name) + "=" + SafeName(s.Value)));

    /// <summary>
    /// Letters, digits and <c>. _ + -</c> are kept; anything else (path separators, spaces, '=' and ',' which separate
    /// the name's parts) becomes '_', so a value can never climb out of the sweep folder or split a name ambiguously.
    /// </summary>
    public static string SafeName(string text)
    {
        if (text.Length == 0) return "_";
        var safe = new StringBuilder(text.Length);
        foreach (var c in text) safe.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '+' or '-' ? c : '_');
        var name = safe.ToString();
        return name is "." or ".." ? name.Replace('.', '_') : name;
    }
}
