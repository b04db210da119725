using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Delight.Diagnostics;
using Delight.Numerics;

namespace Delight.Cli.Commands;

/// <summary>
/// delight bench [--json] [--quick] [--size d,layers,heads,ff,L | --sizes] [--phases]: throughput of the workloads the
/// papers' experiments repeat, in one process. Each is warmed up, then run repeatedly for a fixed time; the figure is
/// completed units per second. --size / --sizes measure sampling and learning at other model sizes (steps/s and
/// achieved GFLOP/s); --phases adds where a learner step and a sampling call spend their time.
/// </summary>
static class BenchCommand
{
    public static Command Create(TextWriter output)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var quick = new Option<bool>("--quick") { Description = "Shorter measurement (a smoke check; noisier figures)." };
        var size = new Option<string?>("--size")
        {
            Description = "Only sampling and learning at this transformer size: d,layers,heads,ff,L (e.g. 256,6,8,1024,64).",
        };
        var sizes = new Option<bool>("--sizes") { Description = "Only sampling and learning at each size of the built-in matrix (d = 64 … 512)." };
        var cpu = new Option<bool>("--cpu-time")
        {
            Description = "Rates per second of this process's CPU time instead of wall-clock: steadier on a shared, busy machine (use with DELIGHT_THREADS=1).",
        };
        var phases = new Option<bool>("--phases") { Description = "Also time each phase of a learner step and of sampling (at --size, or d = 64)." };
        var command = new Command("bench", "Measure sampling, learning and DG step throughput, GFLOP/s, and (with --phases) where the time goes.")
        {
            json, quick, size, sizes, phases, cpu,
        };
        command.SetAction(parse =>
        {
            var seconds = parse.GetValue(quick) ? 0.4 : 3.0;
            s_cpuTime = parse.GetValue(cpu);
            var sizeText = parse.GetValue(size);
            var one = sizeText is null ? null : ModelSize.Parse(sizeText);
            if (one is not null && parse.GetValue(sizes))
                throw new Delight.Runtime.OptionException("--size", "--size and --sizes both choose the sizes to measure; give one of them.");
            var results = new List<(string Name, double Value)>();
            if (one is not null) MeasureSize(one, seconds, results);
            else if (parse.GetValue(sizes)) foreach (var s in ModelSize.Matrix) MeasureSize(s, seconds, results);
            else Measure(seconds, results);
            if (parse.GetValue(phases)) MeasurePhases(one ?? ModelSize.Default, seconds, results);
            if (parse.GetValue(json)) output.WriteLine(ToJson(results));
            else foreach (var (name, value) in results) output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-44} {value,12:F2}"));
            return 0;
        });
        return command;
    }

    static void Measure(double seconds, List<(string, double)> results)
    {
        var fresh = new ReversalWorkload();
        results.Add(("reversal_sample_per_s", PerSecond(fresh.Sample, seconds)));
        results.Add(("reversal_learn_per_s", PerSecond(fresh.Learn, seconds)));
        results.Add(("reversal_dg_steps_per_s", PerSecond(() => fresh.DgStep(), seconds)));
        fresh.Forward();
        results.Add(("reversal_forward_ms", 1000 / PerSecond(fresh.Forward, seconds)));
        fresh.Forward();
        results.Add(("reversal_backward_ms", 1000 / PerSecond(fresh.Backward, seconds)));
        results.Add(("reversal_dg_learn_ms", 1000 / PerSecond(fresh.DgLearn, seconds)));
        results.Add(("kondo10_learn_ms", 1000 / PerSecond(() => fresh.KondoLearn(), seconds)));
        results.Add(("kondo10_speculative_learn_ms", 1000 / PerSecond(() => fresh.KondoSpeculativeLearn(), seconds)));
        var kondo = new ReversalWorkload();
        results.Add(("kondo10_steps_per_s", PerSecond(() => kondo.KondoStep(), seconds)));
        var peaked = new ReversalWorkload(peaked: true);
        results.Add(("reversal_sample_peaked_per_s", PerSecond(peaked.Sample, seconds)));
        results.Add(("reversal_learn_peaked_per_s", PerSecond(peaked.Learn, seconds)));
        var mnist = new MnistWorkload();
        results.Add(("mnist_dg_steps_per_s", PerSecond(mnist.DgStep, seconds)));
        results.Add(("gemm_gflops", GemmGflops(seconds)));
        results.Add(("reversal_learn_gflops", PerSecond(fresh.Learn, seconds / 2) * fresh.LearnFlops() / 1e9));
    }

    /// <summary>Sampling and learning at one size: units per second and achieved GFLOP/s (the peer's FLOP formula).</summary>
    static void MeasureSize(ModelSize size, double seconds, List<(string, double)> results)
    {
        var workload = new ReversalWorkload(size: size);
        var sample = PerSecond(workload.Sample, seconds);
        var learn = PerSecond(workload.Learn, seconds);
        results.Add((size.Name + "_params", workload.Policy.Parameters.Count));
        results.Add((size.Name + "_sample_per_s", sample));
        results.Add((size.Name + "_sample_gflops", sample * workload.SampleFlops() / 1e9));
        results.Add((size.Name + "_learn_per_s", learn));
        results.Add((size.Name + "_learn_gflops", learn * workload.LearnFlops() / 1e9));
    }

    /// <summary>
    /// Milliseconds per learner step and per sampling call in each phase (<see cref="PhaseTimer"/>), over as many
    /// calls as fit in the measuring time. Phases inside parallel parts add up every thread's time.
    /// </summary>
    static void MeasurePhases(ModelSize size, double seconds, List<(string, double)> results)
    {
        var workload = new ReversalWorkload(size: size);
        foreach (var (unit, work) in new (string, Action)[] { ("learn", workload.Learn), ("sample", workload.Sample) })
        {
            PerSecond(work, seconds / 4); // warm
            PhaseTimer.Reset();
            PhaseTimer.Enabled = true;
            var clock = Stopwatch.StartNew();
            var calls = 0;
            try
            {
                do { work(); calls++; } while (clock.Elapsed.TotalSeconds < seconds);
            }
            finally
            {
                PhaseTimer.Enabled = false;
            }
            results.Add(($"phase_{unit}_total_ms", clock.Elapsed.TotalMilliseconds / calls));
            foreach (var phase in Enum.GetValues<StepPhase>())
                if (PhaseTimer.Calls(phase) > 0)
                    results.Add(($"phase_{unit}_{Snake(phase.ToString())}_ms", PhaseTimer.Milliseconds(phase) / calls));
        }
    }

    static string Snake(string name)
    {
        var text = new System.Text.StringBuilder();
        foreach (var ch in name)
        {
            if (char.IsUpper(ch) && text.Length > 0) text.Append('_');
            text.Append(char.ToLowerInvariant(ch));
        }
        return text.ToString();
    }

    /// <summary>GFLOP/s over the transformer's and the MLP's GEMM shapes (forward, input and weight gradients).</summary>
    static double GemmGflops(double seconds)
    {
        (int M, int N, int K, bool TA, bool TB)[] shapes =
        [
            (2000, 192, 64, false, true), (2000, 128, 64, false, true), (2000, 64, 128, false, true),
            (2000, 64, 192, false, false), (192, 64, 2000, true, false), (128, 64, 2000, true, false),
            (100, 192, 64, false, true), (100, 100, 784, false, true), (100, 784, 100, true, false),
        ];
        var size = shapes.Max(s => Math.Max((long)s.M * s.K, Math.Max((long)s.K * s.N, (long)s.M * s.N)));
        var a = new float[size];
        var b = new float[size];
        var c = new float[size];
        var rng = new Rng(1);
        for (var i = 0; i < size; i++) { a[i] = rng.NextFloat() - 0.5f; b[i] = rng.NextFloat() - 0.5f; }
        var flops = shapes.Sum(s => 2.0 * s.M * s.N * s.K);
        var rounds = PerSecond(() =>
        {
            foreach (var s in shapes) Gemm.MatMul(a, b, c, s.M, s.N, s.K, s.TA, s.TB);
        }, seconds);
        return rounds * flops / 1e9;
    }

    /// <summary>
    /// Units per second: after a warm-up, the time is split into rounds and the median round's rate is reported, so a
    /// burst of noise from a shared machine moves the figure less than a plain mean would.
    /// </summary>
    static double PerSecond(Action work, double seconds)
    {
        var warm = Stopwatch.StartNew();
        work();
        // A unit that takes over a second (a large model's learner step) gets one warm-up call and 3 rounds, not 3 and 9.
        var slow = warm.Elapsed.TotalSeconds > 1;
        var warmups = 1;
        while (!slow && (warmups < 3 || warm.Elapsed.TotalSeconds < Math.Min(0.5, seconds / 3))) { work(); warmups++; }
        var rounds = slow ? 3 : 9;
        Span<double> rates = stackalloc double[rounds];
        for (var r = 0; r < rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            var cpuStart = s_cpuTime ? CpuSeconds() : 0;
            var count = 0;
            do { work(); count++; } while (clock.Elapsed.TotalSeconds < seconds / rounds);
            rates[r] = count / (s_cpuTime ? CpuSeconds() - cpuStart : clock.Elapsed.TotalSeconds);
        }
        rates.Sort();
        return rates[rounds / 2];
    }

    static bool s_cpuTime;

    static double CpuSeconds()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalSeconds;
    }

    static string ToJson(List<(string Name, double Value)> results)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            foreach (var (name, value) in results) w.WriteNumber(name, Math.Round(value, 2));
            w.WriteString("cpu", CpuName());
            w.WriteNumber("cores", Environment.ProcessorCount);
            w.WriteNumber("threads", WorkerPool.Shared.ThreadCount);
            w.WriteString("gemm_kernel", Gemm.Kernel.Name);
            w.WriteString("runtime", System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    static string CpuName()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal)) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
    }
}
