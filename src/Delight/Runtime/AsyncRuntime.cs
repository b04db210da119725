using Delight.Actors;
using Delight.Policies;
using Delight.Versions;

namespace Delight.Runtime;

/// <summary>
/// Actors on their own threads beside the learner, in one process. Batches are numbered by ticket in the order actors
/// claim them, and the learner applies ticket t as its step t (a reorder window, so a fast actor cannot overtake a
/// slow one). Admission control: an actor may start ticket t only once the learner has reached version t − K
/// (--max-lag K), and it samples with the newest parameters published; so every batch is applied at most K versions
/// after the one it was sampled with, and actors are paced rather than their data dropped. K = 0 with one actor is
/// the synchronous runtime, step for step.
/// </summary>
public sealed class AsyncRuntime : ITrainingRuntime
{
    // A plain object: Monitor.Wait/PulseAll pace the actors and the learner on it.
    readonly object _lock = new();
    readonly Rollout?[] _ready;
    readonly Stack<Rollout> _free = new();
    readonly ParameterBoard _board;
    long _nextTicket;
    long _learnerVersion;
    bool _stopping;
    Exception? _actorError;

    public AsyncRuntime(TrainOptions options)
    {
        Session = new TrainingSession(options);
        var window = options.Runtime.MaxLag + 1;
        _ready = new Rollout?[window];
        for (var i = 0; i < window; i++) _free.Push(Session.Components.CreateRollout());
        _board = new ParameterBoard(Session.Policy.Parameters.BufferLength);
    }

    public TrainingSession Session { get; }

    /// <summary>Diagnostics: called on the actor's thread right after a batch is sampled, with the parameters it used.</summary>
    public Action<Rollout, Numerics.ParameterSet>? Sampled { get; init; }

    public RunSummary Run(Action<StepReport>? onStep = null, CancellationToken cancel = default)
    {
        Session.Start();
        _board.Publish(Session.Learner.PolicyVersion, Session.Policy.Parameters);
        _learnerVersion = Session.Learner.PolicyVersion;
        _nextTicket = Session.StepsDone; // ticket t is applied as step t, also after a resume
        var actors = new Thread[Session.Options.Runtime.Actors];
        for (var i = 0; i < actors.Length; i++)
        {
            // Actor 0 draws from the synchronous runtime's "actor" stream, so K = 0 with one actor reproduces it.
            var policy = Session.Components.CreatePolicy();
            var actor = Session.Components.CreateActor(policy, i == 0 ? "actor" : $"actor{i}");
            actors[i] = new Thread(() => ActorLoop(actor, policy)) { IsBackground = true, Name = $"Delight actor {i}" };
            actors[i].Start();
        }
        try
        {
            var steps = Session.Options.Steps;
            while (Session.StepsDone < steps && !cancel.IsCancellationRequested)
            {
                var step = Session.StepsDone;
                var rollout = TakeReady(step, cancel);
                if (rollout is null) break;
                var report = Session.Learn(rollout);
                _board.Publish(Session.Learner.PolicyVersion, Session.Policy.Parameters);
                lock (_lock)
                {
                    _ready[step % _ready.Length] = null;
                    _free.Push(rollout);
                    _learnerVersion = Session.Learner.PolicyVersion;
                    Monitor.PulseAll(_lock);
                }
                onStep?.Invoke(report);
            }
        }
        finally
        {
            lock (_lock) { _stopping = true; Monitor.PulseAll(_lock); }
            foreach (var t in actors) t.Join();
        }
        if (_actorError is { } error) throw new InvalidOperationException($"an actor failed: {error.Message}", error);
        return Session.Finish();
    }

    /// <summary>
    /// Between steps only the learner's side is consistent (actors are mid-batch), so the state is the session's:
    /// a resumed async run continues the learner exactly, with fresh actor streams — async runs are not replayable.
    /// </summary>
    public void SaveState(TrainingState state) => Session.SaveState(state);

    public void RestoreState(TrainingState state, string source) => Session.RestoreState(state, source);

    /// <summary>
    /// Waits for ticket <paramref name="ticket"/>. Its slot cannot hold another ticket: admitted, unapplied tickets lie
    /// in [learner step, learner step + K], one per slot of the K + 1.
    /// </summary>
    Rollout? TakeReady(long ticket, CancellationToken cancel)
    {
        lock (_lock)
        {
            while (_ready[ticket % _ready.Length] is null)
            {
                if (_actorError is not null || cancel.IsCancellationRequested) return null;
                Monitor.Wait(_lock, 100);
            }
            return _ready[ticket % _ready.Length];
        }
    }

    void ActorLoop(TokenActor actor, ISequencePolicy policy)
    {
        var options = Session.Options;
        long held = -1;
        try
        {
            while (true)
            {
                long ticket;
                Rollout rollout;
                lock (_lock)
                {
                    if (_stopping || _nextTicket >= options.Steps) return;
                    ticket = _nextTicket++;
                    // Admission: start ticket t only when the learner is at version ≥ t − K.
                    while (!_stopping && _learnerVersion < ticket - options.Runtime.MaxLag) Monitor.Wait(_lock);
                    if (_stopping) return;
                    rollout = _free.Pop();
                }
                held = _board.Refresh(held, policy.Parameters);
                actor.Fill(rollout, options.PromptsPerBatch, options.SamplesPerPrompt, held);
                Sampled?.Invoke(rollout, policy.Parameters);
                lock (_lock)
                {
                    _ready[ticket % _ready.Length] = rollout;
                    Monitor.PulseAll(_lock);
                }
            }
        }
        catch (Exception e)
        {
            lock (_lock) { _actorError = e; _stopping = true; Monitor.PulseAll(_lock); }
        }
    }
}
