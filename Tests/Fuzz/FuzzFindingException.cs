namespace CineKernel.Fuzz;

/// <summary>A parser broke its contract on an input (see <see cref="FuzzTarget.Check"/>).</summary>
public sealed class FuzzFindingException(string message, Exception? inner = null) : Exception(message, inner);
