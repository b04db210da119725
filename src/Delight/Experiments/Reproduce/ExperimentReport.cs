using System.Text;

namespace Delight.Experiments.Reproduce;

/// <summary>
/// What one reproduction found, as written to &lt;name&gt;.md: the setup, how many seeds, our tables (each with the
/// papers' numbers in a column), the plots, the papers' claims (papers.md §5) and an honest note on where we differ.
/// </summary>
public sealed record ExperimentReport
{
    public required string Name { get; init; }
    public required string Title { get; init; }
    /// <summary>What was computed and with which settings (markdown).</summary>
    public required string Setup { get; init; }
    /// <summary>The seeds used, or why there are none (an exact computation).</summary>
    public required string Seeds { get; init; }
    public required IReadOnlyList<ResultTable> Tables { get; init; }
    /// <summary>SVG file names, relative to the output folder.</summary>
    public required IReadOnlyList<string> Plots { get; init; }
    /// <summary>The papers' claim and numbers, quoted from papers.md §5 with its provenance tags.</summary>
    public required string Papers { get; init; }
    /// <summary>Where our numbers agree with the papers' and where they differ, and why we think so.</summary>
    public required string Comparison { get; init; }

    /// <param name="imagePrefix">prepended to each plot's file name (e.g. "results/gate/" from the repository root)</param>
    public string ToMarkdown(string imagePrefix = "")
    {
        var text = new StringBuilder();
        text.Append("# ").Append(Title).Append("\n\n");
        text.Append(Setup).Append("\n\n");
        text.Append("**Seeds:** ").Append(Seeds).Append("\n\n");
        foreach (var table in Tables) text.Append(table.ToMarkdown()).Append('\n');
        foreach (var plot in Plots) text.Append("![").Append(Path.GetFileNameWithoutExtension(plot)).Append("](").Append(imagePrefix).Append(plot).Append(")\n\n");
        text.Append("**The papers:** ").Append(Papers).Append("\n\n");
        text.Append("**Our numbers against theirs:** ").Append(Comparison).Append('\n');
        return text.ToString();
    }
}
