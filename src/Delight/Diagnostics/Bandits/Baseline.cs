namespace Delight.Diagnostics.Bandits;

/// <summary>What the exact expectation subtracts from the reward: U = R − b(c) (papers.md §0: no std normalisation).</summary>
public enum BaselineKind
{
    /// <summary>b = 0: plain REINFORCE.</summary>
    Zero,
    /// <summary>b = a given constant; ½ gives the ±½ advantages of the distributed paper's analysis (papers.md §2.3).</summary>
    Constant,
    /// <summary>b(c) = V_π(c) = Σ_a π(a|c)·m(c, a), the learner's exact value.</summary>
    LearnerValue,
    /// <summary>
    /// b(c) = V_μ(c) = Σ_a μ(a|c)·m(c, a): the value of the actions actually sampled, which is what egg's grouped
    /// baseline (the mean reward of a prompt's samples) tends to as the group grows. Equal to V_π on-policy.
    /// </summary>
    BehaviourValue,
}

/// <summary>A baseline choice; <see cref="Value"/> is read only by <see cref="BaselineKind.Constant"/>.</summary>
public readonly record struct Baseline(BaselineKind Kind, double Value = 0)
{
    public static Baseline Zero => new(BaselineKind.Zero);
    public static Baseline Constant(double value) => new(BaselineKind.Constant, value);
    public static Baseline LearnerValue => new(BaselineKind.LearnerValue);
    public static Baseline BehaviourValue => new(BaselineKind.BehaviourValue);
}
