using System.Numerics.Tensors;

namespace Delight.Numerics;

/// <summary>θ ← θ − lr·g.</summary>
public sealed class Sgd(float learningRate) : Optimizer
{
    public float LearningRate { get; } = learningRate > 0 ? learningRate
        : throw new ArgumentOutOfRangeException(nameof(learningRate), $"learning rate {learningRate} must be > 0.");

    public override string Name => "sgd";

    public override void Step(ParameterSet parameters)
    {
        TensorPrimitives.MultiplyAdd(parameters.Gradients, -LearningRate, parameters.Values, parameters.Values);
        StepCount++;
    }
}
