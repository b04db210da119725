#:project ../src/Delight/Delight.csproj
// The MNIST contextual bandit (papers.md §1.3(a)): an MLP sees a digit, guesses a label, and is told only whether it
// was right. PG vs DG, same seed, through the bit-reproducible synchronous runtime. Needs `delight data mnist` first.
// Run: dotnet run examples/mnist-pg-vs-dg.cs [steps]
using Delight.Losses;
using Delight.Runtime;

var steps = args.Length > 0 ? int.Parse(args[0]) : 1000;
foreach (var method in new[] { Method.Pg, Method.Dg })
{
    var options = new TrainOptions { Task = new() { Name = "mnist" }, Loss = new() { Method = method }, Steps = steps, Seed = 0, Evaluation = new() { Rows = 1000 } };
    var summary = new SynchronousRuntime(options).Run();
    Console.WriteLine($"mnist {KebabCase.Of(method)}: test error {summary.Initial.Error:F3} -> {summary.Final.Error:F3} after {steps} steps of {options.PromptsPerBatch} images");
}
