namespace Delight.Numerics;

/// <summary>Updates a <see cref="ParameterSet"/> from its gradient buffer, in place, without allocating.</summary>
public abstract class Optimizer
{
    public abstract string Name { get; }
    public long StepCount { get; protected set; }
    /// <summary>Restores the step count (Adam's moments are restored through its arrays), for resume.</summary>
    public void RestoreStepCount(long stepCount) => StepCount = stepCount;
    public abstract void Step(ParameterSet parameters);
}
