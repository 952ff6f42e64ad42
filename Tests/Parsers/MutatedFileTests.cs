using System.Diagnostics;
using CineKernel.Fuzz;
using CineKernel.Tests.Support;
using CineKernel.Tests.WeightsLoader;
using CsCheck;
using NUnit.Framework;

namespace CineKernel.Tests.Parsers;

/// <summary>
/// Every parser the fuzzers cover (Tests/Fuzz), held to the same contract in the suite: valid files from the
/// repository, mutated (bit flips, truncations, huge length fields and numbers, duplicated and overlapping
/// offsets, repeated runs), are either read or refused with the parser's documented exception in one line
/// naming the file (<see cref="FuzzTarget.Check"/>), never allocate more than the file's size justifies,
/// and each finishes within <see cref="CaseLimit"/> (when timed twice: a first run may pay a decoder's JIT). CsCheck
/// prints the seed of a failing case (CsCheck_Seed reproduces it) and shrinks it.
/// </summary>
public class MutatedFileTests : FileTestBase
{
    /// <summary>No single parse may take longer than this (the slowest valid seed takes a few milliseconds).</summary>
    private static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Images may declare up to the decode limit (8192² pixels), which a mutated size field reaches with a file of a
    /// few KB; decoding that many pixels takes 2–3 s on a 2-core machine, so image cases get this bound instead.
    /// </summary>
    private static readonly TimeSpan ImageCaseLimit = TimeSpan.FromSeconds(10);

    [TestCase("safetensors", 3000)]
    [TestCase("npy", 3000)]
    [TestCase("npz", 2000)]
    [TestCase("flo", 3000)]
    [TestCase("torch-zip", 2000)]
    [TestCase("torch-legacy", 2000)]
    [TestCase("pickle", 2000)]
    [TestCase("image", 2000)]
    public void MutatedFilesAreReadOrRefusedCleanly(string name, int cases)
    {
        var target = FuzzTargets.Create(RepositoryPaths.Root).Single(t => t.Name == name);
        var seeds = target.Seeds().Select(s => s.Bytes).ToArray();
        string path = PathOf("input");
        // Warm up: the first parse of a kind runs type initialisers, which allocate.
        foreach (var seed in seeds)
        {
            File.WriteAllBytes(path, target.Prepare(seed));
            Assert.That(target.Check(path).Accepted || name == "pickle", $"seed of {name} is refused");
        }

        var limit = name == "image" ? ImageCaseLimit : CaseLimit;
        int refused = 0, total = 0;
        var clock = Stopwatch.StartNew();
        var gen = CsCheck.Gen.Select(CsCheck.Gen.Int[0, seeds.Length - 1], FileMutation.Gen.Array[1, 3]);
        // On a thread of its own, so that a parse that never returns fails the test instead of hanging the suite.
        var sampling = Task.Factory.StartNew(() => gen.Sample((seed, mutations) =>
        {
            File.WriteAllBytes(path, target.Prepare(FileMutation.ApplyAll(seeds[seed], mutations)));
            var start = clock.Elapsed;
            var result = target.Check(path);
            var took = clock.Elapsed - start;
            if (took > limit)
            {
                // A first run of a decoder path the warm-up did not reach pays its JIT (and may meet a GC): time the
                // same file again, and fail only when the parse itself is slow.
                start = clock.Elapsed;
                target.Check(path);
                var again = clock.Elapsed - start;
                if (again > limit)
                    throw new TimeoutException($"{name}: one parse took {took.TotalSeconds:F1} s, and {again.TotalSeconds:F1} s again");
            }
            total++;
            if (!result.Accepted) refused++;
        }, iter: cases, threads: 1, seed: "0N0XIzNsQ0O2"), TaskCreationOptions.LongRunning);
        Assert.That(sampling.Wait(TimeSpan.FromMinutes(2)), $"{name}: a parse hangs (after {total} cases)");
        sampling.GetAwaiter().GetResult();
        TestContext.Out.WriteLine($"{name}: {total} mutated files, {refused} refused, in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.That(refused, Is.GreaterThan(total / 10), "most mutations should damage something the parser checks");
    }
}
