using Delight.Diagnostics.Bandits;
using Delight.Environments.Bandits;

namespace Delight.Runtime;

/// <summary>
/// Gradient health on bandits: how well each learner update points. Before the step it computes, from the policy's
/// logits, the exact gradient ∇J and the cross-entropy oracle direction; after it, the cosine of the update
/// (minus the loss gradient the learner back-propagated) to each. Buffers are sized once.
/// </summary>
sealed class UpdateDirections(IBanditModel model)
{
    readonly ExactGradients _exact = new(model);
    readonly double[] _truth = new double[model.ContextCount * model.ActionCount];
    readonly double[] _oracle = new double[model.ContextCount * model.ActionCount];
    readonly bool _hasOracle = HasCorrectArms(model);

    public void Before(ReadOnlySpan<float> logits)
    {
        _exact.SetLogits(logits[.._truth.Length]); // the tabular policy's one tensor, at offset 0 of the aligned buffer
        _exact.TrueGradient(_truth);
        if (_hasOracle) _exact.ExpectedUpdate(UpdateRule.CrossEntropy, ContaminationOptions.None, _oracle);
    }

    /// <param name="lossGradient">the learner's gradient buffer: d loss / d logits, so the update is its negative</param>
    public (double Truth, double Oracle) After(ReadOnlySpan<float> lossGradient)
    {
        var gradient = lossGradient[.._truth.Length]; // the tabular policy's one tensor, at offset 0
        return (GradientGeometry.UpdateCosine(gradient, _truth),
            _hasOracle ? GradientGeometry.UpdateCosine(gradient, _oracle) : double.NaN);
    }

    static bool HasCorrectArms(IBanditModel model)
    {
        for (var c = 0; c < model.ContextCount; c++)
            if (model.CorrectAction(c) < 0) return false;
        return true;
    }
}
