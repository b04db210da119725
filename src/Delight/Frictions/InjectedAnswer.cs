namespace Delight.Frictions;

/// <summary>What the answer frictions share: the row's answer span and the behaviour log-probs they record.</summary>
static class InjectedAnswer
{
    public static Span<int> Answer(Rollout rollout, int row) =>
        rollout.Tokens.AsSpan(row * rollout.Length + rollout.PromptLength, rollout.AnswerLength);

    /// <summary>
    /// The injected answer's recorded log-probs claim certainty (log 1 = 0): the actor reports behaviour probabilities
    /// that are wrong, as the reference's buggy actors do.
    /// </summary>
    public static void ClaimCertainty(Rollout rollout, int row) =>
        rollout.BehaviourLogProbs.AsSpan(row * rollout.Length + rollout.PromptLength, rollout.AnswerLength).Clear();
}
