using Delight.Numerics;

namespace Delight.Environments;

/// <summary>
/// Easy prompts (egg zeros_prompt_wrapper.py): with probability p the inner prompt is replaced by all zeros; when the
/// prompt and the answer are both all zeros, R = R_inner + σ·ε, ε ~ N(0, 1), else R_inner.
/// Draws: SamplePrompt — the inner prompt's numbers, then u ~ U[0, 1) (zeros iff u &lt; p; nothing when p = 0).
/// Reward — the inner reward's numbers, then ε whenever σ &gt; 0 (all zeros or not; nothing when σ = 0).
/// </summary>
public sealed class ZerosPrompt : TokenEnvironmentWrapper
{
    ZerosPrompt(ITokenEnvironment inner, ZerosPromptOptions options) : base(inner) => Options = options;

    public static ZerosPrompt Wrap(ITokenEnvironment inner, ZerosPromptOptions options)
    {
        options.Validate();
        return new ZerosPrompt(inner, options);
    }

    public ZerosPromptOptions Options { get; }

    public override void SamplePrompt(Rng rng, Span<int> prompt)
    {
        Inner.SamplePrompt(rng, prompt);
        if (Options.ZeroPromptProb > 0f && rng.NextDouble() < Options.ZeroPromptProb) prompt[..PromptLength].Clear();
    }

    protected override float ApplyTo(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, float reward, Rng rng)
    {
        if (!(Options.ZeroNoiseStd > 0f)) return reward;
        var noise = (float)(Options.ZeroNoiseStd * rng.NextNormal());
        var allZero = !prompt[..PromptLength].ContainsAnyExcept(0) && !answer[..AnswerLength].ContainsAnyExcept(0);
        return allZero ? reward + noise : reward;
    }

}

/// <summary>Zero prompts; egg defaults prob_zero 0, zero_noise_std 0.</summary>
public sealed record ZerosPromptOptions
{
    /// <summary>p (egg prob_zero): probability a prompt becomes all zeros (--zero-prompt-prob).</summary>
    public float ZeroPromptProb { get; init; }
    /// <summary>σ (egg zero_noise_std): reward noise on all-zero prompt and answer (--zero-noise-std).</summary>
    public float ZeroNoiseStd { get; init; }

    public void Validate()
    {
        TokenEnvironmentWrapper.CheckProbability("--zero-prompt-prob", ZeroPromptProb);
        TokenEnvironmentWrapper.CheckStd("--zero-noise-std", ZeroNoiseStd);
    }
}
