using Delight.Environments;
using Delight.Policies;

namespace Delight.Runtime;

/// <summary>
/// The policy a task trains: an MLP 784-100-100-10 over the context's features when the task supplies features
/// (MNIST, papers.md §1.3(a)); a tabular softmax over (context, action) for the bandits; otherwise
/// the reference transformer over the token sequence.
/// </summary>
public static class PolicyFactory
{
    public static ISequencePolicy Create(ITokenEnvironment environment, int maxRows) => Shape(environment, maxRows) switch
    {
        MlpOptions mlp => new FeaturePolicy(new MlpPolicy(mlp), environment.Features!),
        TabularOptions tabular => new TabularSoftmaxPolicy(tabular),
        TransformerOptions transformer => new TransformerPolicy(transformer),
        var other => throw new InvalidOperationException($"no policy for shape {other}."),
    };

    /// <summary>
    /// The parameter count and activation floats of the policy <see cref="Create"/> would build, after checking its
    /// shape against <see cref="PolicyLimits"/> — without allocating, so options can be refused before a run starts.
    /// </summary>
    /// <exception cref="ArgumentException">The shape is invalid or too large.</exception>
    public static (long Parameters, double Activations) CheckShape(ITokenEnvironment environment, int maxRows)
    {
        switch (Shape(environment, maxRows))
        {
            case MlpOptions mlp: mlp.Validate(); return (mlp.ParameterCount, mlp.ActivationFloats);
            case TabularOptions tabular: tabular.Validate(); return (tabular.ParameterCount, tabular.ActivationFloats);
            case TransformerOptions transformer: transformer.Validate(); return (transformer.ParameterCount, transformer.ActivationFloats);
            case var other: throw new InvalidOperationException($"no policy for shape {other}.");
        }
    }

    static object Shape(ITokenEnvironment environment, int maxRows)
    {
        if (environment.Features is { } features)
            return new MlpOptions
            {
                InputCount = features.FeatureCount,
                HiddenWidths = [100, 100],
                ActionCount = environment.VocabularySize,
                MaxRows = maxRows,
            };
        if (environment.Bandit is not null)
            return new TabularOptions
            {
                ContextCount = environment.PromptVocabularySize,
                ActionCount = environment.VocabularySize,
                MaxRows = maxRows,
            };
        return new TransformerOptions
        {
            VocabularySize = environment.VocabularySize,
            SequenceLength = environment.PromptLength + environment.AnswerLength,
            MaxRows = maxRows,
        };
    }
}
