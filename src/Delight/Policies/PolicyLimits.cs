namespace Delight.Policies;

/// <summary>
/// The largest models Delight builds. Each options record checks its shape against these before anything is
/// allocated, so a flag or a checkpoint's metadata that implies an absurd model is refused with a message instead of
/// reserving gigabytes or overflowing an arena (issue 15).
/// </summary>
public static class PolicyLimits
{
    /// <summary>Trainable floats (1 GiB of values; the gradients and Adam's two moments take as much again each).</summary>
    public const long MaxParameters = 1L << 28;
    /// <summary>Floats of one activation arena (2 GiB).</summary>
    public const long MaxActivations = int.MaxValue / 4;
}
