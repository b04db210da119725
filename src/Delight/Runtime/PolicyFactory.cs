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
    const string Table = "a table of logits per context (bandits)";

    public static ISequencePolicy Create(ITokenEnvironment environment, int maxRows, ModelOptions? model = null)
    {
        model ??= new ModelOptions();
        if (TokenEnvironmentWrapper.Find<IContextFeatures>(environment) is { } features)
            return new FeaturePolicy(new MlpPolicy(model.Mlp(MlpShape(environment, features, maxRows))), features);
        if (TokenEnvironmentWrapper.Find<Environments.Bandits.BanditEnvironment>(environment) is not null)
        {
            model.RefuseAll(Table);
            return new TabularSoftmaxPolicy(new TabularOptions
            {
                ContextCount = environment.PromptVocabularySize,
                ActionCount = environment.VocabularySize,
                MaxRows = maxRows,
            });
        }
        return new TransformerPolicy(model.Transformer(TransformerShape(environment, maxRows)));
    }

    /// <summary>Checks <paramref name="model"/> against the task's policy without building it (errors name the flag).</summary>
    public static void Validate(ITokenEnvironment environment, int maxRows, ModelOptions model)
    {
        if (TokenEnvironmentWrapper.Find<IContextFeatures>(environment) is { } features)
            model.Mlp(MlpShape(environment, features, maxRows));
        else if (TokenEnvironmentWrapper.Find<Environments.Bandits.BanditEnvironment>(environment) is not null)
            model.RefuseAll(Table);
        else
            model.Transformer(TransformerShape(environment, maxRows));
    }

    static MlpOptions MlpShape(ITokenEnvironment environment, IContextFeatures features, int maxRows) => new()
    {
        InputCount = features.FeatureCount,
        HiddenWidths = [100, 100],
        ActionCount = environment.VocabularySize,
        MaxRows = maxRows,
    };

    static TransformerOptions TransformerShape(ITokenEnvironment environment, int maxRows) => new()
    {
        VocabularySize = environment.VocabularySize,
        SequenceLength = environment.PromptLength + environment.AnswerLength,
        MaxRows = maxRows,
    };
}
