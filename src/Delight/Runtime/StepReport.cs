using Delight.Frictions;
using Delight.Learning;

namespace Delight.Runtime;

/// <summary>
/// One learner step as the run loop reports it: what the learner did, what the actor's frictions did to the batch and
/// how stale it was, the papers' error of this batch's own samples (observed rewards), and — on evaluation steps —
/// a clean evaluation of the updated policy.
/// </summary>
public readonly record struct StepReport(
    int Step, long PolicyVersion, LearnerStepMetrics Learner, ActorStepMetrics Actor, double BatchError, Evaluation? Evaluation, double WallSeconds)
{
    /// <summary>Bandits, and MNIST with --direction-every: cosine of this step's update to the exact gradient ∇J at the parameters it started from (on MNIST, on the batch's images; NaN elsewhere).</summary>
    public double TrueGradientCosine { get; init; } = double.NaN;
    /// <summary>Bandits: cosine of the update to the exact cross-entropy oracle direction Σ p(c)∇log π(y*|c); supervised tasks with --direction-every: to Σ_r ∇log π(y*_r|x_r) on the batch.</summary>
    public double OracleCosine { get; init; } = double.NaN;
}
