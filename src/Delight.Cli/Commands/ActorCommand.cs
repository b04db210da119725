using System.CommandLine;
using Delight.Distributed;
using Delight.RabbitMq;

namespace Delight.Cli.Commands;

/// <summary>delight actor --broker URI --run NAME [friction flags] [--seed S] [--patience SECONDS]</summary>
static class ActorCommand
{
    /// <summary>The frictions one actor may add to the run's (--staleness is simulated lag; a real actor has real lag).</summary>
    static readonly string[] s_frictions = ["bug-prob", "discovery-prob", "random-prob", "reward-flip-prob", "reward-noise-std", "logit-noise"];

    public static Command Create(TextWriter output)
    {
        var broker = BrokerFlags.Broker();
        var brokerFile = BrokerFlags.BrokerFile();
        var run = BrokerFlags.Run();
        var seed = new Option<ulong?>("--seed") { Description = "Seed of this actor's prompts, samples and frictions (default: its random actor id)." };
        var patience = new Option<double>("--patience")
        {
            Description = "Seconds to wait for the learner's config at start, and for new parameters while running, before giving up.",
            DefaultValueFactory = _ => 120,
        }.Within(0.001, 86_400); // TimeSpan holds it; longer than a day is a typo, not patience
        var record = new Option<string?>("--record") { Description = "Append one CSV line per rollout the broker confirmed (actor, sequence, epoch, version, credit, rows): what this actor sent." };
        var binder = new TrainOptionsBinder(only: s_frictions);
        var command = new Command("actor", "Sample rollouts for a learner's run through a RabbitMQ broker; task and policy come from the learner. Friction flags apply to this actor only.")
            { broker, brokerFile, run, seed, patience, record };
        binder.AddTo(command);
        command.SetAction(parse =>
        {
            var seconds = parse.GetValue(patience);
            // The learner is the bottleneck of a run; an actor sharing its machine yields the CPU to it (nice 10 on
            // Linux). On a machine of its own an actor competes with nothing, so this costs nothing there.
            System.Diagnostics.Process.GetCurrentProcess().PriorityClass = System.Diagnostics.ProcessPriorityClass.BelowNormal;
            var actor = new RemoteActor(new RabbitMqConnector(BrokerFlags.Resolve(parse, broker, brokerFile)), BrokerFlags.ParseRun(parse.GetValue(run)!), TimeSpan.FromSeconds(seconds), output);
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

/// <summary>
/// The flags every distributed command shares. The broker URI carries a password, so besides --broker (visible to
/// anyone who can list processes) it may come from the environment variable DELIGHT_BROKER or the first line of a file
/// (--broker-file); exactly one of the three, so no one wonders which one won.
/// </summary>
static class BrokerFlags
{
    public const string EnvironmentVariable = "DELIGHT_BROKER";

    public static Option<string> Broker() => new("--broker")
    {
        Description = $"RabbitMQ broker URI, amqp://user:password@host:port/vhost (amqps:// for TLS). Or use --broker-file, or set {EnvironmentVariable}.",
    };

    public static Option<string> BrokerFile() => new("--broker-file")
    {
        Description = $"File whose first line is the broker URI (keeps the password out of the process list). Instead of --broker or {EnvironmentVariable}.",
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

    /// <summary>The broker options from whichever one of --broker, --broker-file and DELIGHT_BROKER is given.</summary>
    public static BrokerOptions Resolve(ParseResult parse, Option<string> broker, Option<string> brokerFile) =>
        new(ResolveUri(parse.GetValue(broker), parse.GetValue(brokerFile), Environment.GetEnvironmentVariable(EnvironmentVariable)));

    /// <exception cref="Runtime.OptionException">none or several sources given, or the file is unreadable or empty</exception>
    internal static string ResolveUri(string? flag, string? file, string? environment)
    {
        var given = new List<string>(3);
        if (flag is not null) given.Add("--broker");
        if (file is not null) given.Add("--broker-file");
        if (!string.IsNullOrEmpty(environment)) given.Add(EnvironmentVariable);
        if (given.Count == 0)
            throw new Runtime.OptionException("--broker",
                $"no broker URI: give --broker amqp://user:password@host:port/vhost, --broker-file PATH, or set {EnvironmentVariable}.");
        if (given.Count > 1)
            throw new Runtime.OptionException(given[0],
                $"the broker URI is given by {string.Join(" and ", given)}; give exactly one of --broker, --broker-file and {EnvironmentVariable}.");
        if (flag is not null) return Required(flag.Trim(), "--broker is empty; give amqp://user:password@host:port/vhost.");
        if (environment is not null && file is null) return Required(environment.Trim(), $"{EnvironmentVariable} is empty.");
        string firstLine;
        try { firstLine = File.ReadLines(file!).FirstOrDefault() ?? ""; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Runtime.OptionException("--broker-file", $"--broker-file '{file}' cannot be read: {e.Message}");
        }
        return Required(firstLine.Trim(), $"--broker-file '{file}' has an empty first line; write the broker URI there.");
    }

    static string Required(string uri, string ifEmpty) =>
        uri.Length > 0 ? uri : throw new Runtime.OptionException("--broker", ifEmpty);
}
