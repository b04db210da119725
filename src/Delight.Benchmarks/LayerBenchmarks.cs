using BenchmarkDotNet.Attributes;
using Delight.Numerics;

namespace Delight.Benchmarks;

/// <summary>Each layer's forward and backward at the transformer's learner shape (2000 tokens, width 64).</summary>
[MemoryDiagnoser]
public class LayerBenchmarks
{
    const int Tokens = 2000, Width = 64, Ff = 128, Heads = 4, Sequences = 100, Positions = 20;
    Linear _linear = null!;
    LayerNorm _layerNorm = null!;
    CausalSelfAttention _attention = null!;
    float[] _x = null!, _y = null!, _dy = null!, _dx = null!, _mean = null!, _rstd = null!, _qkv = null!, _probs = null!, _heads = null!, _dQkv = null!, _scratch = null!;

    [GlobalSetup]
    public void Setup()
    {
        var p = new ParameterSet();
        _linear = new Linear(p, "fc", Width, Ff, bias: false);
        _layerNorm = new LayerNorm(p, "ln", Width);
        _attention = new CausalSelfAttention(p, "attn", Width, Heads);
        p.Allocate();
        var rng = new Rng(1);
        _linear.Initialize(rng);
        _layerNorm.Initialize();
        _x = Fill(Tokens * Width, rng);
        _y = new float[Tokens * Ff];
        _dy = Fill(Tokens * Ff, rng);
        _dx = new float[Tokens * Width];
        _mean = new float[Tokens];
        _rstd = new float[Tokens];
        _qkv = Fill(Tokens * 3 * Width, rng);
        _probs = new float[Sequences * Heads * Positions * Positions];
        _heads = new float[Tokens * Width];
        _dQkv = new float[Tokens * 3 * Width];
        _scratch = new float[2 * Width];
    }

    static float[] Fill(int n, Rng rng)
    {
        var a = new float[n];
        for (var i = 0; i < n; i++) a[i] = (float)rng.NextNormal();
        return a;
    }

    [Benchmark] public void LinearForward() => _linear.Forward(_x, _y, Tokens);
    [Benchmark] public void LinearBackward() => _linear.Backward(_x, _dy, _dx, Tokens);
    [Benchmark] public void LayerNormForward() => _layerNorm.Forward(_x, _dx, _mean, _rstd, Tokens);
    [Benchmark] public void LayerNormBackward() => _layerNorm.Backward(_x, _mean, _rstd, _x, _dx, _scratch, Tokens);
    [Benchmark] public void AttentionForward() => _attention.AttendForward(_qkv, _probs, _heads, Sequences, Positions);
    [Benchmark] public void AttentionBackward() => _attention.AttendBackward(_qkv, _probs, _heads, _dQkv, Sequences, Positions);
}
