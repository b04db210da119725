using Delight.Diagnostics;

namespace Delight.Learning;

public sealed partial class Learner
{
    /// <summary>Backward over the kept rows only; the policy reuses the activations its forward stored.</summary>
    void Backward(Rollout rollout)
    {
        var clock = PhaseTimer.Start();
        Policy.Parameters.ZeroGradients();
        PhaseTimer.Stop(StepPhase.ZeroGradients, clock);
        if (_keptCount > 0)
            Policy.Backward(_keptRows.AsSpan(0, _keptCount), _dLogProbs.AsSpan(0, _keptCount * rollout.AnswerLength));
        _metrics.BackwardRows = _keptCount;
        _metrics.BackwardTokens = (long)_keptCount * (rollout.Length - 1);
        // Backward costs about twice the forward: the input and the weight gradient of every matrix product.
        _metrics.BackwardFlops = 2 * Policy.ForwardFlops(_keptCount, rollout.Length);
    }
}
