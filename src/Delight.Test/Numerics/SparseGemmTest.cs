using Delight.Numerics;

namespace Delight.Test.Numerics;

/// <summary>
/// <see cref="SparseRows"/> against hand-built compressions, and the sparse forward bit for bit against the dense
/// <see cref="Linear.Forward"/> (the scalar reference GEMM's contract: i ascending, one FMA per term, from +0).
/// </summary>
public class SparseGemmTest
{
    [Fact]
    public void SparseGemmTest_Compress_KeepsNonzerosInColumnOrderAndDropsBothZeros()
    {
        // 2 × 19: crosses a 16-wide block and has a scalar tail; −0 is dropped, NaN and ∞ are kept.
        var m = new float[2 * 19];
        m[0] = 1.5f; m[3] = -0f; m[15] = 2f; m[16] = float.NaN; m[18] = -3f;
        m[19 + 17] = float.PositiveInfinity;
        var sparse = new SparseRows(maxRows: 4, columnCount: 19, maxDensity: 1);

        Assert.True(sparse.TryCompress(m, 2));

        Assert.Equal(2, sparse.RowCount);
        Assert.Equal([0, 4, 5], sparse.Starts.ToArray());
        Assert.Equal([0, 15, 16, 18, 17], sparse.Indices.ToArray());
        Assert.Equal([1.5f, 2f, float.NaN, -3f, float.PositiveInfinity], sparse.Values.ToArray());
    }

    [Fact]
    public void SparseGemmTest_Compress_OverCapacity_RefusesAndHoldsNothing()
    {
        var sparse = new SparseRows(maxRows: 2, columnCount: 40, maxDensity: 0.1); // capacity 8
        var m = new float[2 * 40];
        for (var i = 0; i < 9; i++) m[i * 7] = 1f;

        Assert.Equal(8, sparse.Capacity);
        Assert.False(sparse.TryCompress(m, 2));
        Assert.Equal(0, sparse.RowCount);
        Assert.Equal(0, sparse.NonzeroCount);

        m[7 * 8] = 0f; // eight nonzeros: exactly the capacity
        Assert.True(sparse.TryCompress(m, 2));
        Assert.Equal(8, sparse.NonzeroCount);
    }

    [Fact]
    public void SparseGemmTest_Compress_BadArguments_NameTheField()
    {
        var sparse = new SparseRows(maxRows: 2, columnCount: 4, maxDensity: 0.5);
        Assert.Contains("rows 3", Assert.Throws<ArgumentOutOfRangeException>(() => sparse.TryCompress(new float[12], 3)).Message);
        Assert.Contains("fewer than rows·columns = 8", Assert.Throws<ArgumentException>(() => sparse.TryCompress(new float[7], 2)).Message);
        Assert.Contains("max density", Assert.Throws<ArgumentOutOfRangeException>(() => new SparseRows(2, 4, 0)).Message);
    }

    public static TheoryData<int, int, int, double> Shapes() => new()
    {
        { 100, 784, 100, 0.19 }, // MNIST's fc1
        { 7, 37, 1, 0.3 },       // one output: a single, mostly padding vector
        { 9, 50, 10, 0.5 },
        { 5, 200, 130, 0.1 },    // more than eight vectors: two chunks per row
        { 3, 65, 17, 0.02 },     // rows with no nonzero at all
        { 1, 300, 64, 1.0 },     // dense: every entry kept
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SparseGemmTest_Forward_SameBitsAsDense(int rows, int inputs, int outputs, double density)
    {
        var (layer, x) = Layer(rows, inputs, outputs, density, seed: inputs + outputs);
        var dense = new float[rows * outputs];
        layer.Forward(x, dense, rows);
        var sparse = new SparseRows(rows, inputs, 1);
        Assert.True(sparse.TryCompress(x, rows));
        var y = new float[rows * outputs];

        Assert.True(layer.TryForward(sparse, new SparseGemm(rows, inputs, outputs), y));

        Assert.Equal(Bits(dense), Bits(y));
    }

    [Fact]
    public void SparseGemmTest_Forward_NonFiniteWeight_RefusesAndLeavesOutput()
    {
        var (layer, x) = Layer(4, 30, 12, 0.2, seed: 3);
        layer.Weight.Value[5] = float.PositiveInfinity; // 0·∞ = NaN in the dense product; the sparse one cannot see it
        var sparse = new SparseRows(4, 30, 1);
        sparse.TryCompress(x, 4);
        var y = Enumerable.Repeat(7f, 4 * 12).ToArray();

        Assert.False(layer.TryForward(sparse, new SparseGemm(4, 30, 12), y));

        Assert.All(y, v => Assert.Equal(7f, v));
    }

    [Fact]
    public void SparseGemmTest_Forward_NonFiniteInput_PropagatesLikeDense()
    {
        var (layer, x) = Layer(3, 40, 20, 0.3, seed: 4);
        x[41] = float.NaN;
        x[90] = float.NegativeInfinity;
        var dense = new float[3 * 20];
        layer.Forward(x, dense, 3);
        var sparse = new SparseRows(3, 40, 1);
        sparse.TryCompress(x, 3);
        var y = new float[3 * 20];

        Assert.True(layer.TryForward(sparse, new SparseGemm(3, 40, 20), y));

        Assert.Equal(Bits(dense), Bits(y));
    }

    [Fact]
    public void SparseGemmTest_Forward_MismatchedShapes_NameTheField()
    {
        var (layer, x) = Layer(2, 10, 5, 0.5, seed: 5);
        var sparse = new SparseRows(2, 10, 1);
        sparse.TryCompress(x, 2);
        Assert.Contains("made for 10 → 6", Assert.Throws<ArgumentException>(() => layer.TryForward(sparse, new SparseGemm(2, 10, 6), new float[10])).Message);
        Assert.Contains("2 rows exceed the 1", Assert.Throws<ArgumentException>(() => layer.TryForward(sparse, new SparseGemm(1, 10, 5), new float[10])).Message);
        Assert.Contains("fewer than N·O = 10", Assert.Throws<ArgumentException>(() => layer.TryForward(sparse, new SparseGemm(2, 10, 5), new float[9])).Message);
    }

    [Fact]
    public void SparseGemmTest_MlpForward_SparseAndDensePathsGiveTheSameLogProbs()
    {
        // The policy takes the sparse fc1 only when the shared pool cannot split (busy here, from another thread).
        var policy = new Delight.Policies.MlpPolicy(new Delight.Policies.MlpOptions { MaxRows = 20 });
        policy.Initialize(new Rng(8));
        var (_, images) = Layer(20, 784, 1, 0.19, seed: 9);
        var free = Bits(policy.Forward(images, 20).ToArray());
        float[] busy;
        using (new BusyPool())
            busy = policy.Forward(images, 20).ToArray();

        Assert.Equal(free, Bits(busy));
    }

    static (Linear Layer, float[] X) Layer(int rows, int inputs, int outputs, double density, int seed)
    {
        var parameters = new ParameterSet();
        var layer = new Linear(parameters, "fc", inputs, outputs, bias: true);
        parameters.Allocate();
        var rng = new Rng((ulong)seed);
        layer.Initialize(rng);
        foreach (ref var b in layer.Bias!.Value) b = (float)(rng.NextDouble() - 0.5);
        var x = new float[rows * inputs];
        for (var i = 0; i < x.Length; i++)
            x[i] = rng.NextDouble() < density ? (float)(rng.NextDouble() * 2 - 0.5) : (i % 3 == 0 ? -0f : 0f);
        return (layer, x);
    }

    static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
}
