#:project ../src/Delight/Delight.csproj
#:project ../src/Delight.RabbitMq/Delight.RabbitMq.csproj
// A distributed run started from code: a learner and two actors that meet through a RabbitMQ broker. The actors are
// told nothing but the broker and the run name: task, batch shape and policy come from the learner's config message.
// Here all three share one process; on real machines each actor is the same RunAsync call (or `delight actor`).
// Run: dotnet run examples/distributed-actor.cs amqp://guest:guest@localhost:5672/ [steps]
using Delight.Distributed;
using Delight.RabbitMq;
using Delight.Losses;
using Delight.Runtime;

// The engine is chosen here: the learner and actors see only the transport interfaces the connector connects.
var broker = new RabbitMqConnector(new BrokerOptions(args.Length > 0 ? args[0] : "amqp://guest:guest@localhost:5672/"));
var steps = args.Length > 1 ? int.Parse(args[1]) : 200;
var run = new RunName($"example-{Guid.NewGuid():N}"[..20]);
var folder = Directory.CreateTempSubdirectory("delight-example-").FullName; // checkpoints (state.safetensors, policy)
var options = new TrainOptions
{
    Task = new() { Name = "reversal", PromptLength = 4 },
    Loss = new() { Method = Method.Dg },
    Steps = steps,
    Evaluation = new() { Rows = 200 },
    Output = new() { CheckpointEvery = 10 },
};

// The learner acknowledges a rollout only once a checkpoint holds it, so a learner that dies loses nothing.
using var learner = new RemoteLearnerRuntime(options, broker, run, new DistributedLearnerOptions { RunFolder = folder });
learner.WriteCheckpoint = () => Checkpoint.Write(learner, folder);
var learning = Task.Run(() => learner.Run(step => { if (step.Step % options.Output.CheckpointEvery == 0) Checkpoint.Write(learner, folder); }));
var actors = new[]
{
    new RemoteActor(broker, run, TimeSpan.FromSeconds(60), Console.Out).RunAsync(o => o, seed: 1, CancellationToken.None),
    // One buggy actor among two: its friction flags apply to it alone, over the learner's options.
    new RemoteActor(broker, run, TimeSpan.FromSeconds(60), Console.Out).RunAsync(o => o with { Frictions = o.Frictions with { Bug = new() { Prob = 0.2f } } }, seed: 2, CancellationToken.None),
};
var summary = await learning;
Checkpoint.Write(learner, folder);
var sent = (await Task.WhenAll(actors)).Sum(a => a.Sent);
Console.WriteLine($"distributed dg: error {summary.Initial.Error:F3} -> {summary.Final.Error:F3} in {summary.StepsDone} steps; actors sent {sent} rollouts, learner applied {summary.Rollouts?.Applied}");
Directory.Delete(folder, recursive: true);
