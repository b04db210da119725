using Delight.Numerics;
using Delight.Versions;

namespace Delight.Frictions;

/// <summary>How the staleness lag is drawn each step.</summary>
public enum StalenessMode
{
    /// <summary>lag uniform in [0, D] (the reference's uniform_delay).</summary>
    Uniform,
    /// <summary>lag = D whenever that many versions exist.</summary>
    Fixed,
}

/// <summary>--staleness and --staleness-mode: simulated lag in the synchronous runtime.</summary>
public sealed record StalenessOptions
{
    /// <summary>D: the actor samples with parameters up to D versions old.</summary>
    [Runtime.Option("staleness", "Actor samples with parameters up to D versions old.", Min = 0, Max = 10_000)]
    public int Versions { get; init; }
    [Runtime.Option("staleness-mode", "uniform (lag in [0, D]) or fixed (lag D).")]
    public StalenessMode Mode { get; init; } = StalenessMode.Uniform;

    public void Validate()
    {
        if (Versions < 0) throw new Runtime.OptionException("--staleness", $"--staleness {Versions} must be >= 0 (versions of lag).");
        if (!Enum.IsDefined(Mode)) throw new Runtime.OptionException("--staleness-mode", $"--staleness-mode {(int)Mode} is unknown; choose uniform or fixed.");
    }
}

/// <summary>
/// Staleness (egg vanilla_async.py's uniform_delay), a version source: every step the learner's parameters are
/// published into a ring of the last D + 1 versions and the actor loads the one `lag` versions older, lag uniform in
/// [0, D] (or D), never older than exists. One draw per step from its own stream, so a seed fixes every lag.
/// </summary>
public sealed class Staleness : IVersionSource, IFriction
{
    readonly SnapshotRing _ring;
    readonly Rng _lagRng;

    /// <param name="lagRng">the run's "staleness" stream</param>
    public Staleness(StalenessOptions options, int parameterCount, Rng lagRng)
    {
        options.Validate();
        if (options.Versions < 1) throw new Runtime.OptionException("--staleness", "staleness needs --staleness >= 1; with 0 the actor samples with the current version.");
        Options = options;
        _ring = new SnapshotRing(options.Versions + 1, parameterCount);
        _lagRng = lagRng;
    }

    public StalenessOptions Options { get; }
    public string Flag => "--staleness";
    public FrictionEffect Effect => FrictionEffect.Version;

    public long Load(long learnerVersion, ParameterSet learner, ParameterSet actor)
    {
        _ring.Publish(learnerVersion, learner);
        long lag = Options.Mode == StalenessMode.Uniform ? _lagRng.NextInt(Options.Versions + 1) : Options.Versions;
        lag = Math.Min(lag, learnerVersion - _ring.Oldest);
        _ring.Load(learnerVersion - lag, actor);
        return learnerVersion - lag;
    }

    public void SaveState(Runtime.TrainingState state)
    {
        state.Put("staleness", _lagRng);
        _ring.SaveState(state);
    }

    public void RestoreState(Runtime.TrainingState state)
    {
        state.Get("staleness", _lagRng);
        _ring.RestoreState(state);
    }
}
