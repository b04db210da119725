namespace Delight.Experiments.Sweeps;

/// <summary>One axis value of a run: the option name and its value as text (<see cref="Runtime.OptionEntry.Format"/>).</summary>
public readonly record struct SweepSetting(string Name, string Value)
{
    /// <summary>"method=dg": the folder-name and label spelling.</summary>
    public override string ToString() => Name + "=" + Value;
}
