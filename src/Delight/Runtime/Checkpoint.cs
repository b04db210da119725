using Delight.Policies;

namespace Delight.Runtime;

/// <summary>
/// A run folder's checkpoint: <c>policy.safetensors</c> (the parameters, for users and <c>delight logprobs</c>) and
/// <c>state.safetensors</c> (everything a continuation needs, the parameters included, so the one file that resume
/// reads is always self-consistent). Each file is replaced atomically: a crash or Ctrl-C mid-write leaves the last
/// checkpoint intact.
/// </summary>
public static class Checkpoint
{
    public const string PolicyFile = "policy.safetensors";
    public const string StateFile = "state.safetensors";

    public static void Write(ITrainingRuntime runtime, string folder)
    {
        var state = new TrainingState();
        runtime.SaveState(state);
        state.Save(Path.Combine(folder, StateFile));
        PolicyCheckpoint.Save(runtime.Session.Policy, Path.Combine(folder, PolicyFile));
        (runtime as ICheckpointedRuntime)?.CheckpointWritten();
    }

    /// <summary>Restores <paramref name="runtime"/> from the state in <paramref name="folder"/>.</summary>
    public static void Restore(ITrainingRuntime runtime, string folder)
    {
        var path = Path.Combine(folder, StateFile);
        if (!File.Exists(path))
            throw new OptionException("RUN_DIR", $"'{folder}' has no {StateFile}: the run never reached a checkpoint (use --checkpoint-every), so it cannot be resumed; start it again.");
        runtime.RestoreState(TrainingState.Load(path), $"'{path}'");
    }
}
