#:project ../src/Delight/Delight.csproj
// The Kondo gate: keep only the top 10% of tokens by delight (advantage × surprisal) and back-propagate only the rows
// that hold one. Prints the backward work it saved against dense DG on the same seed, and what each run learned.
// Run: dotnet run examples/kondo-gate.cs [steps]
using Delight.Losses;
using Delight.Runtime;

var steps = args.Length > 0 ? int.Parse(args[0]) : 300;
var dense = new TrainOptions { Task = new() { Name = "reversal", PromptLength = 6 }, Loss = new() { Method = Method.Dg }, Steps = steps, Seed = 0, Evaluation = new() { Rows = 200 } };
var gated = dense with { Loss = new() { Method = Method.Kondo }, Screen = new() { Kondo = new() { Rate = 0.1f } } };

var denseRun = new SynchronousRuntime(dense).Run();
var gatedRun = new SynchronousRuntime(gated).Run();
Console.WriteLine($"dense dg: error {denseRun.Final.Error:F3}, backward {denseRun.Work.BackwardRows} rows, {denseRun.Work.BackwardFlops / 1e9:F2} GFLOP");
Console.WriteLine($"kondo ρ=0.1: error {gatedRun.Final.Error:F3}, backward {gatedRun.Work.BackwardRows} rows, {gatedRun.Work.BackwardFlops / 1e9:F2} GFLOP");
Console.WriteLine($"backward savings: {1 - (double)gatedRun.Work.BackwardFlops / denseRun.Work.BackwardFlops:P0} of the FLOPs, {1 - (double)gatedRun.Work.BackwardRows / denseRun.Work.BackwardRows:P0} of the rows");
