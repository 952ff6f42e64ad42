namespace CineKernel.WeightsLoader.Torch;

// The values a restricted unpickle produces. Python scalars map to C# ones: None → null, bool, long
// (BigInteger when it does not fit), double, string, byte[]; containers map to PyTuple, PyList, PySet, PyDict
// and PyRecord, each in its own file here.

/// <summary>A reference to an allowed Python global (a dtype such as <c>torch.float16</c>, a storage type, a callable).</summary>
public sealed record PyGlobal(string Module, string Name)
{
    public string FullName => $"{Module}.{Name}";

    public override string ToString() => FullName;
}
