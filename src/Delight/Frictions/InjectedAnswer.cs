using Delight.Policies;

namespace Delight.Frictions;

/// <summary>What the answer frictions share: the row's answer span and the behaviour log-probs they record.</summary>
static class InjectedAnswer
{
    public static Span<int> Answer(Rollout rollout, int row) =>
        rollout.Tokens.AsSpan(row * rollout.Length + rollout.PromptLength, rollout.AnswerLength);

    static Span<float> LogProbs(Rollout rollout, int row) =>
        rollout.BehaviourLogProbs.AsSpan(row * rollout.Length + rollout.PromptLength, rollout.AnswerLength);

    /// <summary>
    /// The injected answer's recorded log-probs claim certainty (log 1 = 0): the actor reports behaviour probabilities
    /// that are wrong, as the reference's buggy actors do.
    /// </summary>
    public static void ClaimCertainty(Rollout rollout, int row) => LogProbs(rollout, row).Clear();

    /// <summary>
    /// The injected answer's recorded log-probs are those of the distribution the actor samples from: a teacher-forced
    /// forward of this row under <paramref name="policy"/>, with the sampling bias (logit noise) applied as
    /// <see cref="ISequencePolicy.Sample"/> applies it — log softmax(z + b)[a] = ℓ[a] + b[a] − log Σ_j exp(ℓ[j] + b[j])
    /// with ℓ the unbiased log-softmax. egg recomputes them the same way (get_full_logprobs_b_l, egg-spec §4).
    /// </summary>
    public static void RecordPolicyLogProbs(Rollout rollout, int row, ISequencePolicy policy)
    {
        int length = rollout.Length, prompt = rollout.PromptLength, answer = rollout.AnswerLength;
        var tokens = rollout.Tokens.AsSpan(row * length, length);
        var taken = policy.Forward(tokens, 1, length, prompt);
        var destination = LogProbs(rollout, row);
        if (policy.SamplingLogitBias is not { } bias)
        {
            taken[..answer].CopyTo(destination);
            return;
        }
        int k = policy.ActionCount;
        var full = policy.PositionLogProbs;
        var chosen = Answer(rollout, row);
        for (var t = 0; t < answer; t++)
        {
            var position = full.Slice(t * k, k);
            var max = double.NegativeInfinity;
            for (var a = 0; a < k; a++) max = Math.Max(max, position[a] + bias[a]);
            double sum = 0;
            for (var a = 0; a < k; a++) sum += Math.Exp(position[a] + bias[a] - max);
            destination[t] = (float)(position[chosen[t]] + bias[chosen[t]] - max - Math.Log(sum));
        }
    }
}
