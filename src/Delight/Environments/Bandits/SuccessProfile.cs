namespace Delight.Environments.Bandits;

/// <summary>
/// Tabular logits with a given success profile p_c = π(y*(c) | c) (DG Prop. 2's p_n, papers.md §1.2): the correct arm
/// gets logit log(p_c·(K − 1)/(1 − p_c)) and every other arm 0, so the failure mass 1 − p_c is spread evenly over
/// the K − 1 wrong arms (the symmetric bandit of Prop. 1 in each context).
/// </summary>
public static class SuccessProfile
{
    /// <param name="successProbabilities">[C], each in (0, 1)</param>
    /// <param name="logits">[C, K], the layout of TabularSoftmaxPolicy's "logits"</param>
    public static void WriteLogits(IBanditModel model, ReadOnlySpan<double> successProbabilities, Span<float> logits)
    {
        ArgumentNullException.ThrowIfNull(model);
        int contexts = model.ContextCount, arms = model.ActionCount;
        if (successProbabilities.Length != contexts)
            throw new ArgumentException($"the profile has {successProbabilities.Length} entries for {contexts} contexts.", nameof(successProbabilities));
        if (logits.Length != contexts * arms)
            throw new ArgumentException($"logits holds {logits.Length} values, not contexts·arms = {contexts}·{arms}.", nameof(logits));
        for (var c = 0; c < contexts; c++)
        {
            var p = successProbabilities[c];
            var y = model.CorrectAction(c);
            if (y < 0) throw new ArgumentException($"context {c} of {model.Name} has no correct arm, so it has no success probability.", nameof(model));
            if (!(p > 0 && p < 1)) throw new ArgumentException($"success probability {p} of context {c} must be in (0, 1).", nameof(successProbabilities));
            var row = logits.Slice(c * arms, arms);
            row.Clear();
            row[y] = (float)Math.Log(p * (arms - 1) / (1 - p));
        }
    }
}
