namespace CineKernel.WeightsLoader.Torch;

/// <summary>An inert record of an allowed class (argparse.Namespace): its type name and attribute values.</summary>
public sealed class PyRecord(string typeName)
{
    public string TypeName { get; } = typeName;
    public Dictionary<string, object?> Fields { get; } = new();
}
