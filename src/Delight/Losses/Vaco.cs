using Delight.Learning;

namespace Delight.Losses;

// VACO's policy term (Honari et al. 2026, "Align and Filter", arXiv 2603.01365; anchors.md A.3–A.5), per answer
// token t of row r:
//   r_rt = exp(log π_θ(a_rt) − log μ_rt)          ratio to the behaviour policy, so |r − 1| measures the total lag
//   D_rt = |r_rt − 1|                               sample-based total-variation estimate (E_μ|r − 1| = 2·TV(π_θ, μ))
//   M_rt = 0 iff D_rt > δ and U_r·(r_rt − 1) > 0     drop exactly the terms that would push TV further past δ
//   Lπ = −(1/N) Σ M·r·U                             A.5's contract: the kept term is r·U, and ∇r = r·∇log π
//   coefficient on ∇log π(a_rt) = M_rt·r_rt·U_r       (r·U, not U: the kept term is importance-weighted)
// The mask is structural: a dropped term is written as 0, so an overflowing ratio on a dropped token leaves the step
// finite. U is the batch's frozen grouped advantage: this library has no critic, so A.3's "align" step (V-trace
// advantages with truncated ratios ρ̄, c̄) is not reproduced, and the TV estimate is per token (A.5's "Sample"
// level), not aggregated per sequence as in open-instruct's TVPO.
// Statistics: RatioMean/RatioMax of r; DropFraction = fraction of tokens with M = 0.
public sealed class Vaco : ILoss
{
    public const float DefaultDelta = 0.2f;

    /// <param name="delta">δ (--delta): the total-variation threshold on |r − 1|, > 0</param>
    public Vaco(float delta = DefaultDelta)
    {
        if (!(delta > 0) || !float.IsFinite(delta))
            throw new Runtime.OptionException("--delta", $"--delta (VACO TV threshold δ) {delta} must be a finite number > 0.");
        Delta = delta;
    }

    /// <summary>δ</summary>
    public float Delta { get; }
    public string Name => "vaco";
    public bool NeedsBehaviourLogProbs => true;

    public void Coefficients(in Signals signals, Span<float> coefficients, out LossStatistics statistics)
    {
        signals.RequireBehaviourLogProbs(Name, "its ratio π_θ/μ and TV filter");
        var t = signals.TokensPerRow;
        var dropped = 0;
        for (var r = 0; r < signals.RowCount; r++)
        {
            var u = signals.Advantage[r];
            for (var j = 0; j < t; j++)
            {
                var i = r * t + j;
                var ratio = signals.Ratio(i);
                var drop = MathF.Abs(ratio - 1f) > Delta && u * (ratio - 1f) > 0;
                if (drop) dropped++;
                coefficients[i] = drop ? 0f : ratio * u;
            }
        }
        statistics = LossStatistics.WithRatios(signals);
        statistics.DropFraction = (float)dropped / Math.Max(1, signals.RowCount * t);
    }
}
