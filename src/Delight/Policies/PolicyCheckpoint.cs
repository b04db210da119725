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
        var header = SafeTensors.ReadHeader(path);
        var metadata = header.Metadata;
        if (!metadata.TryGetValue("policy", out var kind))
            throw new CheckpointException(path, "has no \"policy\" entry in __metadata__, so the architecture is unknown; write it with 'delight init' or Delight's SafeTensors.Save");
        IPolicy policy;
        try
        {
            // What the metadata implies is checked against the limits and against the file before anything is
            // allocated: a 300-byte file claiming a huge model must not reserve gigabytes first.
            object options = kind switch
            {
                "transformer" => TransformerPolicy.OptionsFromMetadata(metadata, maxRows: 1),
                "mlp" => MlpPolicy.OptionsFromMetadata(metadata, maxRows: 1),
                "tabular" => TabularSoftmaxPolicy.OptionsFromMetadata(metadata, maxRows: 1),
                _ => throw new CheckpointException(path, $"names policy '{kind}', which is not one of: {string.Join(", ", Kinds)}"),
            };
            var implied = options switch
            {
                TransformerOptions t => Validated(t.Validate, t.ParameterCount),
                MlpOptions m => Validated(m.Validate, m.ParameterCount),
                TabularOptions t => Validated(t.Validate, t.ParameterCount),
                _ => throw new InvalidOperationException($"no parameter count for {options}."),
            };
            var stored = header.Tensors.Sum(t => t.ElementCount);
            if (implied != stored)
                throw new CheckpointException(path, $"has metadata describing a {kind} of {implied} parameters, but its {header.Tensors.Count} tensors hold {stored}; the metadata and the data disagree, so the file is damaged or was written by a broken tool.");
            policy = options switch
            {
                TransformerOptions t => new TransformerPolicy(t),
                MlpOptions m => new MlpPolicy(m),
                _ => new TabularSoftmaxPolicy((TabularOptions)options),
            };
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new CheckpointException(path, $"has an invalid {kind} architecture in __metadata__: {e.Message}", e);
        }
        SafeTensors.Load(path, policy.Parameters);
        return policy;
    }

    static long Validated(Action validate, long parameterCount)
    {
        validate();
        return parameterCount;
    }
}
