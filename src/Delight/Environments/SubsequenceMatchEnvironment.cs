using Delight.Numerics;

namespace Delight.Environments;

/// <summary>
/// Gapped subsequence (egg subsequence_match.py). Prompt: P tokens uniform in [0, V). Answer: A tokens.
/// R = +1 if the prompt is a (gapped) subsequence of the answer, else −1, decided by the greedy scan of
/// <see cref="IsGappedSubsequence"/>. Many answers succeed, so there is no single target (not an ISupervisedTask).
/// </summary>
public sealed class SubsequenceMatchEnvironment : ITokenEnvironment
{
    public SubsequenceMatchEnvironment(SubsequenceMatchOptions options)
    {
        options.Validate();
        Options = options;
    }

    public SubsequenceMatchOptions Options { get; }
    public string Name => "subsequence_match";
    public int VocabularySize => Options.VocabularySize;
    public int PromptLength => Options.PromptLength;
    public int AnswerLength => Options.AnswerLength;

    public void SamplePrompt(Rng rng, Span<int> prompt)
    {
        for (var i = 0; i < PromptLength; i++) prompt[i] = rng.NextInt(VocabularySize);
    }

    /// <summary>Rewards are ±1: the error is the fraction of wrong answers.</summary>
    public double Error(double meanReward) => (1 - meanReward) / 2;

    public float Reward(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, Rng rng)
        => IsGappedSubsequence(prompt[..PromptLength], answer[..AnswerLength]) ? 1f : -1f;

    /// <summary>
    /// Greedy scan (egg's, shared with the landmine wrapper): a pointer m = 0 into <paramref name="sequence"/>; for each
    /// token of <paramref name="text"/>, m += 1 when the token equals sequence[m]; true iff m reaches |sequence|.
    /// </summary>
    public static bool IsGappedSubsequence(ReadOnlySpan<int> sequence, ReadOnlySpan<int> text)
    {
        var m = 0;
        for (var t = 0; t < text.Length && m < sequence.Length; t++)
            if (text[t] == sequence[m]) m++;
        return m == sequence.Length;
    }
}

/// <summary>Subsequence match; defaults are egg's: P = 2 prompt tokens, A = 32 answer tokens, V = 5.</summary>
public sealed record SubsequenceMatchOptions
{
    /// <summary>P: the sequence the answer must contain.</summary>
    public int PromptLength { get; init; } = 2;
    /// <summary>A: answer tokens; must be ≥ P or no answer can succeed.</summary>
    public int AnswerLength { get; init; } = 32;
    /// <summary>V: tokens are drawn from [0, V).</summary>
    public int VocabularySize { get; init; } = 5;

    public void Validate()
    {
        if (PromptLength < 1) throw new Runtime.OptionException("--prompt-length", $"prompt length {PromptLength} must be >= 1 (--prompt-length 1 or more).");
        if (AnswerLength < 1) throw new Runtime.OptionException("--answer-length", $"answer length {AnswerLength} must be >= 1 (--answer-length 1 or more).");
        if (AnswerLength < PromptLength)
            throw new Runtime.OptionException("--answer-length", $"answer length {AnswerLength} is shorter than the prompt ({PromptLength}), so no answer can contain it (--answer-length {PromptLength} or more, or a smaller --prompt-length).");
        if (VocabularySize < 2) throw new Runtime.OptionException("--vocab", $"subsequence_match vocabulary {VocabularySize} must be >= 2 (--vocab 2 or more).");
    }
}
