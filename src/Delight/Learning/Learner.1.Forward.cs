namespace Delight.Learning;

public sealed partial class Learner
{
    /// <summary>Log-probs of every answer token of the forwarded rows; the policy keeps its activations.</summary>
    void Forward(Rollout rollout)
    {
        int rows = _forwardCount, answer = rollout.AnswerLength, length = rollout.Length;
        if (rows == 0) return;
        ReadOnlySpan<int> tokens = rollout.Tokens;
        if (rows != rollout.RowCount)
        {
            for (var f = 0; f < rows; f++)
                rollout.Tokens.AsSpan(_forwardRows[f] * length, length).CopyTo(_forwardTokens.AsSpan(f * length));
            tokens = _forwardTokens;
        }
        var logProbs = Policy.Forward(tokens, rows, length, rollout.PromptLength);
        for (var i = 0; i < rows * answer; i++) _surprisal[i] = -logProbs[i];
        Policy.Entropies(_entropy);
        _metrics.ForwardRows = rows;
        _metrics.ForwardTokens = (long)rows * (length - 1);
        _metrics.ForwardFlops = Policy.ForwardFlops(rows, length);
    }
}
