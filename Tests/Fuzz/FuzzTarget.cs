namespace CineKernel.Fuzz;

/// <summary>
/// One fuzz target: a file parser run the way the engine runs it, the exception type it documents for bad
/// input, how a fuzz input becomes the file it reads, and the valid files its corpus starts from.
/// <see cref="Check"/> is the contract every input is held to, by AFL++ (Program's <c>run</c>) and by the
/// property tests in the suite alike.
/// </summary>
public sealed class FuzzTarget
{
    /// <summary>The name used by <c>run-fuzzers.sh</c> and the <c>run</c>, <c>seeds</c> and <c>replay</c> commands.</summary>
    public required string Name { get; init; }

    /// <summary>One line: what is parsed, with which entry points.</summary>
    public required string Description { get; init; }

    /// <summary>The exception type the parser documents for bad input (any other type is a finding).</summary>
    public required Type Refusal { get; init; }

    /// <summary>Reads the file at the path as the engine does (open, then read every tensor or decode the pixels).</summary>
    public required Action<string> Parse { get; init; }

    /// <summary>The valid files the corpus starts from, made from the repository's files: (name, bytes).</summary>
    public required Func<IEnumerable<(string Name, byte[] Bytes)>> Seeds { get; init; }

    /// <summary>Turns a fuzz input into the file's bytes (the pickle target wraps it in a checkpoint archive).</summary>
    public Func<byte[], byte[]> Prepare { get; init; } = bytes => bytes;

    /// <summary>
    /// Managed bytes a parse may allocate per byte of the file, plus <see cref="AllocationSlack"/>: what the
    /// file's real size justifies (tensors widen to float32, headers become objects). Null when the parser
    /// allocates outside the managed heap (ImageSharp's pixel buffers) and is bounded another way.
    /// </summary>
    public int? AllocationPerByte { get; init; }

    /// <summary>
    /// Managed bytes a parse may allocate whatever the input, on top of <see cref="AllocationPerByte"/>: the
    /// parser's fixed costs (a decoder's tables and scratch buffers, which ArrayPool trimming makes it allocate again).
    /// </summary>
    public long AllocationSlack { get; init; } = 1 << 20;

    /// <summary>
    /// Parses the file and holds the parser to its contract: it either accepts the file or throws
    /// <see cref="Refusal"/> with a one-line message naming the file, and it allocates no more than the
    /// file's size justifies. An exception of any other type passes through unchanged.
    /// </summary>
    /// <exception cref="FuzzFindingException">A refusal over several lines or not naming the file, or an allocation past the bound.</exception>
    public FuzzResult Check(string path)
    {
        long length = new FileInfo(path).Length;
        long before = GC.GetAllocatedBytesForCurrentThread();
        string? refusal = null;
        try
        {
            Parse(path);
        }
        catch (Exception e) when (Refusal.IsInstanceOfType(e))
        {
            refusal = e.Message;
            if (refusal.Contains('\n') || refusal.Contains('\r'))
                throw new FuzzFindingException($"{Name}: the refusal spans several lines: {refusal.ReplaceLineEndings(" | ")}", e);
            if (!refusal.Contains(path, StringComparison.Ordinal))
                throw new FuzzFindingException($"{Name}: the refusal does not name the file: {refusal}", e);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (AllocationPerByte is { } perByte && allocated > perByte * length + AllocationSlack)
            throw new FuzzFindingException(
                $"{Name}: {allocated} bytes allocated for a {length}-byte file (allowed: {perByte} a byte + {AllocationSlack})" +
                (refusal is null ? "" : $", then refused: {refusal}"));
        return new FuzzResult(refusal, allocated);
    }
}
