using Delight.Runtime;

namespace Delight.Distributed;

/// <summary>
/// What became of every rollout the learner received, in rollouts and in rows: applied, or refused for a reason.
/// received = applied + Σ refused, always. Saved in the training state under named keys, so the counts of a run
/// continue across learner restarts. Thread-safe (the receiver records invalid messages from its own thread).
/// </summary>
public sealed class RolloutLedger
{
    readonly object _gate = new();
    readonly long[] _rolloutsRefused = new long[RejectReasons.Count];
    readonly long[] _rowsRefused = new long[RejectReasons.Count];
    long _rolloutsApplied, _rowsApplied;

    public void Applied(int rows)
    {
        lock (_gate)
        {
            _rolloutsApplied++;
            _rowsApplied += rows;
        }
    }

    /// <param name="rows">the rollout's rows; 0 for a message too broken to say</param>
    public void Refused(RejectReason reason, int rows)
    {
        if (reason == RejectReason.None) throw new ArgumentOutOfRangeException(nameof(reason), "a refusal needs a reason.");
        lock (_gate)
        {
            _rolloutsRefused[(int)reason]++;
            _rowsRefused[(int)reason] += rows;
        }
    }

    public RolloutCounts Snapshot()
    {
        lock (_gate)
        {
            var rollouts = new Dictionary<string, long>();
            var rows = new Dictionary<string, long>();
            for (var i = 1; i < RejectReasons.Count; i++)
            {
                if (_rolloutsRefused[i] == 0 && _rowsRefused[i] == 0) continue;
                var name = ((RejectReason)i).WireName();
                rollouts[name] = _rolloutsRefused[i];
                rows[name] = _rowsRefused[i];
            }
            long refused = _rolloutsRefused.Sum(), rowsRefused = _rowsRefused.Sum();
            return new RolloutCounts(_rolloutsApplied + refused, _rolloutsApplied, refused)
            {
                RejectedByReason = rollouts,
                Rows = new RowCounts(_rowsApplied + rowsRefused, _rowsApplied, rowsRefused, rows),
            };
        }
    }

    public void Save(TrainingState state)
    {
        lock (_gate)
        {
            state.Put("rollouts.applied", _rolloutsApplied);
            state.Put("rows.applied", _rowsApplied);
            for (var i = 1; i < RejectReasons.Count; i++)
            {
                if (_rolloutsRefused[i] == 0 && _rowsRefused[i] == 0) continue;
                var name = ((RejectReason)i).WireName();
                state.Put($"rollouts.refused.{name}", _rolloutsRefused[i]);
                state.Put($"rows.refused.{name}", _rowsRefused[i]);
            }
        }
    }

    /// <summary>Counts from <paramref name="state"/>; a state of a local run (no keys) starts from zero.</summary>
    public void Restore(TrainingState state)
    {
        lock (_gate)
        {
            Array.Clear(_rolloutsRefused);
            Array.Clear(_rowsRefused);
            _rolloutsApplied = state.Has("rollouts.applied") ? state.GetLong("rollouts.applied") : 0;
            _rowsApplied = state.Has("rows.applied") ? state.GetLong("rows.applied") : 0;
            for (var i = 1; i < RejectReasons.Count; i++)
            {
                var name = ((RejectReason)i).WireName();
                if (state.Has($"rollouts.refused.{name}")) _rolloutsRefused[i] = state.GetLong($"rollouts.refused.{name}");
                if (state.Has($"rows.refused.{name}")) _rowsRefused[i] = state.GetLong($"rows.refused.{name}");
            }
        }
    }
}
