namespace Delight.Losses;

// REINFORCE with a baseline (egg reinforce.py; papers.md §0), per answer token t of row r:
//   coefficient on ∇log π(a_rt) = U_r
// Behaviour probabilities are ignored: on stale or buggy data this is the uncorrected policy gradient.
// Named "kondo" when it is the loss behind the Kondo gate: kept terms get their plain advantage coefficient.
public sealed class Reinforce(string name = "pg") : ILoss
{
    public string Name { get; } = name;
    public bool NeedsBehaviourLogProbs => false;

    public void Coefficients(in Learning.Signals signals, Span<float> coefficients, out Learning.LossStatistics statistics)
    {
        var t = signals.TokensPerRow;
        for (var r = 0; r < signals.RowCount; r++)
            coefficients.Slice(r * t, t).Fill(signals.Advantage[r]);
        statistics = Learning.LossStatistics.Ungated;
    }
}
