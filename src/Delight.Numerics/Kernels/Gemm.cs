namespace Delight.Numerics;

/// <summary>
/// General matrix multiply over row-major float32 spans:
///   C[m,n] = op(A)[m,k] · op(B)[k,n]            (accumulate = false)
///   C[m,n] += op(A)[m,k] · op(B)[k,n]           (accumulate = true)
/// op(A) = A stored [m,k], or Aᵀ when <c>transposeA</c> (A stored [k,m]); likewise B stored [k,n] or [n,k].
/// The three variants a Linear layer y = x·Wᵀ (W stored [out,in], PyTorch layout) needs:
///   forward  y[B,out]   = x[B,in]  · W[out,in]ᵀ      transposeB
///   input    dx[B,in]   = dy[B,out]· W[out,in]       none
///   weight   dW[out,in] += dy[B,out]ᵀ · x[B,in]      transposeA, accumulate
/// Every implementation must give results independent of the thread count: each C element is summed over k in
/// ascending order by exactly one thread.
/// </summary>
public abstract class GemmKernel
{
    public abstract string Name { get; }

    public abstract void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int n, int k, bool transposeA = false, bool transposeB = false, bool accumulate = false);

    protected static void CheckShapes(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), $"GEMM sizes must be >= 0 (m={m}, n={n}, k={k}).");
        if (a.Length < (long)m * k) throw new ArgumentException($"A has {a.Length} floats, needs m·k = {(long)m * k}.", nameof(a));
        if (b.Length < (long)k * n) throw new ArgumentException($"B has {b.Length} floats, needs k·n = {(long)k * n}.", nameof(b));
        if (c.Length < (long)m * n) throw new ArgumentException($"C has {c.Length} floats, needs m·n = {(long)m * n}.", nameof(c));
    }
}

/// <summary>The reference: three plain loops, k innermost and ascending, one fused multiply-add per term.</summary>
public sealed class ScalarGemm : GemmKernel
{
    public override string Name => "Scalar";

    public override void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int n, int k, bool transposeA = false, bool transposeB = false, bool accumulate = false)
    {
        CheckShapes(a, b, c, m, n, k);
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = accumulate ? c[i * n + j] : 0f;
                for (var p = 0; p < k; p++)
                {
                    var aip = transposeA ? a[p * m + i] : a[i * k + p];
                    var bpj = transposeB ? b[j * k + p] : b[p * n + j];
                    sum = MathF.FusedMultiplyAdd(aip, bpj, sum);
                }
                c[i * n + j] = sum;
            }
        }
    }
}

/// <summary>The GEMM every layer calls. Defaults to the fastest registered kernel for this machine.</summary>
public static class Gemm
{
    public static GemmKernel Kernel { get; set; } = GemmKernels.Fastest();

    public static void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
        int m, int n, int k, bool transposeA = false, bool transposeB = false, bool accumulate = false)
        => Kernel.MatMul(a, b, c, m, n, k, transposeA, transposeB, accumulate);
}

/// <summary>Registry of GEMM implementations, so tests and benchmarks loop over every one of them.</summary>
public static class GemmKernels
{
    public static IReadOnlyList<GemmKernel> All { get; } = Create();

    /// <summary>
    /// Scalar first (the reference), the default last. Blocked256 runs the Vector256 micro-kernel even where Vector512
    /// is available, so tests cover both SIMD paths; "Blocked" and "BlockedParallel" use the widest accelerated one.
    /// </summary>
    static GemmKernel[] Create()
    {
        var kernels = new List<GemmKernel> { new ScalarGemm() };
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
        {
            var wide = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;
            if (wide) kernels.Add(new BlockedGemm("Blocked256", vector512: false, parallel: false));
            kernels.Add(new BlockedGemm("Blocked", wide, parallel: false));
            kernels.Add(new BlockedGemm("BlockedParallel", wide, parallel: true, adaptive: true));
        }
        return [.. kernels];
    }

    /// <summary>
    /// The kernel to use by default. <c>DELIGHT_GEMM</c> (a kernel name) overrides the choice, for comparisons.
    /// </summary>
    public static GemmKernel Fastest()
    {
        var requested = System.Environment.GetEnvironmentVariable("DELIGHT_GEMM");
        if (!string.IsNullOrEmpty(requested))
        {
            foreach (var kernel in All)
                if (string.Equals(kernel.Name, requested, StringComparison.OrdinalIgnoreCase)) return kernel;
            throw new ArgumentException($"DELIGHT_GEMM='{requested}' names no GEMM kernel; choose one of: {string.Join(", ", All.Select(x => x.Name))}.");
        }
        return All[^1];
    }
}
