using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Delight.Numerics;

namespace Delight.Benchmarks;

/// <summary>
/// GEMM kernels at the model's shapes (rows are batch tokens). Every Blocked* kernel runs every shape; Scalar runs only
/// the tiny attention shape (it is ~0.5 GFLOP/s, minutes per large shape). The GFLOP/s column is 2·m·n·k / mean time.
/// Run: <c>dotnet run -c Release --project src/Delight.Benchmarks -- --filter *GemmBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(GemmBenchmarksConfig))]
public class GemmBenchmarks
{
    /// <summary>One benchmark case: a registered kernel (by name) at one shape.</summary>
    public sealed record GemmCase(string Kernel, string Shape, int M, int N, int K, bool TransposeA, bool TransposeB, bool Accumulate)
    {
        public double Flops => 2.0 * M * N * K;

        public override string ToString() => $"{Kernel} {Shape}";
    }

    static readonly (string Name, int M, int N, int K, bool TransposeA, bool TransposeB, bool Accumulate)[] Shapes =
    [
        // Transformer learner, 2000 tokens, width 64: forward y = x·Wᵀ (NT), input gradient dx += dy·W (NN),
        // weight gradient dW += dyᵀ·x (TN, k = tokens).
        ("fwd NT 2000x192x64", 2000, 192, 64, false, true, false),
        ("fwd NT 2000x64x64", 2000, 64, 64, false, true, false),
        ("fwd NT 2000x128x64", 2000, 128, 64, false, true, false),
        ("fwd NT 2000x64x128", 2000, 64, 128, false, true, false),
        ("dx NN 2000x64x192", 2000, 64, 192, false, false, true),
        ("dx NN 2000x64x64", 2000, 64, 64, false, false, true),
        ("dW TN 192x64x2000", 192, 64, 2000, true, false, true),
        ("dW TN 64x128x2000", 64, 128, 2000, true, false, true),
        // Decode with a KV cache: 100 rows.
        ("dec NT 100x192x64", 100, 192, 64, false, true, false),
        ("dec NT 100x128x64", 100, 128, 64, false, true, false),
        ("dec NT 100x64x64", 100, 64, 64, false, true, false),
        ("dec NT 100x64x128", 100, 64, 128, false, true, false),
        // MLP.
        ("mlp NT 100x100x784", 100, 100, 784, false, true, false),
        ("mlp NT 100x100x100", 100, 100, 100, false, true, false),
        ("mlp NT 100x10x100", 100, 10, 100, false, true, false),
        ("mlp dW TN 100x784x100", 100, 784, 100, true, false, true),
        // Attention inside one head.
        ("attn NT 20x20x16", 20, 20, 16, false, true, false),
    ];

    const string ScalarShape = "attn NT 20x20x16";

    public static IEnumerable<GemmCase> Cases()
    {
        foreach (var kernel in GemmKernels.All)
            foreach (var s in Shapes)
                if (kernel is not ScalarGemm || s.Name == ScalarShape)
                    yield return new GemmCase(kernel.Name, s.Name, s.M, s.N, s.K, s.TransposeA, s.TransposeB, s.Accumulate);
    }

    [ParamsSource(nameof(Cases))]
    public GemmCase Case { get; set; } = null!;

    GemmKernel _kernel = null!;
    float[] _a = [], _b = [], _c = [];

    [GlobalSetup]
    public void Setup()
    {
        _kernel = GemmKernels.All.Single(k => k.Name == Case.Kernel);
        var rng = new Random(1);
        _a = Random(Case.M * Case.K, rng);
        _b = Random(Case.K * Case.N, rng);
        _c = Random(Case.M * Case.N, rng);
    }

    static float[] Random(int count, Random rng)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
        return values;
    }

    /// <summary>
    /// One call. Accumulating cases keep adding into C; with inputs in [−1, 1] the values stay far from overflow over
    /// any benchmark run, and a growing C costs the same time.
    /// </summary>
    [Benchmark]
    public void MatMul() =>
        _kernel.MatMul(_a, _b, _c, Case.M, Case.N, Case.K, Case.TransposeA, Case.TransposeB, Case.Accumulate);
}

public sealed class GemmBenchmarksConfig : ManualConfig
{
    public GemmBenchmarksConfig()
    {
        AddColumn(new GflopsColumn());
        SummaryStyle = SummaryStyle.Default.WithMaxParameterColumnWidth(48); // show "Kernel shape" untruncated
    }

    /// <summary>GFLOP/s = 2·m·n·k / mean time of one call.</summary>
    sealed class GflopsColumn : IColumn
    {
        public string Id => nameof(GflopsColumn);
        public string ColumnName => "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Billions of floating-point operations (2·m·n·k per call) per second";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var mean = summary[benchmarkCase]?.ResultStatistics?.Mean; // nanoseconds
            var gemmCase = benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<GemmBenchmarks.GemmCase>().FirstOrDefault();
            if (mean is not > 0 || gemmCase is null) return "-";
            return (gemmCase.Flops / mean.Value).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
        }

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
    }
}
