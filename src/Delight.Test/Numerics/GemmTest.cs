using System.Collections.Concurrent;
using Delight.Numerics;

namespace Delight.Test.Numerics;

/// <summary>
/// Every registered GEMM kernel against <see cref="ScalarGemm"/>, over awkward sizes, the model's shapes (at reduced
/// row counts), all four transpose combinations and both accumulate modes; thread-count independence; no allocation.
/// </summary>
public class GemmTest
{
    static readonly (int M, int N, int K)[] Shapes = BuildShapes();

    static (int, int, int)[] BuildShapes()
    {
        var shapes = new List<(int, int, int)>();
        int[] sizes = [1, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 100, 129];
        foreach (var s in sizes)
        {
            shapes.Add((s, s, s));
            shapes.Add((s, 17, 33));
            shapes.Add((33, s, 9));
            shapes.Add((9, 31, s));
        }
        // k = 0 (C zeroed or kept), empty m or n, a single element.
        shapes.AddRange([(5, 7, 0), (0, 7, 5), (7, 0, 5), (0, 0, 0), (1, 1, 1)]);
        // The model's shapes at reduced row counts: transformer forward / backward / weight gradient, decode, MLP,
        // attention inside one head; k > 256 (several k blocks) and n > 512 with deep k (several column blocks).
        shapes.AddRange([
            (200, 192, 64), (200, 64, 64), (200, 128, 64), (200, 64, 128), (200, 64, 192),
            (192, 64, 200), (64, 64, 300), (100, 192, 64), (100, 10, 100), (20, 784, 100), (30, 100, 784),
            (20, 20, 16), (20, 16, 20), (9, 700, 300), (13, 40, 1000),
            // Long B rows (packed even untransposed) with a ragged last panel, several column and k blocks, and a
            // ragged last row tile of a long-rowed transposed A (packed per row tile).
            (137, 530, 600),
        ]);
        return [.. shapes.Distinct()];
    }

    public static TheoryData<string, int, int, int> KernelShapes()
    {
        var data = new TheoryData<string, int, int, int>();
        foreach (var kernel in GemmKernels.All)
        {
            if (kernel is ScalarGemm) continue;
            foreach (var (m, n, k) in Shapes) data.Add(kernel.Name, m, n, k);
        }
        return data;
    }

    static GemmKernel Kernel(string name) => GemmKernels.All.Single(k => k.Name == name);

    /// <summary>Deterministic inputs for one shape; spans longer than needed (trailing sentinel floats).</summary>
    sealed record Inputs(float[] A, float[] B, float[] C);

    const int Slack = 5;
    const float Sentinel = 12345f;

