using Delight.Numerics;
using Delight.Policies;

namespace Delight.Environments;

/// <summary>
/// The MNIST contextual bandit as a one-step task (papers.md §1.3(a)): the prompt is one context id — an image — and
/// the answer one action, a digit 0–9, rewarded 1 when it is the image's label, else 0. Ids [0, 60000) are the
/// training images, which prompts are drawn from uniformly; ids [60000, 70000) are the test images, the held-out set
/// whose greedy classification error is this task's error. The policy sees only pixels (<see cref="WriteFeatures"/>);
/// the label stays with the reward.
/// </summary>
public sealed class MnistEnvironment : ITokenEnvironment, ISupervisedTask, IContextFeatures, IHeldOutPrompts
{
    public ISupervisedTask? Targets => this;
    public IHeldOutPrompts? HeldOut => this;
    public Policies.IContextFeatures? Features => this;
    public MnistEnvironment(MnistDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Data = data;
    }

    public MnistDataset Data { get; }
    public string Name => "mnist";
    public int VocabularySize => MnistBandit.ActionCount;
    public int PromptVocabularySize => Data.Train.Count + Data.Test.Count;
    public int PromptLength => 1;
    public int AnswerLength => 1;
    public int FeatureCount => MnistSplit.PixelCount;
    public int HeldOutCount => Data.Test.Count;

    public void SamplePrompt(Rng rng, Span<int> prompt) => prompt[0] = rng.NextInt(Data.Train.Count);

    public float Reward(ReadOnlySpan<int> prompt, ReadOnlySpan<int> answer, Rng rng) => MnistBandit.Reward(answer[0], Label(prompt[0]));

    public void WriteTarget(ReadOnlySpan<int> prompt, Span<int> answer) => answer[0] = Label(prompt[0]);

    public void WriteHeldOutPrompt(int index, Span<int> prompt)
    {
        if ((uint)index >= (uint)HeldOutCount) throw new ArgumentOutOfRangeException(nameof(index), $"held-out index {index} is outside [0, {HeldOutCount}).");
        prompt[0] = Data.Train.Count + index;
    }

    /// <summary>pixel/255 of each image, [contexts, 784].</summary>
    public void WriteFeatures(ReadOnlySpan<int> contexts, Span<float> features)
    {
        for (var r = 0; r < contexts.Length; r++)
        {
            var (split, index) = Locate(contexts[r]);
            split.WriteNormalized(index, features.Slice(r * MnistSplit.PixelCount, MnistSplit.PixelCount));
        }
    }

    int Label(int context)
    {
        var (split, index) = Locate(context);
        return split.Labels[index];
    }

    (MnistSplit Split, int Index) Locate(int context)
    {
        var train = Data.Train.Count;
        if ((uint)context < (uint)train) return (Data.Train, context);
        if ((uint)(context - train) < (uint)Data.Test.Count) return (Data.Test, context - train);
        throw new ArgumentOutOfRangeException(nameof(context), $"MNIST context {context} is outside [0, {PromptVocabularySize}) (60000 training then 10000 test images).");
    }
}
