namespace Delight.Learning;

/// <summary>
/// The per-token quantities every loss reads, computed once per step by the learner (egg's common.py, once):
///   U_r   advantage of row r (broadcast to its tokens)
///   ℓ_rt  = −log π_θ(a_rt), the learner's surprisal (never the actor's)
///   χ_rt  = U_r · ℓ_rt, delight
/// Shapes: rows × tokens (answer tokens per row), row-major.
/// </summary>
public readonly ref struct Signals(
    ReadOnlySpan<float> advantage, ReadOnlySpan<float> surprisal, ReadOnlySpan<float> delight, int rowCount, int tokensPerRow)
{
    public ReadOnlySpan<float> Advantage { get; } = advantage;
    public ReadOnlySpan<float> Surprisal { get; } = surprisal;
    public ReadOnlySpan<float> Delight { get; } = delight;
    public int RowCount { get; } = rowCount;
    public int TokensPerRow { get; } = tokensPerRow;
}
