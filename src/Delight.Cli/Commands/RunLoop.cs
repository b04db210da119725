using System.Globalization;
using Delight.Experiments;
using Delight.Runtime;

namespace Delight.Cli.Commands;

/// <summary>
/// Drives a runtime into a run folder: metric lines as steps land, checkpoints every --checkpoint-every steps and at
/// the end, progress on the console, and Ctrl-C stopping at the next step boundary with a checkpoint written. A run
/// that fails between steps (the broker gone for good, say) writes a checkpoint of its last consistent step before the
/// error is reported, so `resume` loses nothing; one that diverged does not (its state is not worth keeping).
/// </summary>
static class RunLoop
{
    public static int Run(ITrainingRuntime runtime, RunFolder run, string outDir, bool quiet, TextWriter output, CtrlC? ctrlC = null)
    {
        var session = runtime.Session;
        var options = session.Options;
        if (options.Output.TensorBoard) run.EnableTensorBoard();
        using var owned = ctrlC is null ? CtrlC.Listen() : null;
        var cancel = (ctrlC ?? owned!).Token;
        void WriteCheckpoint()
        {
            run.Flush();
            Checkpoint.Write(runtime, run.Path);
        }
        if (runtime is ICheckpointedRuntime checkpointed) checkpointed.WriteCheckpoint = WriteCheckpoint;
        try
        {
            RunSummary summary;
            try
            {
                summary = Progress.Track(output, quiet, options.Steps, each => runtime.Run(each, cancel), step =>
                {
                    if (step.Step % options.Output.LogEvery == 0 || step.Step == options.Steps || step.Evaluation is not null) run.WriteStep(step);
                    if (options.Output.CheckpointEvery > 0 && step.Step % options.Output.CheckpointEvery == 0 && step.Step < options.Steps) WriteCheckpoint();
                });
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                WriteCheckpoint();
                return Stopped(session.StepsDone, outDir, output);
            }
            catch (Exception e) when (e is not DivergedException && session.StepsDone > 0)
            {
                try { WriteCheckpoint(); }
                catch (Exception second) when (second is IOException or Distributed.BrokerException) { } // the first error is the one to report
                throw;
            }
            WriteCheckpoint();
            if (cancel.IsCancellationRequested) return Stopped(summary.StepsDone, outDir, output);
            run.WriteSummary(summary);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"error {summary.Initial.Error:F3} → {summary.Final.Error:F3} in {summary.WallSeconds:F1} s ({summary.StepsDone / Math.Max(1e-9, summary.WallSeconds):F1} steps/s); wrote {Path.Combine(outDir, RunFolder.SummaryFile)}"));
            return 0;
        }
        finally
        {
            (runtime as IDisposable)?.Dispose();
        }
    }

    static int Stopped(int step, string outDir, TextWriter output)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"stopped at step {step}; checkpoint written. Continue with: delight resume {outDir}"));
        return 130;
    }
}

/// <summary>Ctrl-C as a cancellation token: the first press asks the run to stop at the next safe point.</summary>
sealed class CtrlC : IDisposable
{
    readonly CancellationTokenSource _source = new();
    readonly ConsoleCancelEventHandler _handler;

    CtrlC()
    {
        _handler = (_, e) =>
        {
            e.Cancel = true;
            _source.Cancel();
        };
        Console.CancelKeyPress += _handler;
    }

    public static CtrlC Listen() => new();

    public CancellationToken Token => _source.Token;

    public void Dispose()
    {
        Console.CancelKeyPress -= _handler;
        _source.Dispose();
    }
}
