using Delight.Numerics;

namespace Delight.Policies;

/// <summary>
/// What every policy offers the learner: parameters in one buffer, a forward pass that stores its activations and
/// the log-probs of the recorded actions, and a backward pass over any subset of the rows that forward saw.
/// </summary>
public interface IPolicy
{
    /// <summary>"transformer", "mlp" or "tabular": the checkpoint's <c>policy</c> metadata.</summary>
    string Kind { get; }
    ParameterSet Parameters { get; }
    /// <summary>Architecture as strings, written to checkpoint metadata and checked on load.</summary>
    IReadOnlyDictionary<string, string> Metadata { get; }
    /// <summary>Scored actions per row in the last forward (answer tokens for a sequence, 1 for a bandit).</summary>
    int ActionsPerRow { get; }
    /// <summary>Log-probs of the recorded actions from the last forward, [rows, ActionsPerRow].</summary>
    ReadOnlySpan<float> ActionLogProbs { get; }

    /// <summary>
    /// Accumulates into <see cref="ParameterSet.Gradients"/> the gradient of Σ dLogProbs[k, j]·log π(action j of
    /// row rows[k]), reusing the activations the last forward stored. Rows not listed cost nothing; the result equals
    /// a full backward with zero upstream gradient on them.
    /// </summary>
    /// <param name="rows">row indices from the last forward, ascending, no repeats</param>
    /// <param name="dLogProbs">[rows.Length, ActionsPerRow]</param>
    void Backward(ReadOnlySpan<int> rows, ReadOnlySpan<float> dLogProbs);

    /// <summary>Policy entropy of every scored position from the last forward, [rows, ActionsPerRow].</summary>
    void Entropies(Span<float> destination);
}
