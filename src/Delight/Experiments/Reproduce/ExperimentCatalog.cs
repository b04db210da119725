namespace Delight.Experiments.Reproduce;

/// <summary>
/// Every experiment `delight reproduce` can run, by name. Adding one is one line in <see cref="All"/>; the command
/// lists exactly what is here, so nothing is offered before it exists.
/// </summary>
public static class ExperimentCatalog
{
    public static IReadOnlyList<IExperiment> All { get; } =
    [
        new GateExperiment(),
        new BanditDirectionsExperiment(),
        new BanditContaminationExperiment(),
        new GamblingExperiment(),
        new MnistExperiment(),
        new MnistStalenessExperiment(),
        new ReversalFrictionsExperiment(),
        new KondoExperiment(),
        new KondoRowsExperiment(),
        new ScreeningExperiment(),
    ];

    public static IEnumerable<string> Names => All.Select(e => e.Name);

    /// <summary>The experiment called <paramref name="name"/>; an unknown name is refused with the list of names.</summary>
    public static IExperiment Find(string name) => All.FirstOrDefault(e => e.Name == name)
        ?? throw new Runtime.OptionException("NAME", $"unknown experiment '{name}': use one of {string.Join(", ", Names)}.");
}
