namespace Delight.Environments.Bandits;

/// <summary>
/// A one-step bandit written as a table: contexts c with probability p(c), arms a with reward law R(c, a) of mean
/// m(c, a), and the correct arm y*(c) where one exists. <see cref="BanditEnvironment"/> samples from it, and the
/// exact expected gradients (<c>Diagnostics.Bandits.ExactGradients</c>) read the same table, so what the learner
/// sees and what the diagnostic integrates cannot drift apart.
/// </summary>
public interface IBanditModel
{
    /// <summary>The catalog name (bandit, bandit_contexts, gambling).</summary>
    string Name { get; }
    /// <summary>C: contexts are 0 … C − 1 (the prompt token).</summary>
    int ContextCount { get; }
    /// <summary>K: arms are 0 … K − 1 (the answer token).</summary>
    int ActionCount { get; }
    /// <summary>p(c), summing to 1 over contexts.</summary>
    double ContextProbability(int context);
    /// <summary>The reward law of arm <paramref name="action"/> in <paramref name="context"/>; its mean is m(c, a).</summary>
    RewardLaw Reward(int context, int action);
    /// <summary>y*(c): the arm the cross-entropy oracle imitates, or −1 when no single arm is best.</summary>
    int CorrectAction(int context);
    /// <summary>The papers' error for a mean reward of the policy's own samples (1 − R for a 0/1 reward).</summary>
    double Error(double meanReward) => 1 - meanReward;
}
