using Delight.Numerics;

namespace Delight.Environments;

/// <summary>
/// Associative recall (egg key_value.py). Prompt: [k₁, v₁, …, kₙ, vₙ, q] with keys and values iid uniform in [0, V)
/// (keys may repeat) and the query q = k_j for j uniform in [0, n). Target: v_i for the last i with k_i = q
/// (when no key matches, which sampled prompts never do, the last pair's value, as egg's max over −1 padding gives).
/// Answer: one token. R = +1 if answer[0] is the target, else −1.
/// </summary>
public sealed class KeyValueEnvironment : ITokenEnvironment, ISupervisedTask
{
    public ISupervisedTask? Targets => this;
    public KeyValueEnvironment(KeyValueOptions options)
    {
        options.Validate();
        Options = options;
    }

    public KeyValueOptions Options { get; }
    public string Name => "key_value";
    public int VocabularySize => Options.VocabularySize;
    /// <summary>2n + 1: n pairs and the query.</summary>
    public int PromptLength => 2 * Options.NumPairs + 1;
    public int AnswerLength => 1;

    /// <summary>Draw order: the n keys, then the n values, then the query's pair index.</summary>
    public void SamplePrompt(Rng rng, Span<int> prompt)
    {
        var n = Options.NumPairs;
        for (var i = 0; i < n; i++) prompt[2 * i] = rng.NextInt(VocabularySize);
        for (var i = 0; i < n; i++) prompt[2 * i + 1] = rng.NextInt(VocabularySize);
        prompt[2 * n] = prompt[2 * rng.NextInt(n)];
    }

    /// <summary>The value of the last pair whose key equals the query.</summary>
    public int Target(ReadOnlySpan<int> prompt)
    {
        var n = Options.NumPairs;
        var query = prompt[2 * n];
        for (var i = n - 1; i >= 0; i--)
            if (prompt[2 * i] == query) return prompt[2 * i + 1];
        return prompt[2 * n - 1];
    }

    public void WriteTarget(ReadOnlySpan<int> prompt, Span<int> answer) => answer[0] = Target(prompt);

    /// <summary>Rewards are ±1: the error is the fraction of wrong answers.</summary>
    public double Error(double meanReward) => (1 - meanReward) / 2;

    public float Reward(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, Rng rng)
        => answer[0] == Target(prompt) ? 1f : -1f;
}

/// <summary>Key-value recall; defaults are egg's: n = 5 pairs over V = 10 tokens (prompt length 11).</summary>
public sealed record KeyValueOptions
{
    /// <summary>n: key-value pairs per prompt.</summary>
    public int NumPairs { get; init; } = 5;
    /// <summary>V: keys and values are drawn from [0, V).</summary>
    public int VocabularySize { get; init; } = 10;

    public void Validate()
    {
        if (NumPairs < 1) throw new Runtime.OptionException("--pairs", $"key_value pairs {NumPairs} must be >= 1 (--pairs 1 or more).");
        if (VocabularySize < 2)
            throw new Runtime.OptionException("--vocab", $"key_value vocabulary {VocabularySize} must be >= 2, or every value is the same token (--vocab 2 or more).");
    }
}
