using Delight.Learning;

namespace Delight.Losses;

// Importance-weighted policy gradient with exact behaviour probabilities (papers.md §2, the baseline DG is compared
// with; egg's "reinforce" in dpg/distributed/kondo, i.e. ppo.py with ε = 1e9: egg-spec §6, §13.4), per answer token t
// of row r:
//   log μ_rt                                     the actor's recorded behaviour log-prob
//   r_rt = exp(log π_θ(a_rt) − log μ_rt)          per-token importance ratio, no gradient
//   w_rt = min(r_rt, ρ̄)                          truncated ratio (IMPALA's ρ̄); w_rt = r_rt when ρ̄ is unset
//   coefficient on ∇log π(a_rt) = w_rt · U_r
// This is the gradient of −(1/N) Σ sg(w)·U·log π. Untruncated it equals the gradient of egg's surrogate
// −(1/N) Σ r·U (∇r = r·∇log π). egg's reinforce.py `use_iw` is a different estimator (one ratio per sequence, the
// product over tokens, capped at 10) that no experiment uses; this file is the per-token form.
// Statistics: RatioMean/RatioMax of r over tokens; ClipFraction = fraction of tokens whose ratio was truncated (r > ρ̄).
public sealed class ImportanceWeightedPg : ILoss
{
    /// <param name="truncation">ρ̄ (--truncation): the largest importance weight, > 0; null for no truncation</param>
    public ImportanceWeightedPg(float? truncation = null)
    {
        if (truncation is { } rhoBar && (!(rhoBar > 0) || !float.IsFinite(rhoBar)))
            throw new Runtime.OptionException("--truncation", $"--truncation (ρ̄) {rhoBar} must be a finite number > 0, or unset for no truncation.");
        Truncation = truncation;
    }

    /// <summary>ρ̄, or null: no truncation.</summary>
    public float? Truncation { get; }
    public string Name => "is-pg";
    public bool NeedsBehaviourLogProbs => true;

    public void Coefficients(in Signals signals, Span<float> coefficients, out LossStatistics statistics)
    {
        signals.RequireBehaviourLogProbs(Name, "its weight is the ratio π_θ/μ");
        var t = signals.TokensPerRow;
        var truncated = 0;
        for (var r = 0; r < signals.RowCount; r++)
        {
            var u = signals.Advantage[r];
            for (var j = 0; j < t; j++)
            {
                var i = r * t + j;
                var w = signals.Ratio(i);
                if (Truncation is { } rhoBar && w > rhoBar) { w = rhoBar; truncated++; }
                coefficients[i] = w * u;
            }
        }
        statistics = LossStatistics.WithRatios(signals);
        statistics.ClipFraction = (float)truncated / Math.Max(1, signals.RowCount * t);
    }
}