    static Inputs MakeInputs(int m, int n, int k, int seed)
    {
        var rng = new Random(seed);
        float[] Fill(int count)
        {
            var values = new float[count + Slack];
            for (var i = 0; i < count; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
            for (var i = count; i < values.Length; i++) values[i] = Sentinel;
            return values;
        }
        return new Inputs(Fill(m * k), Fill(k * n), Fill(m * n));
    }

    static readonly ConcurrentDictionary<(int, int, int, bool, bool, bool), float[]> References = new();

    /// <summary>ScalarGemm's result, computed once per case and shared by the kernels.</summary>
    static float[] Reference(int m, int n, int k, bool ta, bool tb, bool acc) =>
        References.GetOrAdd((m, n, k, ta, tb, acc), key =>
        {
            var inputs = MakeInputs(m, n, k, Seed(m, n, k));
            var c = (float[])inputs.C.Clone();
            new ScalarGemm().MatMul(inputs.A, inputs.B, c, m, n, k, ta, tb, acc);
            return c;
        });

    static int Seed(int m, int n, int k) => (m * 1000 + n) * 1000 + k;

    static IEnumerable<(bool TransposeA, bool TransposeB, bool Accumulate)> Variants()
    {
        foreach (var ta in new[] { false, true })
            foreach (var tb in new[] { false, true })
                foreach (var acc in new[] { false, true })
                    yield return (ta, tb, acc);
    }

    [Theory]
    [MemberData(nameof(KernelShapes))]
    public void GemmTest_MatMul_MatchesScalar(string kernelName, int m, int n, int k)
    {
        var kernel = Kernel(kernelName);
        var inputs = MakeInputs(m, n, k, Seed(m, n, k));
        foreach (var (ta, tb, acc) in Variants())
        {
            var c = (float[])inputs.C.Clone();
            kernel.MatMul(inputs.A, inputs.B, c, m, n, k, ta, tb, acc);
            var expected = Reference(m, n, k, ta, tb, acc);
            var label = $"{kernelName} m={m} n={n} k={k} transposeA={ta} transposeB={tb} accumulate={acc}";
            for (var i = m * n; i < c.Length; i++) Assert.True(c[i] == Sentinel, $"{label}: wrote past m·n at {i}");
            if (kernel is BlockedGemm)
            {
                // BlockedGemm keeps the scalar reference's order of fused multiply-adds per element: bit-identical.
                AssertExact(expected, c, label);
            }
            else
            {
                // Other kernels need only agree closely: |Δ| ≤ 1e-5·(Σ|a·b| + |c|) per element.
                var bound = ProductMagnitudes(inputs, m, n, k, ta, tb, acc);
                for (var i = 0; i < m * n; i++)
                    Assert.True(Math.Abs(c[i] - expected[i]) <= 1e-5 * bound[i] + 1e-30, $"{label}: C[{i}] = {c[i]}, scalar {expected[i]}");
            }
        }
    }

    static double[] ProductMagnitudes(Inputs x, int m, int n, int k, bool ta, bool tb, bool acc)
    {
        var bound = new double[m * n];
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
            {
                double sum = acc ? Math.Abs(x.C[i * n + j]) : 0;
                for (var p = 0; p < k; p++)
                    sum += Math.Abs((double)(ta ? x.A[p * m + i] : x.A[i * k + p]) * (tb ? x.B[j * k + p] : x.B[p * n + j]));
                bound[i * n + j] = sum;
            }
        return bound;
    }

    static void AssertExact(float[] expected, float[] actual, string label)
    {
        for (var i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{label}: element {i} is {actual[i]:R}, expected {expected[i]:R} bit for bit");
    }

    [Fact]
    public void GemmTest_Registry_ScalarFirstAndBlockedVariantsPresent()
    {
        Assert.IsType<ScalarGemm>(GemmKernels.All[0]);
        var names = GemmKernels.All.Select(k => k.Name).ToArray();
        Assert.Equal(names.Length, names.Distinct().Count());
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
        {
            Assert.Contains("Blocked", names);
            Assert.Contains("BlockedParallel", names);
        }
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated) Assert.Contains("Blocked256", names);
    }

    [Fact]
    public void GemmTest_MatMul_KZeroWritesZerosOrKeepsC()
    {
        foreach (var kernel in GemmKernels.All)
        {
            var c = new float[] { 1, 2, 3, 4, 5, 6, 7 };
            kernel.MatMul([], [], c, 2, 3, 0, accumulate: true);
            Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6, 7 }, c);
            kernel.MatMul([], [], c, 2, 3, 0);
            Assert.Equal(new float[] { 0, 0, 0, 0, 0, 0, 7 }, c);
            kernel.MatMul([], [], c, 0, 3, 0);
            kernel.MatMul([1, 2], [], c, 2, 0, 1);
            Assert.Equal(new float[] { 0, 0, 0, 0, 0, 0, 7 }, c);
        }
    }

    [Fact]
    public void GemmTest_MatMul_ShortSpansThrow()
    {
        foreach (var kernel in GemmKernels.All)
        {
            Assert.ThrowsAny<ArgumentException>(() => kernel.MatMul(new float[5], new float[6], new float[4], 2, 2, 3));
            Assert.ThrowsAny<ArgumentException>(() => kernel.MatMul(new float[6], new float[5], new float[4], 2, 2, 3));
            Assert.ThrowsAny<ArgumentException>(() => kernel.MatMul(new float[6], new float[6], new float[3], 2, 2, 3));
            Assert.Throws<ArgumentOutOfRangeException>(() => kernel.MatMul(new float[6], new float[6], new float[4], -1, 2, 3));
        }
    }

    /// <summary>Parallel kernels forced to split even small problems, over pools of 2, 3 and 4 threads.</summary>
    public static TheoryData<int, bool> ForcedParallelCases()
    {
        var data = new TheoryData<int, bool>();
        foreach (var threads in new[] { 2, 3, 4 })
            foreach (var wide in new[] { false, true })
                if (!wide || System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
                    data.Add(threads, wide);
        return data;
    }

    [Theory]
    [MemberData(nameof(ForcedParallelCases))]
    public void GemmTest_Parallel_BitIdenticalToSerial(int threads, bool vector512)
    {
        if (!System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) return;
        using var pool = new WorkerPool(threads);
        var serial = new BlockedGemm("serial", vector512, parallel: false);
        var parallel = new BlockedGemm("parallel", vector512, parallel: true, pool, parallelMinFlops: 0);
        (int, int, int)[] shapes = [(1, 1, 1), (7, 9, 5), (17, 100, 33), (129, 65, 63), (100, 10, 100), (9, 700, 300),
            (2000, 192, 64), (192, 64, 2000), (100, 192, 64), (20, 20, 16)];
        foreach (var (m, n, k) in shapes)
        {
            var inputs = MakeInputs(m, n, k, Seed(m, n, k));
            foreach (var (ta, tb, acc) in Variants())
            {
                var expected = (float[])inputs.C.Clone();
                serial.MatMul(inputs.A, inputs.B, expected, m, n, k, ta, tb, acc);
                var actual = (float[])inputs.C.Clone();
                parallel.MatMul(inputs.A, inputs.B, actual, m, n, k, ta, tb, acc);
                AssertExact(expected, actual, $"{threads} threads m={m} n={n} k={k} ta={ta} tb={tb} acc={acc}");
            }
        }
    }

    [Fact]
    public void GemmTest_Registered_ParallelEqualsSerialAtModelShapes()
    {
        var serial = GemmKernels.All.FirstOrDefault(k => k.Name == "Blocked");
        var parallel = GemmKernels.All.FirstOrDefault(k => k.Name == "BlockedParallel");
        if (serial is null || parallel is null) return;
        (int M, int N, int K, bool TA, bool TB, bool Acc)[] cases =
            [(2000, 192, 64, false, true, false), (2000, 64, 192, false, false, true), (192, 64, 2000, true, false, true),
             (100, 100, 784, false, true, false), (100, 784, 100, true, false, true)];
        foreach (var (m, n, k, ta, tb, acc) in cases)
        {
            var inputs = MakeInputs(m, n, k, 7);
            var expected = (float[])inputs.C.Clone();
            serial.MatMul(inputs.A, inputs.B, expected, m, n, k, ta, tb, acc);
            var actual = (float[])inputs.C.Clone();
            parallel.MatMul(inputs.A, inputs.B, actual, m, n, k, ta, tb, acc);
            AssertExact(expected, actual, $"m={m} n={n} k={k}");
        }
    }

    [Fact]
    public void GemmTest_Parallel_ConcurrentCallersGetCorrectResults()
    {
        if (!System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated) return;
        using var pool = new WorkerPool(3);
        var serial = new BlockedGemm("serial", System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, parallel: false);
        var parallel = new BlockedGemm("parallel", serial.UsesVector512, parallel: true, pool, parallelMinFlops: 0);
        const int m = 67, n = 45, k = 33;
        var inputs = MakeInputs(m, n, k, 3);
        var expected = (float[])inputs.C.Clone();
        serial.MatMul(inputs.A, inputs.B, expected, m, n, k, false, true, true);
        var failures = 0;
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            var c = new float[inputs.C.Length];
            for (var iteration = 0; iteration < 300; iteration++)
            {
                inputs.C.CopyTo(c, 0);
                parallel.MatMul(inputs.A, inputs.B, c, m, n, k, false, true, true);
                if (!c.AsSpan().SequenceEqual(expected)) Interlocked.Increment(ref failures);
            }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        Assert.Equal(0, failures);
    }

    [Fact]
    public void GemmTest_MatMul_WarmCallsAllocateNothing()
    {
        (int M, int N, int K, bool TA, bool TB, bool Acc)[] cases =
            [(20, 20, 16, false, true, false), (100, 100, 100, false, false, true), (2000, 192, 64, false, true, false),
             (192, 64, 2000, true, false, true)];
        foreach (var kernel in GemmKernels.All)
        {
            foreach (var (m, n, k, ta, tb, acc) in cases)
            {
                if (kernel is ScalarGemm && m * n * k > 100_000) continue;
                var a = new float[m * k];
                var b = new float[k * n];
                var c = new float[m * n];
                var calls = m * n * k > 1_000_000 ? 10 : 100;
                // Past tiered-JIT promotion (30 calls), whose call counting and recompilation can allocate on this thread:
                // with 3 warm-up calls, a clean-clone CI run once saw 3,848 bytes over the 100 measured calls.
                for (var i = 0; i < 40; i++) kernel.MatMul(a, b, c, m, n, k, ta, tb, acc);
                var before = GC.GetAllocatedBytesForCurrentThread();
                for (var i = 0; i < calls; i++) kernel.MatMul(a, b, c, m, n, k, ta, tb, acc);
                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.True(allocated == 0, $"{kernel.Name} m={m} n={n} k={k}: {allocated} bytes over {calls} calls");
            }
        }
    }

    sealed class RecordingJob(int parts) : IParallelJob
    {
        public readonly int[] Runs = new int[parts];
        public int ThrowOn = -1;

        public void Execute(int part)
        {
            Interlocked.Increment(ref Runs[part]);
            if (part == ThrowOn) throw new InvalidOperationException("part " + part);
        }
    }

    [Fact]
    public void GemmTest_WorkerPool_RunsEveryPartOnce()
    {
        using var pool = new WorkerPool(3);
        foreach (var parts in new[] { 1, 2, 3, 7, 64 })
        {
            var job = new RecordingJob(parts);
            for (var i = 0; i < 200; i++) pool.Run(parts, job);
            Assert.All(job.Runs, count => Assert.Equal(200, count));
        }
        pool.Run(0, new RecordingJob(1));
    }

    [Fact]
    public void GemmTest_WorkerPool_RethrowsAfterAllPartsRan()
    {
        using var pool = new WorkerPool(2);
        var job = new RecordingJob(5) { ThrowOn = 3 };
        var error = Assert.Throws<InvalidOperationException>(() => pool.Run(5, job));
        Assert.Equal("part 3", error.Message);
        Assert.All(job.Runs, count => Assert.Equal(1, count));
        job.ThrowOn = -1;
        pool.Run(5, job); // still usable
        Assert.All(job.Runs, count => Assert.Equal(2, count));
    }

    sealed class NestingJob(WorkerPool pool) : IParallelJob
    {
        public readonly RecordingJob Inner = new(4);

        public void Execute(int part) => pool.Run(4, Inner); // the pool is busy: runs serially, no deadlock
    }

    [Fact]
    public void GemmTest_WorkerPool_NestedAndConcurrentRunsComplete()
    {
        using var pool = new WorkerPool(2) { SpinMicroseconds = 0 };
        var nesting = new NestingJob(pool);
        pool.Run(3, nesting);
        Assert.All(nesting.Inner.Runs, count => Assert.Equal(3, count));

        var jobs = Enumerable.Range(0, 4).Select(_ => new RecordingJob(6)).ToArray();
        var threads = jobs.Select(job => new Thread(() => { for (var i = 0; i < 500; i++) pool.Run(6, job); })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        Assert.All(jobs, job => Assert.All(job.Runs, count => Assert.Equal(500, count)));
    }
}
