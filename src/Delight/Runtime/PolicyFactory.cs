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
    public static ISequencePolicy Create(ITokenEnvironment environment, int maxRows)
    {
        if (environment.Features is { } features)
            return new FeaturePolicy(new MlpPolicy(new MlpOptions
            {
                InputCount = features.FeatureCount,
                HiddenWidths = [100, 100],
                ActionCount = environment.VocabularySize,
                MaxRows = maxRows,
            }), features);
        if (environment.Bandit is not null)
            return new TabularSoftmaxPolicy(new TabularOptions
            {
                ContextCount = environment.PromptVocabularySize,
                ActionCount = environment.VocabularySize,
                MaxRows = maxRows,
            });
        return new TransformerPolicy(new TransformerOptions
        {
            VocabularySize = environment.VocabularySize,
            SequenceLength = environment.PromptLength + environment.AnswerLength,
            MaxRows = maxRows,
        });
    }
}
