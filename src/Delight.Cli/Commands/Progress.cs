using System.Diagnostics;
using System.Globalization;
using Delight.Runtime;
using Spectre.Console;

namespace Delight.Cli.Commands;

/// <summary>
/// Training progress: a live table (step, steps/s, reward, error, kept fraction, lag) when the console is a terminal,
/// else a plain line every tenth of the run, so logs and pipes stay readable.
/// </summary>
static class Progress
{
    public static RunSummary Track(TextWriter output, bool quiet, int steps, Func<Action<StepReport>, RunSummary> run, Action<StepReport> each)
    {
        var interactive = !quiet && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        if (!interactive)
        {
            var every = Math.Max(1, steps / 10);
            return run(step =>
            {
                each(step);
                if (!quiet && (step.Step % every == 0 || step.Step == steps)) output.WriteLine(Line(step));
            });
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumns("step", "steps/s", "reward", "error", "eval error", "kept", "lag");
        table.AddRow("0", "", "", "", "", "", "");
        RunSummary summary = null!;
        var clock = Stopwatch.StartNew();
        var lastEval = "";
        AnsiConsole.Live(table).AutoClear(false).Start(context =>
        {
            summary = run(step =>
            {
                each(step);
                if (step.Evaluation is { } e) lastEval = F(e.Error);
                if (clock.ElapsedMilliseconds < 200 && step.Step != steps) return; // redraw at most 5 times a second
                clock.Restart();
                table.UpdateCell(0, 0, $"{step.Step}/{steps}");
                table.UpdateCell(0, 1, F(step.Step / Math.Max(1e-9, step.WallSeconds), "F1"));
                table.UpdateCell(0, 2, F(step.Learner.RewardMean));
                table.UpdateCell(0, 3, F(step.BatchError));
                table.UpdateCell(0, 4, lastEval);
                table.UpdateCell(0, 5, F(step.Learner.KeptRowFraction, "F2"));
                table.UpdateCell(0, 6, step.Actor.Lag.ToString(CultureInfo.InvariantCulture));
                context.Refresh();
            });
        });
        return summary;
    }

    static string Line(in StepReport s) => string.Create(CultureInfo.InvariantCulture,
        $"step {s.Step,6}  reward {s.Learner.RewardMean:F3}  error {s.BatchError:F3}{(s.Evaluation is { } e ? $"  eval {e.Error:F3}" : "")}  gate {s.Learner.GateMean:F3}  kept {s.Learner.KeptRowFraction:F2}  lag {s.Actor.Lag}  {s.Step / Math.Max(1e-9, s.WallSeconds):F1} steps/s");

    static string F(double x, string format = "F3") => x.ToString(format, CultureInfo.InvariantCulture);
}
