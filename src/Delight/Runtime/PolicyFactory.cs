using Delight.Environments;
using Delight.Policies;

namespace Delight.Runtime;

/// <summary>
/// The policy a task trains: an MLP 784-100-100-10 over the context's features when the task supplies features
/// (MNIST, papers.md §1.3(a)); a tabular softmax over (context, action) for the bandits; otherwise
/// the reference transformer over the token sequence. <see cref="ModelOptions"/> sizes the MLP and the transformer.
/// </summary>
public static class PolicyFactory
{
    public static ISequencePolicy Create(ITokenEnvironment environment, int maxRows, ModelOptions? model = null) => Shape(environment, maxRows, model) switch
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
    /// <exception cref="OptionException">A model size does not fit the task's policy or its bounds (names the flag).</exception>
    public static (long Parameters, double Activations) CheckShape(ITokenEnvironment environment, int maxRows, ModelOptions? model = null)
    {
        switch (Shape(environment, maxRows, model))
        {
            case MlpOptions mlp: mlp.Validate(); return (mlp.ParameterCount, mlp.ActivationFloats);
            case TabularOptions tabular: tabular.Validate(); return (tabular.ParameterCount, tabular.ActivationFloats);
            case TransformerOptions transformer: transformer.Validate(); return (transformer.ParameterCount, transformer.ActivationFloats);
            case var other: throw new InvalidOperationException($"no policy for shape {other}.");
        }
    }

    /// <summary>The task's policy shape with the model size applied (a size the policy has no use for is refused).</summary>
    static object Shape(ITokenEnvironment environment, int maxRows, ModelOptions? model)
    {
        model ??= new ModelOptions();
        if (environment.Features is { } features)
            return model.Mlp(new MlpOptions
            {
                InputCount = features.FeatureCount,
                HiddenWidths = [100, 100],
                ActionCount = environment.VocabularySize,
                MaxRows = maxRows,
            });
        if (environment.Bandit is not null)
        {
            model.RefuseAll("a table of logits per context (bandits)");
            return new TabularOptions
            {
                ContextCount = environment.PromptVocabularySize,
                ActionCount = environment.VocabularySize,
                MaxRows = maxRows,
            };
        }
        return model.Transformer(new TransformerOptions
        {
            VocabularySize = environment.VocabularySize,
            SequenceLength = environment.PromptLength + environment.AnswerLength,
            MaxRows = maxRows,
        });
    }
}
