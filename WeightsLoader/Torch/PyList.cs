namespace CineKernel.WeightsLoader.Torch;

/// <summary>A Python list.</summary>
public sealed class PyList : List<object?>
{
    public PyList() { }
    public PyList(IEnumerable<object?> items) : base(items) { }
}
