using Delight.Numerics;

namespace Delight.Policies;

/// <summary>
/// A policy over rollout rows — prompt tokens then answer tokens — which is all an actor samples with and a learner
/// trains: token tasks (a transformer), and one-step tasks whose prompt is a context id and whose answer is one
/// action (an MLP over that context's features, a tabular softmax). The learner and actor code is the same for all.
/// </summary>
public interface ISequencePolicy : IPolicy
{
    /// <summary>Most rows one forward, sample or backward takes.</summary>
    int MaxRows { get; }
    /// <summary>Longest row (prompt + answer) the policy accepts.</summary>
    int MaxLength { get; }
    /// <summary>Answer tokens are in [0, ActionCount).</summary>
    int ActionCount { get; }
    /// <summary>
    /// Fixed additive bias on the logits the actor samples from (the logit-noise friction); null for none. Recorded
    /// behaviour log-probs are those of the biased distribution. Teacher-forced forwards ignore it.
    /// </summary>
    float[]? SamplingLogitBias { get; set; }

    void Initialize(Rng rng);

    /// <summary>
    /// Teacher-forced log-probs of every answer token, storing what <see cref="IPolicy.Backward"/> needs.
    /// </summary>
    /// <param name="tokens">[rows, length]: prompt then answer</param>
    /// <returns>[rows, length − promptLength] (a view valid until the next forward)</returns>
    ReadOnlySpan<float> Forward(ReadOnlySpan<int> tokens, int rowCount, int length, int promptLength);

    /// <summary>The full log-softmax at every answer position of the last forward, [rows, answer, ActionCount].</summary>
    ReadOnlySpan<float> PositionLogProbs { get; }

    /// <summary>
    /// Fills the answers of rows whose prompts are in place. With an rng: samples at temperature 1 (with the sampling
    /// bias), logProbs[b, t] = log π of each drawn token and 0 on prompt positions. Without (null): greedy argmax,
    /// no bias, logProbs as for sampling. Draws one rng.NextDouble() per answer token, row-major by position.
    /// </summary>
    /// <param name="tokens">[rows, length]</param>
    /// <param name="logProbs">[rows, length]</param>
    void Sample(Span<int> tokens, Span<float> logProbs, int rowCount, int promptLength, int length, Rng? rng);

    /// <summary>Multiply-adds ×2 of a teacher-forced forward over these rows (the work counter's unit).</summary>
    long ForwardFlops(int rowCount, int length);
}
