using Delight.Checkpoints;

namespace Delight.Policies;

/// <summary>Saves any policy as safetensors, and rebuilds the right policy from a checkpoint's metadata.</summary>
public static class PolicyCheckpoint
{
    public static readonly string[] Kinds = ["transformer", "mlp", "tabular"];

    public static void Save(IPolicy policy, string path) => SafeTensors.Save(path, policy.Parameters, policy.Metadata);

    /// <summary>Reads the architecture from the header, builds that policy and loads its parameters.</summary>
    public static IPolicy Load(string path)
    {
        var metadata = SafeTensors.ReadHeader(path).Metadata;
        if (!metadata.TryGetValue("policy", out var kind))
            throw new CheckpointException(path, "has no \"policy\" entry in __metadata__, so the architecture is unknown; write it with 'delight init' or Delight's SafeTensors.Save");
        IPolicy policy;
        try
        {
            policy = kind switch
            {
                "transformer" => new TransformerPolicy(TransformerPolicy.OptionsFromMetadata(metadata, maxRows: 1)),
                "mlp" => new MlpPolicy(MlpPolicy.OptionsFromMetadata(metadata, maxRows: 1)),
                "tabular" => new TabularSoftmaxPolicy(TabularSoftmaxPolicy.OptionsFromMetadata(metadata, maxRows: 1)),
                _ => throw new CheckpointException(path, $"names policy '{kind}', which is not one of: {string.Join(", ", Kinds)}"),
            };
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new CheckpointException(path, $"has an invalid {kind} architecture in __metadata__: {e.Message}", e);
        }
        SafeTensors.Load(path, policy.Parameters);
        return policy;
    }
}
