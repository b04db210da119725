using Delight.Numerics;

namespace Delight.Versions;

/// <summary>The frictionless version source: the actor samples with the learner's current parameters.</summary>
public sealed class CurrentVersion : IVersionSource
{
    public long Load(long learnerVersion, ParameterSet learner, ParameterSet actor)
    {
        // The same set when the actor shares the learner's policy: nothing to copy.
        if (!ReferenceEquals(learner, actor)) actor.CopyValuesFrom(learner.Values);
        return learnerVersion;
    }

    public void SaveState(Runtime.TrainingState state) { }

    public void RestoreState(Runtime.TrainingState state) { }
}
