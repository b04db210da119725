using Delight.Learning;

namespace Delight.Losses;

// PPO, token-level clipped surrogate (Schulman et al. 2017; egg ppo.py, egg-spec §6), per answer token t of row r:
//   r_rt = exp(log π_θ(a_rt) − log μ_rt)              ratio to the actor's behaviour policy (egg's π_old is the actor)
//   J = (1/N) Σ min(r·U, clip(r, 1−ε, 1+ε)·U) − β·(1/N) Σ (log μ − log π_θ)     maximised; egg's loss is −J
//   the KL term is egg's sample-based forward KL(μ‖π_θ) (dg.py, ppo.py): its gradient pulls toward the samples
//   ∂J/∂log π_rt = (1/N)·(r·U·1[active] + β): the unclipped term is the active min unless the clipped constant
//   is smaller, which happens exactly when U > 0 and r > 1+ε, or U < 0 and r < 1−ε (U = 0: r·U = 0 anyway)
//   coefficient on ∇log π(a_rt) = 1[active]·r_rt·U_r + β
// At r = 1 (on-policy, one epoch) the coefficient is U + β: PG's, plus the anchor.
// A clipped term is written as 0, not 0·r, so an overflowing ratio on a clipped token leaves the step finite.
// Statistics: RatioMean/RatioMax of r; ClipFraction = fraction of tokens (U ≠ 0) whose surrogate gradient is zeroed.
public sealed class Ppo : ILoss
{
    public const float DefaultEpsilon = 0.2f;
    public const float DefaultBeta = 0f;

    /// <param name="epsilon">ε (--epsilon): the clip half-width, > 0</param>
    /// <param name="beta">β (--beta): weight of the sample-based KL(μ‖π_θ) anchor, ≥ 0</param>
    public Ppo(float epsilon = DefaultEpsilon, float beta = DefaultBeta)
    {
        if (!(epsilon > 0) || !float.IsFinite(epsilon))
            throw new Runtime.OptionException("--epsilon", $"--epsilon (PPO clip ε) {epsilon} must be a finite number > 0.");
        if (!(beta >= 0) || !float.IsFinite(beta))
            throw new Runtime.OptionException("--beta", $"--beta (KL anchor β) {beta} must be a finite number >= 0.");
        Epsilon = epsilon;
        Beta = beta;
    }

    /// <summary>ε</summary>
    public float Epsilon { get; }
    /// <summary>β</summary>
    public float Beta { get; }
    public string Name => "ppo";
    public bool NeedsBehaviourLogProbs => true;

    public void Coefficients(in Signals signals, Span<float> coefficients, out LossStatistics statistics)
    {
        signals.RequireBehaviourLogProbs(Name, "its ratio π_θ/μ and KL anchor");
        var t = signals.TokensPerRow;
        float low = 1f - Epsilon, high = 1f + Epsilon;
        var clipped = 0;
        for (var r = 0; r < signals.RowCount; r++)
        {
            var u = signals.Advantage[r];
            for (var j = 0; j < t; j++)
            {
                var i = r * t + j;
                var ratio = signals.Ratio(i);
                var active = !((u > 0 && ratio > high) || (u < 0 && ratio < low));
                if (!active) clipped++;
                coefficients[i] = (active ? ratio * u : 0f) + Beta;
            }
        }
        statistics = LossStatistics.WithRatios(signals);
        statistics.ClipFraction = (float)clipped / Math.Max(1, signals.RowCount * t);
    }
}
