using BenchmarkDotNet.Attributes;
using Delight.Diagnostics;

namespace Delight.Benchmarks;

/// <summary>The actor and learner steps `delight bench` reports, under BenchmarkDotNet's statistics.</summary>
[MemoryDiagnoser]
public class StepBenchmarks
{
    ReversalWorkload _fresh = null!;
    ReversalWorkload _peaked = null!;
    MnistWorkload _mnist = null!;

    [GlobalSetup]
    public void Setup()
    {
        _fresh = new ReversalWorkload();
        _peaked = new ReversalWorkload(peaked: true);
        _mnist = new MnistWorkload();
    }

    [Benchmark(Description = "reversal sample 100×(10+10), KV cache")]
    public void ReversalSample() => _fresh.Sample();

    [Benchmark(Description = "reversal sample, peaked policy")]
    public void ReversalSamplePeaked() => _peaked.Sample();

    [Benchmark(Description = "reversal learn fwd+bwd+Adam 100×20")]
    public void ReversalLearn() => _fresh.Learn();

    [Benchmark(Description = "reversal learn, peaked policy")]
    public void ReversalLearnPeaked() => _peaked.Learn();

    [Benchmark(Description = "reversal DG step (sample + learn)")]
    public void ReversalDgStep() => _fresh.DgStep();

    [Benchmark(Description = "MNIST DG step, batch 100")]
    public void MnistDgStep() => _mnist.DgStep();
}
