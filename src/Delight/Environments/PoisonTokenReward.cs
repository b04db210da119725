using Delight.Numerics;

namespace Delight.Environments;

/// <summary>
/// Forbidden token (egg poison_token_wrapper.py): R = R_inner + r_poison if any answer token equals the poison token,
/// else R_inner. Draws nothing of its own.
/// </summary>
public sealed class PoisonTokenReward : TokenEnvironmentWrapper
{
    PoisonTokenReward(ITokenEnvironment inner, PoisonTokenOptions options) : base(inner) => Options = options;

    public static PoisonTokenReward Wrap(ITokenEnvironment inner, PoisonTokenOptions options)
    {
        options.Validate(inner);
        return new PoisonTokenReward(inner, options);
    }

    public PoisonTokenOptions Options { get; }

    protected override float ApplyTo(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, float reward, Rng rng) =>
        answer[..AnswerLength].Contains(Options.PoisonToken) ? reward + Options.PoisonReward : reward;
}

/// <summary>Poison token; egg defaults token 0, reward −10.</summary>
public sealed record PoisonTokenOptions
{
    /// <summary>The forbidden token, in [0, V) (--poison-token).</summary>
    public int PoisonToken { get; init; }
    /// <summary>Added when the answer contains the token (--poison-reward).</summary>
    public float PoisonReward { get; init; } = -10f;

    public void Validate(ITokenEnvironment inner)
    {
        if (PoisonToken < 0 || PoisonToken >= inner.VocabularySize)
            throw new Runtime.OptionException("--poison-token", $"--poison-token {PoisonToken} must be a token in [0, {inner.VocabularySize}) (the task's vocabulary), or it can never appear.");
        TokenEnvironmentWrapper.CheckFinite("--poison-reward", PoisonReward);
    }
}
