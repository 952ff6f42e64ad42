namespace CineKernel.Fuzz;

/// <summary>What one parse came to: accepted (<see cref="Refusal"/> null) or refused with that message, and the managed bytes it allocated.</summary>
public sealed record FuzzResult(string? Refusal, long Allocated)
{
    public bool Accepted => Refusal is null;
}
