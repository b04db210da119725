using Delight.Actors;
using Delight.Environments;
using Delight.Numerics;
using Delight.Policies;

namespace Delight.Runtime;

/// <summary>
/// Measures a policy without touching training: its own samples on fresh prompts (a stream of its own, reseeded
/// every time, so every evaluation of a run sees the same prompts) scored by the task's own reward, never a
/// wrapper's penalty (<see cref="TaskScore"/>), and greedy answers on held-out prompts — the
/// task's own held-out set when it has one, else a fixed set of fresh prompts — checked against the task's targets.
/// </summary>
public sealed class Evaluator
{
    readonly ITokenEnvironment _environment;
    readonly ISequencePolicy _policy;
    readonly Rollout _rows;
    readonly int _count;
    readonly ulong _seed;
    readonly int[] _target;

    public Evaluator(ITokenEnvironment environment, ISequencePolicy policy, int rows, ulong seed)
    {
        _environment = environment;
        _policy = policy;
        _count = rows;
        _seed = seed;
        _rows = new Rollout(policy.MaxRows, environment.PromptLength, environment.AnswerLength);
        _target = new int[environment.AnswerLength];
    }

    public Evaluation Evaluate(long policyVersion)
    {
        var rng = new Rng(_seed);
        // Scored by the task alone: a penalty (landmine, poison) is training's business, not the error's.
        var sampler = new TokenActor(new TaskScore(_environment), _policy, rng.Split("samples"));
        double sum = 0;
        for (var done = 0; done < _count;)
        {
            var rows = Math.Min(_count - done, _rows.Capacity);
            sampler.Fill(_rows, rows, 1, policyVersion);
            for (var r = 0; r < rows; r++) sum += _rows.Rewards[r];
            done += rows;
        }
        var reward = sum / _count;
        var (sequenceError, tokenError) = GreedyErrors(rng.Split("held-out"));
        var heldOut = _environment.HeldOut is not null;
        return new Evaluation(reward, heldOut ? sequenceError : _environment.Error(reward), sequenceError, tokenError);
    }

    (double Sequence, double Token) GreedyErrors(Rng prompts)
    {
        if (_environment.Targets is not { } task) return (double.NaN, double.NaN);
        var heldOut = _environment.HeldOut;
        var total = heldOut?.HeldOutCount ?? _count;
        int length = _rows.Length, prompt = _rows.PromptLength, answer = _rows.AnswerLength;
        long wrongRows = 0, wrongTokens = 0;
        for (var done = 0; done < total;)
        {
            var rows = Math.Min(total - done, _rows.Capacity);
            for (var r = 0; r < rows; r++)
            {
                var p = _rows.Tokens.AsSpan(r * length, prompt);
                if (heldOut is not null) heldOut.WriteHeldOutPrompt(done + r, p);
                else _environment.SamplePrompt(prompts, p);
            }
            _policy.Sample(_rows.Tokens, _rows.BehaviourLogProbs, rows, prompt, length, rng: null);
            for (var r = 0; r < rows; r++)
            {
                task.WriteTarget(_rows.Tokens.AsSpan(r * length, prompt), _target);
                var wrong = 0;
                var decoded = _rows.Tokens.AsSpan(r * length + prompt, answer);
                for (var t = 0; t < answer; t++) if (decoded[t] != _target[t]) wrong++;
                wrongTokens += wrong;
                if (wrong > 0) wrongRows++;
            }
            done += rows;
        }
        return ((double)wrongRows / total, (double)wrongTokens / ((long)total * answer));
    }
}
