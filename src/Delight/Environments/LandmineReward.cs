using Delight.Numerics;

namespace Delight.Environments;

/// <summary>
/// Rare catastrophic outputs (egg landmine_wrapper.py): if the landmine sequence is a gapped subsequence of the answer
/// (<see cref="SubsequenceMatchEnvironment.IsGappedSubsequence"/>), R = R_inner + r + σ·ε, ε ~ N(0, 1); else R_inner.
/// Draws: the inner reward's numbers, then ε whenever σ &gt; 0 (hit or not; nothing when σ = 0). Egg reuses the inner
/// env's key for ε (egg-spec §13.13); here ε is the stream's next normal.
/// </summary>
public sealed class LandmineReward : TokenEnvironmentWrapper
{
    readonly int[] _sequence;

    LandmineReward(ITokenEnvironment inner, LandmineOptions options) : base(inner)
    {
        Options = options;
        _sequence = [.. options.LandmineSequence];
    }

    public static LandmineReward Wrap(ITokenEnvironment inner, LandmineOptions options)
    {
        options.Validate(inner);
        return new LandmineReward(inner, options);
    }

    public LandmineOptions Options { get; }

    public bool IsHit(ReadOnlySpan<int> answer) => SubsequenceMatchEnvironment.IsGappedSubsequence(_sequence, answer[..AnswerLength]);

    protected override float ApplyTo(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, float reward, Rng rng)
    {
        var noise = Options.LandmineStd > 0f ? (float)(Options.LandmineStd * rng.NextNormal()) : 0f;
        return IsHit(answer) ? reward + Options.LandmineReward + noise : reward;
    }

}

/// <summary>Landmine penalty; egg defaults: the sequence must be given, reward 0, std 0.</summary>
public sealed record LandmineOptions
{
    /// <summary>The landmine: tokens in [0, V), at most the answer length (every egg experiment uses zeros of length A).</summary>
    public required int[] LandmineSequence { get; init; }
    /// <summary>r: added on a hit, usually negative (--landmine-penalty).</summary>
    public float LandmineReward { get; init; }
    /// <summary>σ: noise on the added reward (--landmine-std).</summary>
    public float LandmineStd { get; init; }

    public void Validate(ITokenEnvironment inner)
    {
        var length = LandmineSequence.Length;
        if (length < 1 || length > inner.AnswerLength)
            throw new ArgumentException($"landmine sequence length {length} must be in [1, {inner.AnswerLength}] (the answer length), or it can never be hit.");
        foreach (var token in LandmineSequence)
            if (token < 0 || token >= inner.VocabularySize)
                throw new ArgumentException($"landmine token {token} must be in [0, {inner.VocabularySize}) (the vocabulary), or it can never be hit.");
        TokenEnvironmentWrapper.CheckFinite("--landmine-penalty", LandmineReward);
        TokenEnvironmentWrapper.CheckStd("--landmine-std", LandmineStd);
    }
}
