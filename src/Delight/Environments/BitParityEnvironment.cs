using Delight.Numerics;

namespace Delight.Environments;

/// <summary>
/// Even parity (egg bit_parity.py). Prompt: P bits uniform in {0, 1}. Target: y = 1 if Σ prompt is even, else 0,
/// i.e. y = 1 − (Σ prompt mod 2). Answer: one token. R = +1 if answer[0] = y, else −1.
/// </summary>
public sealed class BitParityEnvironment : ITokenEnvironment, ISupervisedTask
{
    public ISupervisedTask? Targets => this;
    public BitParityEnvironment(BitParityOptions options)
    {
        options.Validate();
        Options = options;
    }

    public BitParityOptions Options { get; }
    public string Name => "bit_parity";
    public int VocabularySize => 2;
    public int PromptLength => Options.PromptLength;
    public int AnswerLength => 1;

    public void SamplePrompt(Rng rng, Span<int> prompt)
    {
        for (var i = 0; i < PromptLength; i++) prompt[i] = rng.NextInt(2);
    }

    /// <summary>y = 1 when the prompt's bits sum to an even number, 0 when odd.</summary>
    public int Target(ReadOnlySpan<int> prompt)
    {
        var sum = 0;
        for (var i = 0; i < PromptLength; i++) sum += prompt[i];
        return 1 - (sum & 1);
    }

    public void WriteTarget(ReadOnlySpan<int> prompt, Span<int> answer) => answer[0] = Target(prompt);

    /// <summary>Rewards are ±1: the error is the fraction of wrong answers.</summary>
    public double Error(double meanReward) => (1 - meanReward) / 2;

    public float Reward(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, Rng rng)
        => answer[0] == Target(prompt) ? 1f : -1f;
}

/// <summary>Bit parity's one knob; the vocabulary is fixed at 2 and the answer is one token.</summary>
public sealed record BitParityOptions
{
    /// <summary>P: number of bits in the prompt (egg default 10).</summary>
    public int PromptLength { get; init; } = 10;

    public void Validate()
    {
        if (PromptLength < 1) throw new Runtime.OptionException("--prompt-length", $"prompt length {PromptLength} must be >= 1 (--prompt-length 1 or more).");
    }
}
