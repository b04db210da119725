namespace Delight.Losses;

/// <summary>The methods a run can train with (<c>--method</c>, spelled in kebab case: <c>is-pg</c>); one loss file each.</summary>
public enum Method
{
    /// <summary>REINFORCE with a baseline (<see cref="Reinforce"/>).</summary>
    Pg,
    /// <summary>The Delightful Policy Gradient (<see cref="DelightfulPg"/>).</summary>
    Dg,
    /// <summary>Importance-weighted PG (<see cref="ImportanceWeightedPg"/>).</summary>
    IsPg,
    /// <summary><see cref="Losses.Ppo"/>.</summary>
    Ppo,
    /// <summary><see cref="Losses.Pmpo"/>.</summary>
    Pmpo,
    /// <summary><see cref="Losses.Vaco"/>.</summary>
    Vaco,
    /// <summary>PG behind the Kondo gate (the gate is the learner's screen).</summary>
    Kondo,
    /// <summary>The supervised cross-entropy oracle (<see cref="CrossEntropy"/>).</summary>
    Ce,
}
