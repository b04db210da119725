namespace Delight.Numerics;

/// <summary>Updates a <see cref="ParameterSet"/> from its gradient buffer, in place, without allocating.</summary>
public abstract class Optimizer
{
    public abstract string Name { get; }
    public long StepCount { get; protected set; }
    public abstract void Step(ParameterSet parameters);
}
