namespace Delight.Learning;

public sealed partial class Learner
{
    /// <summary>Log-probs of every answer token under the current parameters; the policy keeps its activations.</summary>
    void Forward(Rollout rollout)
    {
        int rows = rollout.RowCount, answer = rollout.AnswerLength;
        var logProbs = Policy.Forward(rollout.Tokens, rows, rollout.Length, rollout.PromptLength);
        for (var i = 0; i < rows * answer; i++) _surprisal[i] = -logProbs[i];
        Policy.Entropies(_entropy);
        _metrics.ForwardRows = rows;
        _metrics.ForwardTokens = (long)rows * (rollout.Length - 1);
    }
}
