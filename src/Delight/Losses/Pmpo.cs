using Delight.Learning;

namespace Delight.Losses;

// PMPO, token level (Abdolmaleki et al. 2024, preference optimisation as probabilistic inference; egg pmpo.py,
// egg-spec §6; papers.md §1.3(c)). A row is accepted iff U_r > 0 (U = 0 is rejected); per answer token t of row r:
//   L = α·mean_acc(−log π_θ) + (1−α)·mean_rej(log(γ + π_θ)) + β·(1/N) Σ (log μ − log π_θ)      minimised
//   N_acc, N_rej = accepted, rejected tokens; N = N_acc + N_rej; π_rt = exp(log π_θ(a_rt)), no gradient
//   ∂L/∂log π_rt = −α/N_acc − β/N on accepted tokens; (1−α)/N_rej·π/(γ+π) − β/N on rejected ones
//   coefficient on ∇log π(a_rt) = −N·∂L/∂log π_rt:
//     accepted  α·N/N_acc + β
//     rejected  −(1−α)·(N/N_rej)·π_rt/(γ + π_rt) + β
//   a term whose count is 0 contributes nothing.
// The KL term is egg's sample-based forward KL(μ‖π_θ); its gradient does not read μ, but the term is defined
// against the actor, so β > 0 requires behaviour log-probs (and reports the ratio π_θ/μ); β = 0 does not.
// Against egg: means divide by the exact count (egg adds 1e-8); γ ≥ 0 as in egg (γ = 0 is log π). N, N_acc and
// N_rej count the rows this call sees: when a speculative screen forwards only some rows, the means are over those.
// Statistics: GateMean 1; RatioMean/RatioMax of π_θ/μ when β > 0, NaN otherwise.
public sealed class Pmpo : ILoss
{
    public const float DefaultAlpha = 0.5f;
    public const float DefaultBeta = 0.1f;
    public const float DefaultGamma = 1e-9f;

    /// <param name="alpha">α (--alpha): weight of the accepted term, in [0, 1]; 1 − α weighs the rejected term</param>
    /// <param name="beta">β (--beta): weight of the sample-based KL(μ‖π_θ) anchor, ≥ 0</param>
    /// <param name="gamma">γ (--gamma): floor inside log(γ + π) of the rejected term, ≥ 0</param>
    public Pmpo(float alpha = DefaultAlpha, float beta = DefaultBeta, float gamma = DefaultGamma)
    {
        if (!(alpha >= 0 && alpha <= 1))
            throw new Runtime.OptionException("--alpha", $"--alpha (PMPO accepted weight α) {alpha} must be in [0, 1].");
        if (!(beta >= 0) || !float.IsFinite(beta))
            throw new Runtime.OptionException("--beta", $"--beta (KL anchor β) {beta} must be a finite number >= 0.");
        if (!(gamma >= 0) || !float.IsFinite(gamma))
            throw new Runtime.OptionException("--gamma", $"--gamma (PMPO floor γ) {gamma} must be a finite number >= 0.");
        Alpha = alpha;
        Beta = beta;
        Gamma = gamma;
    }

    /// <summary>α</summary>
    public float Alpha { get; }
    /// <summary>β</summary>
    public float Beta { get; }
    /// <summary>γ</summary>
    public float Gamma { get; }
    public string Name => "pmpo";
    public bool NeedsBehaviourLogProbs => Beta > 0;

    public void Coefficients(in Signals signals, Span<float> coefficients, out LossStatistics statistics)
    {
        if (NeedsBehaviourLogProbs) signals.RequireBehaviourLogProbs($"{Name} with --beta {Beta}", "its KL anchor to the actor; or set --beta 0");
        int t = signals.TokensPerRow, n = signals.RowCount * t;
        var acceptedRows = 0;
        for (var r = 0; r < signals.RowCount; r++) if (signals.Advantage[r] > 0) acceptedRows++;
        int accepted = acceptedRows * t, rejected = n - accepted;
        var acceptedCoefficient = accepted == 0 ? 0.0 : (double)Alpha * n / accepted;   // α·N/N_acc
        var rejectedScale = rejected == 0 ? 0.0 : (1.0 - Alpha) * n / rejected;        // (1−α)·N/N_rej
        for (var r = 0; r < signals.RowCount; r++)
        {
            var isAccepted = signals.Advantage[r] > 0;
            for (var j = 0; j < t; j++)
            {
                var i = r * t + j;
                var c = isAccepted ? acceptedCoefficient : -rejectedScale * RejectedShare(signals.Surprisal[i]);
                coefficients[i] = (float)(c + Beta);
            }
        }
        statistics = NeedsBehaviourLogProbs ? LossStatistics.WithRatios(signals) : LossStatistics.Ungated;
    }

    /// <summary>π/(γ + π) = 1/(1 + γ·e^ℓ) for surprisal ℓ = −log π: finite for any ℓ, and exactly 1 when γ = 0.</summary>
    double RejectedShare(float surprisal) => Gamma == 0f ? 1.0 : 1.0 / (1.0 + Gamma * Math.Exp(surprisal));
}
