using System.Diagnostics;
using System.Globalization;
using Delight.Runtime;

namespace Delight.Experiments.Sweeps;

/// <summary>
/// Trains one run into its folder and returns its exit code (0: finished, summary.json written). The CLI passes
/// <c>delight train</c>'s own code path, so a sweep run and a train run of the same options write the same folder.
/// </summary>
public delegate int SweepTrainer(TrainOptions options, string folder);

/// <summary>
/// Runs a sweep's runs on <c>jobs</c> worker threads in this process. Resumable: a run whose folder holds summary.json is
/// finished and skipped (after checking it was trained with the same options); a folder without it is a partial run
/// (killed or stopped) and is deleted and trained again from step 0, which in the sync runtime gives the metrics an
/// uninterrupted run would have. A run that fails is recorded and the others go on.
/// </summary>
public sealed class SweepRunner(SweepTrainer train, TextWriter progress)
{
    readonly object _lock = new();

    public SweepResult Run(IReadOnlyList<SweepRun> runs, int jobs, CancellationToken cancel = default)
    {
        if (jobs < 1) throw new OptionException("--jobs", $"--jobs must be at least 1, got {jobs.ToString(CultureInfo.InvariantCulture)}.");
        var clock = Stopwatch.StartNew();
        SetAsideBroken(runs, progress);
        var skipped = runs.Where(r => r.IsFinished).ToArray();
        CheckFinished(runs);
        var pending = runs.Where(r => !r.IsFinished).ToArray();
        var completed = new List<SweepRun>();
        var failed = new List<SweepFailure>();
        var workers = Math.Min(jobs, pending.Length);
        Write($"sweep: {Count(runs.Count, "run")}, {Count(skipped.Length, "finished already")}, " + (pending.Length == 0 ? "nothing to run" : $"{pending.Length} to run on {Count(workers, "worker")}"));

        var next = -1;
        void Work()
        {
            while (!cancel.IsCancellationRequested)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= pending.Length) return;
                var (run, failure, seconds) = RunOne(pending[i]);
                lock (_lock)
                {
                    var done = completed.Count + failed.Count + 1;
                    var prefix = $"[{done.ToString(CultureInfo.InvariantCulture)}/{pending.Length.ToString(CultureInfo.InvariantCulture)}] {run.Label}";
                    if (failure is null)
                    {
                        completed.Add(run);
                        var error = SweepRunFiles.Summary(run.Folder)("final.error");
                        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{prefix} done: error {error:F3} ({seconds:F1} s)"));
                    }
                    else
                    {
                        failed.Add(failure);
                        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{prefix} FAILED: {failure.Reason} ({seconds:F1} s)"));
                    }
                }
            }
        }

        var threads = Enumerable.Range(0, workers).Select(w => new Thread(Work) { Name = $"sweep worker {w}" }).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        // Runs in the order of the sweep, not of finishing, so results are the same for any --jobs.
        var order = runs.Select((r, i) => (r, i)).ToDictionary(p => p.r, p => p.i);
        return new SweepResult(runs, skipped, [.. completed.OrderBy(r => order[r])], [.. failed.OrderBy(f => order[f.Run])],
            cancel.IsCancellationRequested, clock.Elapsed.TotalSeconds);
    }

    (SweepRun Run, SweepFailure? Failure, double Seconds) RunOne(SweepRun run)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            if (Directory.Exists(run.Folder) && Directory.EnumerateFileSystemEntries(run.Folder).Any())
            {
                Write($"{run.Label}: partial run in {run.Folder} (no {RunFolder.SummaryFile}); deleting it and training again");
                Directory.Delete(run.Folder, recursive: true);
            }
            var code = train(run.Options, run.Folder);
            if (code == 0 && run.IsFinished) return (run, null, clock.Elapsed.TotalSeconds);
            var reason = code == 130 ? "stopped before the end (exit code 130)" : $"exit code {code.ToString(CultureInfo.InvariantCulture)}" + (code == 0 ? $" but no {RunFolder.SummaryFile}" : "");
            return (run, new SweepFailure(run, reason), clock.Elapsed.TotalSeconds);
        }
        catch (Exception e)
        {
            // Any exception of one run (a bad combination the validation missed, a diverging loss, a full disk) is that
            // run's failure; the other runs go on and the sweep names it at the end.
            return (run, new SweepFailure(run, $"{e.GetType().Name}: {e.Message}"), clock.Elapsed.TotalSeconds);
        }
    }

    /// <summary>
    /// A finished run whose files do not read back (a truncated summary.json, a damaged metrics line) is reported and
    /// its summary removed, so it counts as a partial run: deleted and trained again rather than crashing the sweep.
    /// </summary>
    public static void SetAsideBroken(IEnumerable<SweepRun> runs, TextWriter progress)
    {
        foreach (var run in runs.Where(r => r.IsFinished))
        {
            if (SweepRunFiles.Problem(run.Folder) is not { } problem) continue;
            progress.WriteLine($"{run.Label}: FAILED earlier, broken run in {run.Folder} ({problem}); training it again");
            File.Delete(Path.Combine(run.Folder, RunFolder.SummaryFile));
        }
    }

    /// <summary>
    /// Refuses a sweep folder whose finished runs were trained with other options (a changed --steps, say): they would be
    /// skipped and then averaged as if they were this sweep's runs.
    /// </summary>
    public static void CheckFinished(IEnumerable<SweepRun> runs)
    {
        foreach (var run in runs.Where(r => r.IsFinished))
        {
            var differences = SweepRunFiles.ConfigDifferences(run.Folder, run.Options);
            if (differences.Count > 0)
                throw new OptionException("--out", $"'{run.Folder}' holds a finished run with other options ({string.Join(", ", differences.Take(3))}); use a new --out folder for a changed sweep, or delete that run.");
        }
    }

    void Write(string line)
    {
        lock (_lock) progress.WriteLine(line);
    }

    static string Count(int n, string what) => n.ToString(CultureInfo.InvariantCulture) + " " + (n == 1 || what.Contains(' ', StringComparison.Ordinal) ? what : what + "s");
}
