namespace CineKernel.Tools.Studio;

/// <summary>A refusal the studio's API answers with an HTTP status and the JSON body <c>{ "error": message }</c>.</summary>
internal sealed class StudioException(int status, string message) : Exception(message)
{
    /// <summary>The HTTP status code (400 bad input, 403 refused, 409 busy or out of order, 413 too large, ...).</summary>
    public int Status { get; } = status;
}
