namespace Delight.Experiments.Reproduce;

/// <summary>How much work a reproduction does: quick (a smoke run, well under a minute) or full (the committed results).</summary>
public enum ReproduceScale { Quick, Full }

/// <summary>
/// One of the papers' experiments, reproduced by `delight reproduce NAME` (issue 7). <see cref="Run"/> writes
/// &lt;name&gt;.md (our numbers beside the papers'), &lt;name&gt;.json (the raw numbers) and its SVG plots into the
/// output folder, and returns the report it wrote. To add one, implement this interface in its own file and list it
/// in <see cref="ExperimentCatalog"/>; a sweep-based experiment runs its sweep inside <see cref="Run"/> and reports
/// through <see cref="ExperimentReport"/> and <see cref="ExperimentFiles"/> like the bandit studies do.
/// </summary>
public interface IExperiment
{
    /// <summary>The CLI name (lower-case, dashes).</summary>
    string Name { get; }
    /// <summary>One line for the command's help and its unknown-name error.</summary>
    string Description { get; }
    /// <param name="seeds">independent repeats of every sampled quantity (exact computations ignore it, and say so)</param>
    /// <param name="log">progress lines for the user</param>
    ExperimentReport Run(ReproduceScale scale, int seeds, string outDirectory, TextWriter log);
}

/// <summary>Parsing and defaults of <see cref="ReproduceScale"/>.</summary>
public static class ReproduceScales
{
    public static string Name(ReproduceScale scale) => scale == ReproduceScale.Full ? "full" : "quick";

    /// <summary>quick or full; anything else is refused with the choices.</summary>
    public static ReproduceScale Parse(string text) => text switch
    {
        "quick" => ReproduceScale.Quick,
        "full" => ReproduceScale.Full,
        _ => throw new Runtime.OptionException("--scale", $"unknown --scale '{text}': use quick or full."),
    };

    /// <summary>Seeds when --seeds is not given: 3 for a smoke run, 10 for the committed results (the brief's minimum).</summary>
    public static int DefaultSeeds(ReproduceScale scale) => scale == ReproduceScale.Full ? 10 : 3;
}
