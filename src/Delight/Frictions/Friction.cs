using Delight.Numerics;
using Delight.Policies;

namespace Delight.Frictions;

/// <summary>What a friction breaks: the learner can trust every part of a rollout no friction declares.</summary>
[Flags]
public enum FrictionEffect : byte
{
    None = 0,
    /// <summary>Answer tokens other than the policy's own samples (and so the reward scored on them).</summary>
    Answer = 1,
    /// <summary>The reward is no longer the task's score of the answer.</summary>
    Reward = 2,
    /// <summary>Recorded behaviour log-probs are not the learner's log π of the answer.</summary>
    BehaviourLogProbs = 4,
    /// <summary>Sampled with parameters older than the learner's current version.</summary>
    Version = 8,
}

/// <summary>
/// One actor-side friction of the distributed paper (papers.md §2.4): it names its flag and declares what it breaks.
/// The actor applies the frictions that are on in one fixed order (<see cref="Actors.TokenActor"/>):
/// version (staleness, <see cref="Staleness"/>) → sampling bias (<see cref="LogitNoise"/>) → prompt → sample →
/// batch (<see cref="Contamination"/>) → per row: answer (<see cref="Discovery"/>, <see cref="RandomAnswers"/>,
/// <see cref="Bug"/>) → the task's score → reward (<see cref="RewardCorruption"/>) → the task's reward wrappers'
/// penalties (landmine, poison; egg stacks them outside its reward noise, so a coin flip never hides one).
/// Every friction draws from the actor's friction stream, row by row, so a seed fixes them all.
/// </summary>
public interface IFriction
{
    /// <summary>The command-line flag that switches it on (e.g. "--bug-prob").</summary>
    string Flag { get; }
    FrictionEffect Effect { get; }
}

/// <summary>Changes the distribution the actor samples from, once, when the actor is built.</summary>
public interface ISamplingFriction : IFriction
{
    void Attach(ISequencePolicy policy, Rng rng);
}

/// <summary>Changes the sampled batch before any row is scored, reading the sampler's full distribution.</summary>
public interface IBatchFriction : IFriction
{
    void Apply(Rollout rollout, ISequencePolicy policy, Rng rng);
}

/// <summary>
/// May replace one row's answer before it is scored. Two phases, so each friction's rate is independent of the
/// others': every answer friction draws its coin (<see cref="Fires"/>), then the first that fired, in precedence
/// order, writes its answer (<see cref="Inject"/>).
/// </summary>
public interface IAnswerFriction : IFriction
{
    /// <summary>The flag it leaves on the row.</summary>
    RowFriction Mark { get; }
    /// <summary>Probability that its coin fires on a row.</summary>
    float Probability { get; }
    bool Fires(Rng rng);
    void Inject(Rollout rollout, int row, Rng rng);
}

/// <summary>Corrupts one row's reward after the task scored it.</summary>
public interface IRewardFriction : IFriction
{
    float Apply(float reward, Rng rng, ref RowFriction row);
}

/// <summary>Shared option checks: each names the flag, the value and the fix.</summary>
static class FrictionCheck
{
    public static void Probability(string flag, float p)
    {
        if (!(p >= 0 && p <= 1)) throw new Runtime.OptionException(flag, $"{flag} {p} must be a probability in [0, 1].");
    }

    public static void NonNegative(string flag, float value)
    {
        if (!(value >= 0) || !float.IsFinite(value)) throw new Runtime.OptionException(flag, $"{flag} {value} must be a finite number >= 0.");
    }
}
