using System.Globalization;
using Delight.Experiments;
using Delight.Runtime;

namespace Delight.Cli.Commands;

/// <summary>
/// Drives a runtime into a run folder: metric lines as steps land, checkpoints every --checkpoint-every steps and at
/// the end, progress on the console, and Ctrl-C stopping at the next step boundary with a checkpoint written.
/// </summary>
static class RunLoop
{
    public static int Run(ITrainingRuntime runtime, RunFolder run, string outDir, bool quiet, TextWriter output)
    {
        var session = runtime.Session;
        var options = session.Options;
        if (options.TensorBoard) run.EnableTensorBoard();
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            var summary = Progress.Track(output, quiet, options.Steps, each => runtime.Run(each, cancel.Token), step =>
            {
                if (step.Step % options.LogEvery == 0 || step.Step == options.Steps || step.Evaluation is not null) run.WriteStep(step);
                if (options.CheckpointEvery > 0 && step.Step % options.CheckpointEvery == 0 && step.Step < options.Steps)
                {
                    run.Flush();
                    Checkpoint.Write(runtime, run.Path);
                }
            });
            run.Flush();
            Checkpoint.Write(runtime, run.Path);
            if (cancel.IsCancellationRequested)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"stopped at step {summary.StepsDone}; checkpoint written. Continue with: delight resume {outDir}"));
                return 130;
            }
            run.WriteSummary(summary);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"error {summary.Initial.Error:F3} → {summary.Final.Error:F3} in {summary.WallSeconds:F1} s ({summary.StepsDone / Math.Max(1e-9, summary.WallSeconds):F1} steps/s); wrote {Path.Combine(outDir, RunFolder.SummaryFile)}"));
            return 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
