using Delight.Numerics;

namespace Delight.Environments;

/// <summary>
/// A finite data set (egg finite_prompt_wrapper.py): at construction, prompt i (0 ≤ i &lt; N) is drawn from the inner
/// environment with its own stream Rng(seed).Split(i); SamplePrompt then returns prompt j for j uniform in [0, N).
/// Draws: SamplePrompt — j only (the inner environment draws nothing after construction). Rewards delegate.
/// </summary>
public sealed class FinitePromptSet : TokenEnvironmentWrapper
{
    readonly int[] _prompts; // [N, P]

    FinitePromptSet(ITokenEnvironment inner, FinitePromptOptions options) : base(inner)
    {
        Options = options;
        if ((long)options.NumPrompts * inner.PromptLength > MaxTokens)
            throw new Runtime.OptionException("--finite-prompts", $"--finite-prompts {options.NumPrompts} × prompt length {inner.PromptLength} is more than the {MaxTokens} prompt tokens a finite set may hold; use fewer prompts.");
        _prompts = new int[options.NumPrompts * inner.PromptLength];
        var seed = new Rng(options.Seed);
        for (var i = 0; i < options.NumPrompts; i++) inner.SamplePrompt(seed.Split((ulong)i), _prompts.AsSpan(i * PromptLength, PromptLength));
    }

    public static FinitePromptSet Wrap(ITokenEnvironment inner, FinitePromptOptions options)
    {
        options.Validate();
        return new FinitePromptSet(inner, options);
    }

    /// <summary>Most tokens the set stores (40 MB of ints).</summary>
    public const long MaxTokens = 10_000_000;

    public FinitePromptOptions Options { get; }
    public int Count => Options.NumPrompts;

    /// <summary>Prompt i of the set.</summary>
    public ReadOnlySpan<int> Prompt(int index) => _prompts.AsSpan(index * PromptLength, PromptLength);

    public override void SamplePrompt(Rng rng, Span<int> prompt) => Prompt(rng.NextInt(Count)).CopyTo(prompt);

}

/// <summary>Finite prompt set; egg defaults N = 10 prompts, seed 42.</summary>
public sealed record FinitePromptOptions
{
    /// <summary>N: the number of prompts in the set (--finite-prompts).</summary>
    public int NumPrompts { get; init; } = 10;
    /// <summary>Seeds the set, independently of the run's seed (--finite-prompt-seed).</summary>
    public ulong Seed { get; init; } = 42;

    public void Validate()
    {
        if (NumPrompts < 1) throw new Runtime.OptionException("--finite-prompts", $"--finite-prompts {NumPrompts} must be >= 1 (the size of the prompt set; omit it for fresh prompts).");
    }
}
