using Delight.Numerics;

namespace Delight.Policies;

/// <summary>What a context id means to a feature policy: a vector of features (an MNIST image's pixels).</summary>
public interface IContextFeatures
{
    int FeatureCount { get; }
    /// <summary>Writes the features of each context, [contexts.Length, FeatureCount].</summary>
    void WriteFeatures(ReadOnlySpan<int> contexts, Span<float> features);
}

/// <summary>
/// An <see cref="MlpPolicy"/> over one-step rows [context id, action]: the context id is looked up in
/// <see cref="IContextFeatures"/> (the label never is), so actors and learners handle MNIST exactly as token tasks.
/// </summary>
public sealed class FeaturePolicy : ISequencePolicy
{
    readonly int[] _contexts;
    readonly int[] _actions;
    readonly float[] _features;
    readonly float[] _scratch;

    public FeaturePolicy(MlpPolicy network, IContextFeatures features)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(features);
        if (features.FeatureCount != network.InputCount)
            throw new ArgumentException($"the task's contexts have {features.FeatureCount} features but the network takes {network.InputCount} inputs.");
        Network = network;
        Features = features;
        _contexts = new int[network.MaxRows];
        _actions = new int[network.MaxRows];
        _features = new float[network.MaxRows * network.InputCount];
        _scratch = new float[network.ActionCount];
    }

    public MlpPolicy Network { get; }
    public IContextFeatures Features { get; }
    public string Kind => Network.Kind;
    public Numerics.ParameterSet Parameters => Network.Parameters;
    public IReadOnlyDictionary<string, string> Metadata => Network.Metadata;
    public int ActionsPerRow => 1;
    public ReadOnlySpan<float> ActionLogProbs => Network.ActionLogProbs;
    public int MaxRows => Network.MaxRows;
    public int MaxLength => OneStepRows.Length;
    public int ActionCount => Network.ActionCount;
    public float[]? SamplingLogitBias { get; set; }
    public ReadOnlySpan<float> PositionLogProbs => Network.LogProbs;

    public void Initialize(Rng rng) => Network.Initialize(rng);

    public ReadOnlySpan<float> Forward(ReadOnlySpan<int> tokens, int rowCount, int length, int promptLength)
    {
        ForwardContexts(tokens, rowCount, length, promptLength);
        OneStepRows.Actions(tokens, rowCount, _actions);
        return Network.ScoreActions(_actions.AsSpan(0, rowCount));
    }

    public void Sample(Span<int> tokens, Span<float> logProbs, int rowCount, int promptLength, int length, Rng? rng)
    {
        var policyLogProbs = ForwardContexts(tokens, rowCount, length, promptLength);
        OneStepRows.Sample(policyLogProbs, rowCount, ActionCount, SamplingLogitBias, rng, tokens, logProbs, _scratch);
    }

    ReadOnlySpan<float> ForwardContexts(ReadOnlySpan<int> tokens, int rowCount, int length, int promptLength)
    {
        OneStepRows.CheckShape(rowCount, length, promptLength, MaxRows, Kind);
        var contexts = _contexts.AsSpan(0, rowCount);
        OneStepRows.Contexts(tokens, rowCount, contexts);
        var features = _features.AsSpan(0, rowCount * Network.InputCount);
        Features.WriteFeatures(contexts, features);
        return Network.Forward(features, rowCount);
    }

    public void Backward(ReadOnlySpan<int> rows, ReadOnlySpan<float> dLogProbs) => Network.Backward(rows, dLogProbs);
    public void Entropies(Span<float> destination) => Network.Entropies(destination);

    /// <summary>Two multiply-adds per weight per row: the network's matrix products.</summary>
    public long ForwardFlops(int rowCount, int length)
    {
        long weights = 0;
        var inputs = Network.InputCount;
        foreach (var width in Network.Options.HiddenWidths) { weights += (long)inputs * width; inputs = width; }
        weights += (long)inputs * Network.ActionCount;
        return 2L * rowCount * weights;
    }
}
