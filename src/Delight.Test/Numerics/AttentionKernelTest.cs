using Delight.Numerics;

namespace Delight.Test.Numerics;

/// <summary>
/// The vectorised attention kernels against their scalar references, bit for bit: head widths on and off the vector
/// widths (32, 16, 8, 4, 12), head counts on and off the 4 heads a decode step runs together, sequence lengths around the
/// 8-key blocks and the 4-row groups, and the decode path against the full forward.
/// </summary>
public class AttentionKernelTest
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 64, 4, 19 }, { 64, 4, 20 }, { 32, 2, 4 }, { 48, 3, 12 }, { 48, 4, 9 }, { 64, 2, 11 }, { 16, 2, 8 }, { 8, 2, 9 }, { 24, 2, 17 }, { 32, 2, 1 }, { 64, 8, 33 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void AttentionKernelTest_ForwardAndBackward_MatchScalarReference(int width, int heads, int tokens)
    {
        const int sequences = 3;
        var rng = new Rng((ulong)(width * 100 + tokens));
        var p = new ParameterSet();
        var attention = new CausalSelfAttention(p, "attn", width, heads);
        p.Allocate();
        var qkv = GradientCheck.Random(sequences * tokens * 3 * width, rng, 2.0);
        var dHeads = GradientCheck.Random(sequences * tokens * width, rng);
        var probs = new float[sequences * heads * tokens * tokens];
        var outHeads = new float[sequences * tokens * width];
        var dQkv = new float[qkv.Length];
        dQkv.AsSpan().Fill(float.NaN); // backward overwrites every element: nothing of a previous call may leak in
        attention.AttendForward(qkv, probs, outHeads, sequences, tokens);
        attention.AttendBackward(qkv, probs, dHeads, dQkv, sequences, tokens);

        var probsRef = new float[probs.Length];
        var outRef = new float[outHeads.Length];
        var dQkvRef = new float[dQkv.Length];
        AttentionKernels.ForwardReference(qkv, probsRef, outRef, sequences, tokens, width, heads);
        AttentionKernels.BackwardReference(qkv, probsRef, dHeads, dQkvRef, sequences, tokens, width, heads);
        Assert.Equal(probsRef, probs);
        Assert.Equal(outRef, outHeads);
        Assert.Equal(dQkvRef, dQkv);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void AttentionKernelTest_Decode_BitIdenticalToForward(int width, int heads, int tokens)
    {
        const int sequences = 2;
        var rng = new Rng((ulong)(width + tokens));
        var p = new ParameterSet();
        var attention = new CausalSelfAttention(p, "attn", width, heads);
        p.Allocate();
        var qkv = GradientCheck.Random(sequences * tokens * 3 * width, rng, 2.0);
        var (full, decoded) = ForwardAndDecode(attention, qkv, sequences, tokens, width, heads);
        Assert.Equal(full, decoded);
    }

    /// <summary>
    /// The attention outputs of a teacher-forced forward over whole sequences, and of decoding them one position at a
    /// time through the key/value cache, both in the forward's [sequences, tokens, width] layout.
    /// </summary>
    internal static (float[] Full, float[] Decoded) ForwardAndDecode(CausalSelfAttention attention, float[] qkv, int sequences, int tokens, int width, int heads)
    {
        var full = new float[sequences * tokens * width];
        attention.AttendForward(qkv, new float[sequences * heads * tokens * tokens], full, sequences, tokens);
        var decoded = new float[full.Length];
        float[] keys = new float[attention.KeyCacheLength(sequences, tokens)], values = new float[sequences * tokens * width];
        var stepQkv = new float[sequences * 3 * width];
        var stepOut = new float[sequences * width];
        for (var t = 0; t < tokens; t++)
        {
            for (var b = 0; b < sequences; b++)
                qkv.AsSpan((b * tokens + t) * 3 * width, 3 * width).CopyTo(stepQkv.AsSpan(b * 3 * width));
            attention.AttendDecode(stepQkv, keys, values, stepOut, sequences, t, tokens);
            for (var b = 0; b < sequences; b++)
                stepOut.AsSpan(b * width, width).CopyTo(decoded.AsSpan((b * tokens + t) * width));
        }
        return (full, decoded);
    }

    [Fact]
    public void AttentionKernelTest_DecodePastTheCache_NamesThePosition()
    {
        var p = new ParameterSet();
        var attention = new CausalSelfAttention(p, "attn", 16, 1);
        p.Allocate();
        const int capacity = 4;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => attention.AttendDecode(new float[3 * 16], new float[attention.KeyCacheLength(1, capacity)],
            new float[capacity * 16], new float[16], 1, capacity, capacity));
        Assert.Equal("position", error.ParamName);
        Assert.Contains("[0, 4)", error.Message);
    }

    [Fact]
    public void AttentionKernelTest_SaturatedScores_GiveExactZerosNotSubnormals()
    {
        const int width = 16, heads = 1, tokens = 5;
        var p = new ParameterSet();
        var attention = new CausalSelfAttention(p, "attn", width, heads);
        p.Allocate();
        var qkv = new float[tokens * 3 * width];
        // Query of token 4 huge along the first axis, key of token 0 huge the other way: score 0 − 4 ≈ −10⁴.
        for (var t = 0; t < tokens; t++) { qkv[t * 3 * width] = 100f; qkv[t * 3 * width + width] = t == 0 ? -100f : 0f; }
        var probs = new float[heads * tokens * tokens];
        attention.AttendForward(qkv, probs, new float[tokens * width], 1, tokens);
        Assert.Equal(0f, probs[4 * tokens]);
        Assert.Equal(0, Denormals.CountSubnormal(probs));
    }
}
