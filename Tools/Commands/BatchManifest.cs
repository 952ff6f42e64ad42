using System.Globalization;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;

namespace CineKernel.Tools;

/// <summary>
/// A <c>cinekernel batch</c> manifest: one photo per row, as CSV with a header row (parsed by CsvHelper, RFC 4180
/// quoting) or as JSON lines (one object per line, System.Text.Json; blank lines and lines starting with <c>#</c>
/// skipped). Column names are animate's long option names without the dashes (<c>frames</c>, <c>size</c>, ...) plus
/// <c>photo</c>, <c>output</c> and <c>arrows</c>; values are text (a JSON number or boolean is taken as written, a JSON
/// array as a list, e.g. of arrows). A row that cannot be read is kept with its <see cref="BatchRow.Error"/>, so the
/// others still render; a manifest that cannot be read at all is an error.
/// </summary>
internal sealed class BatchManifest
{
    private BatchManifest(string path, IReadOnlyList<BatchRow> rows)
    {
        Path = path;
        Folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        Rows = rows;
    }

    /// <summary>The manifest as given.</summary>
    public string Path { get; }

    /// <summary>The folder relative paths in the rows are taken from.</summary>
    public string Folder { get; }

    /// <summary>Every data row in order (the shard of row i is i mod N).</summary>
    public IReadOnlyList<BatchRow> Rows { get; }

    /// <summary>Reads a manifest: JSON lines for <c>.jsonl</c>, <c>.ndjson</c> and <c>.json</c>, CSV for <c>.csv</c>, else JSON lines when the first character is <c>{</c>.</summary>
    /// <exception cref="CliException">The file is missing, unreadable or has no rows; a CSV header is empty or names a column twice.</exception>
    public static BatchManifest Load(string path)
    {
        if (!File.Exists(path)) throw new CliException($"manifest not found: {path}");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{path}: cannot read the manifest ({e.Message})");
        }
        string extension = System.IO.Path.GetExtension(path).ToLowerInvariant();
        bool jsonLines = extension is ".jsonl" or ".ndjson" or ".json" || (extension != ".csv" && text.TrimStart().StartsWith('{'));
        var rows = jsonLines ? ReadJsonLines(path, text) : ReadCsv(path, text);
        if (rows.Count == 0) throw new CliException($"{path}: the manifest has no rows");
        return new BatchManifest(path, rows);
    }

    /// <summary>The column name as a key: trimmed, lower case, without leading dashes (<c>--Frames</c> is <c>frames</c>).</summary>
    public static string Key(string column) => column.Trim().TrimStart('-').ToLowerInvariant();

    private static List<BatchRow> ReadCsv(string path, string text)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            TrimOptions = TrimOptions.Trim,
            BadDataFound = null, // a stray quote is read as text; a wrong field count is the row's error
            IgnoreBlankLines = true,
        };
        using var reader = new CsvReader(new StringReader(text), config);
        if (!reader.Read() || !reader.ReadHeader() || reader.HeaderRecord is not { Length: > 0 } header || header.All(string.IsNullOrWhiteSpace))
            throw new CliException($"{path}: the CSV manifest needs a header row naming its columns (photo, output, ...)");
        var keys = header.Select(Key).ToArray();
        if (keys.FirstOrDefault(string.IsNullOrEmpty) is not null)
            throw new CliException($"{path}: the header has an empty column name (column {Array.IndexOf(keys, "") + 1})");
        if (keys.GroupBy(k => k).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new CliException($"{path}: the header names column '{twice.Key}' twice");
        var rows = new List<BatchRow>();
        while (reader.Read())
        {
            int line = reader.Parser.RawRow;
            var fields = reader.Parser.Record ?? [];
            if (fields.All(string.IsNullOrWhiteSpace)) continue;
            if (fields.Length != keys.Length)
            {
                rows.Add(new BatchRow(rows.Count + 1, line, new Dictionary<string, IReadOnlyList<string>>(),
                    $"line {line} has {fields.Length} fields; the header has {keys.Length}"));
                continue;
            }
            var values = new Dictionary<string, IReadOnlyList<string>>();
            for (int i = 0; i < keys.Length; i++)
                if (!string.IsNullOrWhiteSpace(fields[i])) values[keys[i]] = [fields[i].Trim()];
            rows.Add(new BatchRow(rows.Count + 1, line, values, null));
        }
        return rows;
    }

    private static List<BatchRow> ReadJsonLines(string path, string text)
    {
        var rows = new List<BatchRow>();
        int line = 0;
        foreach (string raw in text.Split('\n'))
        {
            line++;
            string s = raw.Trim();
            if (s.Length == 0 || s.StartsWith('#')) continue;
            rows.Add(ReadJsonRow(rows.Count + 1, line, s));
        }
        return rows;
    }

    private static BatchRow ReadJsonRow(int number, int line, string json)
    {
        var values = new Dictionary<string, IReadOnlyList<string>>();
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return new BatchRow(number, line, values, $"line {line} is not a JSON object");
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                string key = Key(property.Name);
                if (values.ContainsKey(key)) return new BatchRow(number, line, values, $"line {line} names '{key}' twice");
                if (property.Value.ValueKind == JsonValueKind.Null) continue;
                if (property.Value.ValueKind == JsonValueKind.Array)
                {
                    var items = new List<string>();
                    foreach (var item in property.Value.EnumerateArray())
                        items.Add(Scalar(item) ?? throw new FormatException($"'{key}' holds a {item.ValueKind} in its list; give text or numbers"));
                    values[key] = items;
                }
                else
                {
                    values[key] = [Scalar(property.Value) ?? throw new FormatException($"'{key}' is a JSON {property.Value.ValueKind}; give text, a number, true/false or a list")];
                }
            }
        }
        catch (JsonException e)
        {
            return new BatchRow(number, line, new Dictionary<string, IReadOnlyList<string>>(), $"line {line} is not valid JSON ({e.Message})");
        }
        catch (FormatException e)
        {
            return new BatchRow(number, line, new Dictionary<string, IReadOnlyList<string>>(), $"line {line}: {e.Message}");
        }
        return new BatchRow(number, line, values, null);
    }

    private static string? Scalar(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };
}
