namespace Delight.Distributed;

/// <summary>What a wire message carries; byte 6 of every header. Values are part of the wire format: never renumber.</summary>
public enum MessageKind : byte
{
    /// <summary>Actor → learner: one <see cref="Rollout"/> (<see cref="RolloutMessage"/>).</summary>
    Rollout = 1,
    /// <summary>Learner → actors: one policy version's parameter buffer (<see cref="ParameterMessage"/>).</summary>
    Parameters = 2,
    /// <summary>Learner → actors: the run's task/policy configuration as UTF-8 JSON (<see cref="ControlMessage"/>).</summary>
    Config = 3,
    /// <summary>Learner → actors: the run is over; actors exit.</summary>
    Finished = 4,
    /// <summary>Actor → learner: "I just joined; send me the config and the latest parameters".</summary>
    Hello = 5,
    /// <summary>Learner → actors, through a shared queue: permission to sample one batch (<see cref="CreditMessage"/>).</summary>
    Credit = 6,
}
