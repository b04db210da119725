using Delight.Numerics;

namespace Delight.Environments;

/// <summary>
/// An environment friction (egg *_wrapper.py): spec, prompts and rewards delegate to <see cref="Inner"/>, and each
/// wrapper overrides the one thing it changes.
/// Randomness: only from the caller's Rng. The inner environment draws first, then the wrapper draws its own numbers;
/// how many depends only on the wrapper's options (never on the prompt or answer), and a wrapper whose knob is off
/// (zero std, zero probability) draws nothing, so it leaves the caller's stream exactly as the bare task would.
/// What the task declares beyond prompts and rewards (its targets, held-out prompts, features, bandit model) is the
/// inner task's: no wrapper changes it.
/// </summary>
public abstract class TokenEnvironmentWrapper : ITokenEnvironment
{
    protected TokenEnvironmentWrapper(ITokenEnvironment inner) => Inner = inner;

    public ITokenEnvironment Inner { get; }
    /// <summary>The task's name: a friction does not rename the task.</summary>
    public string Name => Inner.Name;
    public int VocabularySize => Inner.VocabularySize;
    public int PromptVocabularySize => Inner.PromptVocabularySize;
    public int PromptLength => Inner.PromptLength;
    public int AnswerLength => Inner.AnswerLength;

    public virtual void SamplePrompt(Rng rng, Span<int> prompt) => Inner.SamplePrompt(rng, prompt);

    /// <summary>The task's score, then every wrapper's addition, innermost first.</summary>
    public float Reward(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, Rng rng) =>
        AddWrapperRewards(prompt, answer, TaskReward(prompt, answer, rng), rng);

    /// <summary>The innermost task's own score: no wrapper changes it.</summary>
    public float TaskReward(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, Rng rng) => Inner.TaskReward(prompt, answer, rng);

    public virtual float AddWrapperRewards(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, float score, Rng rng) =>
        ApplyTo(prompt, answer, Inner.AddWrapperRewards(prompt, answer, score, rng), rng);

    /// <summary>What this wrapper adds to the reward beneath it (nothing unless it overrides this); its draws come
    /// after the inner wrappers'.</summary>
    protected virtual float ApplyTo(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, float reward, Rng rng) => reward;
    public double Error(double meanReward) => Inner.Error(meanReward);
    // No wrapper changes the target, the held-out set, the features or the bandit: the inner task's are passed on.
    public ISupervisedTask? Targets => Inner.Targets;
    public IHeldOutPrompts? HeldOut => Inner.HeldOut;
    public Policies.IContextFeatures? Features => Inner.Features;
    public Bandits.IBanditModel? Bandit => Inner.Bandit;

    /// <summary>Shared option checks; the message names the CLI option and the fix.</summary>
    internal static void CheckProbability(string option, float p)
    {
        if (!(p >= 0f && p <= 1f)) throw new Runtime.OptionException(option, $"{option} {p} must be a probability in [0, 1].");
    }

    internal static void CheckStd(string option, float std)
    {
        if (!(std >= 0f) || !float.IsFinite(std)) throw new Runtime.OptionException(option, $"{option} {std} must be a finite standard deviation >= 0 (0 turns it off).");
    }

    internal static void CheckFinite(string option, float value)
    {
        if (!float.IsFinite(value)) throw new Runtime.OptionException(option, $"{option} {value} must be a finite number.");
    }
}
