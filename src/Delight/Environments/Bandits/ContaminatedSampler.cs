using System.Diagnostics;
using Delight.Numerics;

namespace Delight.Environments.Bandits;

/// <summary>
/// Draws actions from the contaminated behaviour μ = (1 − ρ)·π + ρ·q (<see cref="ContaminationOptions"/>) and
/// returns the exact behaviour log-prob log μ(a), which is what exact importance-weighted PG divides by (the
/// distributed paper's "PG with exact importance weights", papers.md §2.4, claim 8). Pure functions of their
/// arguments: no state, no allocation. Validate the options once with <see cref="ContaminationOptions.Validate"/>.
/// </summary>
public static class ContaminatedSampler
{
    /// <summary>μ(a) = (1 − ρ)·exp(logProbs[a]) + ρ·q(a).</summary>
    /// <param name="logProbs">[K] the learner's log π(· | c)</param>
    public static double BehaviourProbability(ReadOnlySpan<float> logProbs, in ContaminationOptions options, int action)
        => (1 - options.Rate) * Math.Exp(logProbs[action]) + options.Rate * options.SourceProbability(action, logProbs.Length);

    /// <summary>
    /// log μ(a). Where q(a) = 0 this is log(1 − ρ) + log π(a), exact even when π(a) underflows; at ρ = 0 it is
    /// log π(a) itself.
    /// </summary>
    public static double BehaviourLogProb(ReadOnlySpan<float> logProbs, in ContaminationOptions options, int action)
    {
        var contaminated = options.Rate * options.SourceProbability(action, logProbs.Length);
        return contaminated == 0
            ? Math.Log(1 - options.Rate) + logProbs[action]
            : Math.Log(BehaviourProbability(logProbs, options, action));
    }

    /// <summary>
    /// One inverse-CDF draw from μ with exactly one rng.NextDouble(); at ρ = 0 it picks the same action as the policy's
    /// own sampler for the same u. Rounding that leaves u past the total picks the last arm with mass.
    /// </summary>
    /// <param name="logProbs">[K] the learner's log π(· | c)</param>
    /// <param name="behaviourLogProb">log μ(a) of the returned action</param>
    public static int Sample(ReadOnlySpan<float> logProbs, in ContaminationOptions options, Rng rng, out double behaviourLogProb)
    {
        Debug.Assert(options.Rate is >= 0 and <= 1, "validate the contamination options once, at construction");
        var u = rng.NextDouble();
        var cumulative = 0.0;
        var chosen = -1;
        for (var a = 0; a < logProbs.Length; a++)
        {
            var mu = BehaviourProbability(logProbs, options, a);
            if (mu <= 0) continue;
            chosen = a;
            cumulative += mu;
            if (u < cumulative) break;
        }
        behaviourLogProb = BehaviourLogProb(logProbs, options, chosen);
        return chosen;
    }
}
