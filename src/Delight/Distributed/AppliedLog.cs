using System.Globalization;

namespace Delight.Distributed;

/// <summary>
/// <c>rollouts.csv</c> in the run folder: one line per rollout the learner applied — step, actor, sequence, epoch and
/// version it was sampled with, lag, rows — so anyone can check that every rollout an actor sent was applied exactly
/// once or dead-lettered. Lines past the checkpoint a learner resumes from are cut, as with the metrics.
/// </summary>
public sealed class AppliedLog : IDisposable
{
    public const string FileName = "rollouts.csv";
    public const string Header = "step,actor,sequence,epoch,version,lag,rows";
    readonly StreamWriter _writer;

    /// <param name="keepThroughStep">keep lines of steps up to this one (a resumed run's checkpoint); 0 starts afresh</param>
    public AppliedLog(string folder, int keepThroughStep)
    {
        var path = Path.Combine(folder, FileName);
        var kept = keepThroughStep > 0 && File.Exists(path)
            ? File.ReadLines(path).Skip(1).Where(l => long.TryParse(l.AsSpan(0, Math.Max(0, l.IndexOf(','))), NumberStyles.Integer, CultureInfo.InvariantCulture, out var step) && step <= keepThroughStep).ToList()
            : [];
        File.WriteAllLines(path, [Header, .. kept]);
        _writer = new StreamWriter(path, append: true);
    }

    public void Applied(int step, RolloutOrigin origin, PolicyStamp sampledWith, long lag, int rows) =>
        _writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{step},{origin.ActorId:x16},{origin.Sequence},{sampledWith.Epoch:x16},{sampledWith.Version},{lag},{rows}"));

    public void Flush() => _writer.Flush();

    public void Dispose() => _writer.Dispose();
}
