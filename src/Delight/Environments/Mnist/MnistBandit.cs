using Delight.Numerics;
using Delight.Policies;

namespace Delight.Environments;

/// <summary>
/// The MNIST contextual bandit: context x = an image as 784 floats pixel/255 ∈ [0, 1]; action a = a digit 0–9;
/// reward r = 1[a = label], else 0. The label goes to whoever computes the reward, never into the policy's input.
/// Training contexts are drawn uniformly with replacement from the 60000 training images; <see cref="TestError"/>
/// scores the greedy policy on all 10000 test images.
/// </summary>
public sealed class MnistBandit
{
    public const int PixelCount = MnistSplit.PixelCount;
    public const int ActionCount = 10;

    /// <summary>Image indices of one batch, reused by every call (sized on first use, grown only for larger batches).</summary>
    int[] _indices = [];

    public MnistBandit(MnistDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Data = data;
    }

    public MnistDataset Data { get; }

    /// <summary>
    /// Draws <paramref name="rows"/> training images uniformly with replacement (one rng.NextInt(60000) per row, in
    /// row order, so a seed fixes the batch). Allocates nothing once warmed up for this batch size.
    /// </summary>
    /// <param name="images">[rows, 784], overwritten with pixel/255</param>
    /// <param name="labels">[rows], overwritten with the digits (for <see cref="Reward"/>, not for the policy)</param>
    public void SampleBatch(Rng rng, int rows, Span<float> images, Span<int> labels)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        if (images.Length < rows * PixelCount)
            throw new ArgumentException($"images holds {images.Length} floats, fewer than rows·784 = {rows}·784.", nameof(images));
        if (labels.Length < rows)
            throw new ArgumentException($"labels holds {labels.Length} slots, fewer than rows = {rows}.", nameof(labels));
        if (_indices.Length < rows) _indices = new int[rows];
        var train = Data.Train;
        var indices = _indices.AsSpan(0, rows);
        for (var r = 0; r < rows; r++)
        {
            var index = rng.NextInt(train.Count);
            indices[r] = index;
            labels[r] = train.Labels[index];
        }
        train.WriteNormalized(indices, images);
    }

    /// <summary>r = 1 when the action is the label, else 0.</summary>
    public static float Reward(int action, int label) => action == label ? 1f : 0f;

    /// <summary>
    /// Classification error of the greedy policy (argmax of its log-probs, lowest digit on ties) over the 10000 test
    /// images, in batches of the policy's MaxRows. Overwrites the policy's stored activations.
    /// </summary>
    public double TestError(MlpPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.InputCount != PixelCount || policy.ActionCount != ActionCount)
            throw new ArgumentException($"the MNIST bandit needs a policy with {PixelCount} inputs and {ActionCount} actions, got {policy.InputCount} and {policy.ActionCount}.", nameof(policy));
        var test = Data.Test;
        var batch = policy.MaxRows;
        var images = new float[batch * PixelCount];
        var wrong = 0;
        for (var start = 0; start < test.Count; start += batch)
        {
            var rows = Math.Min(batch, test.Count - start);
            for (var r = 0; r < rows; r++) test.WriteNormalized(start + r, images.AsSpan(r * PixelCount, PixelCount));
            var logProbs = policy.Forward(images, rows);
            for (var r = 0; r < rows; r++)
                if (Greedy(logProbs.Slice(r * ActionCount, ActionCount)) != test.Labels[start + r]) wrong++;
        }
        return (double)wrong / test.Count;
    }

    static int Greedy(ReadOnlySpan<float> logProbs)
    {
        var best = 0;
        for (var a = 1; a < logProbs.Length; a++)
            if (logProbs[a] > logProbs[best]) best = a;
        return best;
    }
}
