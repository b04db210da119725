namespace Delight.Runtime;

/// <summary>How the learner and its actors run (<c>--runtime</c>).</summary>
public enum RuntimeKind
{
    /// <summary>One thread, actor then learner: deterministic; --staleness simulates lag (<see cref="SynchronousRuntime"/>).</summary>
    Sync,
    /// <summary>Actor threads beside the learner, with real lag bounded by --max-lag (<see cref="AsyncRuntime"/>).</summary>
    Async,
}

/// <summary>
/// The runtime part of a run. --actors is refused by the sync runtime rather than ignored; --max-lag is also read by
/// the distributed learner (whose lag is real), so it is not.
/// </summary>
public sealed record RuntimeOptions
{
    [Option("runtime", "sync (default; deterministic, --staleness simulates lag) or async (actor threads beside the learner).")]
    public RuntimeKind Kind { get; init; } = RuntimeKind.Sync;
    [Option("actors", "async: actor threads.", Min = 1, Max = 64)]
    public int Actors { get; init; } = 1;
    [Option("max-lag", "async: admission control; an actor waits rather than sample a batch the learner would apply more than K versions late.", Min = 0, Max = 1_000)]
    public int MaxLag { get; init; } = 4;

    static readonly RuntimeOptions Defaults = new();

    /// <param name="staleness">--staleness, which only the sync runtime simulates</param>
    public void Validate(int staleness)
    {
        if (!Enum.IsDefined(Kind)) throw new OptionException("--runtime", $"--runtime {(int)Kind} is unknown; choose sync or async.");
        if (Actors < 1) throw new OptionException("--actors", $"--actors must be a positive integer, got {Actors}.");
        if (MaxLag < 0) throw new OptionException("--max-lag", $"--max-lag must be >= 0, got {MaxLag}.");
        if (Kind == RuntimeKind.Async && staleness > 0)
            throw new OptionException("--staleness", "--staleness simulates lag in the sync runtime; the async runtime has real lag (bounded by --max-lag). Drop one of them.");
        if (Kind == RuntimeKind.Sync && Actors != Defaults.Actors)
            throw new OptionException("--actors", $"--actors {Actors} sets the async runtime's actor threads; the sync runtime has one actor. Add --runtime async, or drop --actors.");
    }
}
