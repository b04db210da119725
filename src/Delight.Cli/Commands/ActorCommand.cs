using System.CommandLine;
using Delight.Distributed;

namespace Delight.Cli.Commands;

/// <summary>delight actor --broker URI --run NAME [friction flags] [--seed S] [--patience SECONDS]</summary>
static class ActorCommand
{
    /// <summary>The frictions one actor may add to the run's (--staleness is simulated lag; a real actor has real lag).</summary>
    static readonly string[] s_frictions = ["bug-prob", "discovery-prob", "random-prob", "reward-flip-prob", "reward-noise-std", "logit-noise"];

    public static Command Create(TextWriter output)
    {
        var broker = BrokerFlags.Broker();
        var run = BrokerFlags.Run();
        var seed = new Option<ulong?>("--seed") { Description = "Seed of this actor's prompts, samples and frictions (default: its random actor id)." };
        var patience = new Option<double>("--patience")
        {
            Description = "Seconds to wait for the learner's config at start, and for new parameters while running, before giving up.",
            DefaultValueFactory = _ => 120,
        };
        var record = new Option<string?>("--record") { Description = "Append one CSV line per rollout the broker confirmed (actor, sequence, epoch, version, credit, rows): what this actor sent." };
        var binder = new TrainOptionsBinder(only: s_frictions);
        var command = new Command("actor", "Sample rollouts for a learner's run through a RabbitMQ broker; task and policy come from the learner. Friction flags apply to this actor only.")
            { broker, run, seed, patience, record };
        binder.AddTo(command);
        command.SetAction(parse =>
        {
            var seconds = parse.GetValue(patience);
            if (!(seconds is > 0 and <= 86_400)) throw new Runtime.OptionException("--patience", $"--patience {seconds} is out of range; use a number of seconds in (0, 86400].");
            var actor = new RemoteActor(new BrokerOptions(parse.GetValue(broker)!), BrokerFlags.ParseRun(parse.GetValue(run)!), TimeSpan.FromSeconds(seconds), output);
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
            Console.CancelKeyPress += onCancel;
            try
            {
                using var recordFile = parse.GetValue(record) is { } path ? new StreamWriter(path, append: true) { AutoFlush = true } : null;
                actor.RunAsync(options => binder.Bind(parse, options), parse.GetValue(seed), cancel.Token, recordFile).GetAwaiter().GetResult();
                return 0;
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested) { return 130; }
            finally { Console.CancelKeyPress -= onCancel; }
        });
        return command;
    }
}

/// <summary>The two flags every distributed command shares.</summary>
static class BrokerFlags
{
    public static Option<string> Broker() => new("--broker")
    {
        Description = "RabbitMQ broker URI, amqp://user:password@host:port/vhost (amqps:// for TLS).",
        Required = true,
    };

    public static Option<string> Run() => new("--run")
    {
        Description = "Run name shared by the learner and its actors (letters, digits, '-', '_', '.'); it names the broker queues.",
        Required = true,
    };

    public static RunName ParseRun(string name)
    {
        try { return new RunName(name); }
        catch (ArgumentException e) { throw new Runtime.OptionException("--run", e.Message.Replace(" (Parameter 'value')", "")); }
    }
}
