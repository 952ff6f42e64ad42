namespace CineKernel.Tools;

/// <summary>One manifest row: its 1-based number among the data rows, the line it starts on, its non-empty fields by <see cref="BatchManifest.Key"/>, or why it cannot be read.</summary>
internal sealed record BatchRow(int Number, int Line, IReadOnlyDictionary<string, IReadOnlyList<string>> Fields, string? Error)
{
    /// <summary>The field's value (arrows, the one column that may hold a list, joined with ';' as in a CSV cell), or null when absent.</summary>
    public string? Get(string key) => Fields.TryGetValue(key, out var v) ? string.Join(";", v) : null;
}
