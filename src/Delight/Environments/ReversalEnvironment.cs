using Delight.Numerics;

namespace Delight.Environments;

/// <summary>
/// Prompt: H tokens uniform in [0, M). Target: the prompt reversed (or copied), optionally +1 mod M.
/// n = correct prefix length (or count of correct positions); c = n / H; R = κ·c + (1 − κ)·1[n = H].
/// </summary>
public sealed class ReversalEnvironment : ITokenEnvironment, ISupervisedTask
{
    public ISupervisedTask? Targets => this;
    public ReversalEnvironment(ReversalOptions options)
    {
        options.Validate();
        Options = options;
    }

    public ReversalOptions Options { get; }
    public string Name => "reversal";
    public int VocabularySize => Options.VocabularySize;
    public int PromptLength => Options.PromptLength;
    public int AnswerLength => Options.PromptLength;

    public void SamplePrompt(Rng rng, Span<int> prompt)
    {
        for (var i = 0; i < PromptLength; i++) prompt[i] = rng.NextInt(VocabularySize);
    }

    public int Target(ReadOnlySpan<int> prompt, int position)
    {
        var source = Options.TargetReverse ? prompt[PromptLength - 1 - position] : prompt[position];
        return Options.TargetIncrement ? (source + 1) % VocabularySize : source;
    }

    public void WriteTarget(ReadOnlySpan<int> prompt, Span<int> answer)
    {
        for (var t = 0; t < AnswerLength; t++) answer[t] = Target(prompt, t);
    }

    public float Reward(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, Rng rng)
    {
        var correct = 0;
        for (var t = 0; t < AnswerLength; t++)
        {
            if (answer[t] == Target(prompt, t)) correct++;
            else if (Options.RewardToFirstError) break;
        }
        var credit = (float)correct / PromptLength;
        var allCorrect = correct == PromptLength ? 1f : 0f;
        return Options.Kappa * credit + (1f - Options.Kappa) * allCorrect;
    }
}
