using System.Numerics.Tensors;
using Delight.Diagnostics;

namespace Delight.Learning;

public sealed partial class Learner
{
    /// <summary>One optimizer step; the new parameters are policy version v + 1.</summary>
    void Update()
    {
        var clock = PhaseTimer.Start();
        _metrics.GradientNorm = TensorPrimitives.Norm(Policy.Parameters.Gradients);
        if (_keptCount > 0) Optimizer.Step(Policy.Parameters);
        PhaseTimer.Stop(StepPhase.Optimizer, clock);
        PolicyVersion++;
    }
}
