using System.Text.Json;
using System.Text.RegularExpressions;
using CineKernel.Tests.Pipeline.Cinemagraph;
using CineKernel.Tests.Support;
using CineKernel.Tools;
using NUnit.Framework;

namespace CineKernel.Tests.Tools;

/// <summary>
/// <c>cinekernel batch</c>: shards that split a manifest without overlap, a rerun that renders only what is missing,
/// a bad row reported while the others finish, the shard from each scheduler's variables, JSON lines manifests.
/// </summary>
public class BatchCommandTests : CliTestBase
{
    private const string Header = "photo,output,frames,size,loop";

    /// <summary>Six rows: three sample folders (relative to the manifest), each twice with another output and loop.</summary>
    private string SixRows()
    {
        foreach (string name in new[] { "a", "b", "c" }) AnimateSample.Create(PathOf("in"), name, 64);
        var rows = new[] { "a", "b", "c" }.SelectMany((n, i) => new[] { $"in/{n},{n}1.gif,2,64,seamless", $"in/{n},{n}2,3,64,official" });
        return WriteManifest("photos.csv", [Header, .. rows]);
    }

    private string WriteManifest(string name, IEnumerable<string> lines)
    {
        string path = PathOf(name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static List<JsonElement> Events((int Exit, string Out, string Err) r) =>
        r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    private static List<string?> FailedErrors((int Exit, string Out, string Err) r) =>
        Events(r).Where(e => e.TryGetProperty("status", out var s) && s.GetString() == "failed").Select(e => e.GetProperty("error").GetString()).ToList();

    private static List<string> Outputs(List<JsonElement> events, string status) =>
        events.Where(e => e.GetProperty("event").GetString() == "row" && e.GetProperty("status").GetString() == status)
            .Select(e => e.GetProperty("output").GetString()!).ToList();

    private (int Exit, string Out, string Err) Batch(string manifest, params string[] extra) =>
        Run(["batch", manifest, "-o", PathOf("out"), "--device", "cpu", .. extra]);

    /// <summary>A manifest no run can use: exit 2, one error line holding <paramref name="expected"/>, nothing rendered, DIR not even made.</summary>
    private void AssertManifestRefused((int Exit, string Out, string Err) r, string expected)
    {
        Assert.That(r.Exit, Is.EqualTo(2), r.Err);
        Assert.That(r.Err.TrimEnd().Split('\n'), Has.Length.EqualTo(1), r.Err);
        Assert.That(r.Err, Does.StartWith("cinekernel: error:").And.Contain(expected));
        Assert.That(r.Out, Is.Empty);
        Assert.That(Directory.Exists(PathOf("out")), Is.False, "nothing done");
    }

    [Test]
    public void TwoShardsRenderEveryRowExactlyOnce()
    {
        string manifest = SixRows();
        var first = Batch(manifest, "--shard", "0/2");
        var second = Batch(manifest, "--shard", "1/2");
        Assert.That(first.Exit, Is.Zero, first.Err);
        Assert.That(second.Exit, Is.Zero, second.Err);
        var a = Outputs(Events(first), "rendered");
        var b = Outputs(Events(second), "rendered");
        Assert.Multiple(() =>
        {
            Assert.That(a, Is.EqualTo(new[] { "a1.gif", "b1.gif", "c1.gif" }), "rows 0, 2, 4");
            Assert.That(b, Is.EqualTo(new[] { "a2", "b2", "c2" }), "rows 1, 3, 5");
            Assert.That(a.Concat(b).Order(), Is.EqualTo(new[] { "a1.gif", "a2", "b1.gif", "b2", "c1.gif", "c2" }), "each row once");
        });
        Assert.That(Directory.GetFiles(PathOf("out"), "*.png", SearchOption.AllDirectories), Has.Length.EqualTo(9), "3 PNG frames × 3 folder rows");
        foreach (string gif in new[] { "a1.gif", "b1.gif", "c1.gif" }) Assert.That(new FileInfo(PathOf($"out/{gif}")).Length, Is.GreaterThan(100));
        var summary = Events(first)[^1];
        Assert.That(summary.GetProperty("event").GetString(), Is.EqualTo("summary"));
        Assert.That(summary.GetProperty("rendered").GetInt32(), Is.EqualTo(3));
        Assert.That(Events(first)[0].GetProperty("shard").GetString(), Is.EqualTo("0/2"));
    }

    [Test]
    public void ARunStoppedMidwayIsResumedByRenderingOnlyTheMissingRows()
    {
        string manifest = SixRows();
        Assert.That(Batch(manifest).Exit, Is.Zero);
        // What a killed run leaves: the outputs it finished (atomic: whole or absent) and perhaps a hidden temporary.
        foreach (string lost in new[] { "b2", "c1.gif", "c2" })
        {
            string path = PathOf($"out/{lost}");
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else File.Delete(path);
        }
        File.WriteAllBytes(PathOf("out/.c1.gif.0badc0de.partial"), [71, 73, 70]);
        var kept = new[] { "a1.gif", "b1.gif" }.ToDictionary(f => f, f => File.GetLastWriteTimeUtc(PathOf($"out/{f}")));

        var rerun = Batch(manifest);
        Assert.That(rerun.Exit, Is.Zero, rerun.Err);
        var events = Events(rerun);
        Assert.Multiple(() =>
        {
            Assert.That(Outputs(events, "rendered"), Is.EqualTo(new[] { "b2", "c1.gif", "c2" }), "only the missing rows");
            Assert.That(Outputs(events, "skipped"), Is.EqualTo(new[] { "a1.gif", "a2", "b1.gif" }));
            foreach (var (file, time) in kept) Assert.That(File.GetLastWriteTimeUtc(PathOf($"out/{file}")), Is.EqualTo(time), $"{file} untouched");
            Assert.That(Directory.GetFiles(PathOf("out/c2"), "*.png"), Has.Length.EqualTo(3));
        });
        Assert.That(Outputs(Events(Batch(manifest)), "rendered"), Is.Empty, "a third run has nothing left to do");
    }

    [Test]
    public void AGifOver50FpsIsABadRowNamingTheColumns()
    {
        AnimateSample.Create(PathOf("in"), "a", 64);
        var r = Batch(WriteManifest("photos.csv", ["photo,output,frames,size,fps", "in/a,fast.gif,2,64,60", "in/a,fast.mp4,2,64,60"]));
        Assert.That(r.Exit, Is.EqualTo(1));
        var failed = Events(r).Where(e => e.GetProperty("event").GetString() == "row" && e.GetProperty("status").GetString() == "failed").ToList();
        Assert.That(failed.Select(e => e.GetProperty("error").GetString()),
            Is.EqualTo(new[] { "fps 60: a GIF plays at most 50 fps; give an .mp4 output or fps 50 or less" }));
        Assert.That(Outputs(Events(r), "rendered"), Is.EqualTo(new[] { "fast.mp4" }));
    }

    [Test]
    public void ABadRowIsReportedAndTheOthersFinish()
    {
        AnimateSample.Create(PathOf("in"), "a", 64);
        string manifest = WriteManifest("photos.csv", [Header, "in/a,one.gif,2,64,seamless", "in/missing.png,two.gif,2,64,seamless", "in/a,three.gif,2,64,seamless",
            "in/a,four.gif,1,64,seamless", "in/a,five.txt,2,64,seamless"]);
        var r = Batch(manifest);
        Assert.That(r.Exit, Is.EqualTo(1), "a failed row fails the run, at the end");
        var events = Events(r);
        Assert.That(Outputs(events, "rendered"), Is.EqualTo(new[] { "one.gif", "three.gif" }));
        var failed = events.Where(e => e.GetProperty("event").GetString() == "row" && e.GetProperty("status").GetString() == "failed").ToList();
        Assert.That(failed.Select(e => e.GetProperty("row").GetInt32()), Is.EqualTo(new[] { 2, 4, 5 }));
        Assert.That(failed[0].GetProperty("error").GetString(), Does.Contain("input not found").And.Contain("missing.png"));
        Assert.That(failed[1].GetProperty("error").GetString(), Does.StartWith("frames must be between 2 and 10000").And.Not.Contain("--frames"),
            "animate's own check, naming the column");
        Assert.That(failed[2].GetProperty("error").GetString(), Does.StartWith("output 'five.txt': '.txt' is not an output batch writes; give a .gif or .mp4 name"));
        Assert.That(events[^1].GetProperty("failed").GetInt32(), Is.EqualTo(3));
        Assert.That(r.Err, Does.Contain("row 2 (line 3, two.gif)").And.Contain("2 rendered, 0 already done, 3 failed of 5 rows"));
        Assert.That(File.Exists(PathOf("out/two.gif")) || File.Exists(PathOf("out/four.gif")), Is.False);
        Assert.That(Directory.GetFiles(PathOf("out"), "*.partial"), Is.Empty);
    }

    [Test]
    public void JsonLinesTakeAnimateOptionsArraysAndNumbers()
    {
        string sample = AnimateSample.Create(PathOf("in"), "a", 64);
        string manifest = WriteManifest("photos.jsonl", [
            "# arrows instead of the sample's motion",
            """{"photo": "in/a/a.png", "output": "arrows.gif", "frames": 2, "size": 64, "arrows": ["10,10,20,10", "40,40,40,50"], "speed": 0.5}""",
            "",
            """{"photo": "in/a", "output": "sample.gif", "frames": 3, "size": 64, "fps": 10}""",
            """{"photo": "in/a", "output": "broken.gif", """,
        ]);
        var r = Batch(manifest);
        Assert.That(r.Exit, Is.EqualTo(1), r.Err);
        var events = Events(r);
        Assert.That(Outputs(events, "rendered"), Is.EqualTo(new[] { "arrows.gif", "sample.gif" }));
        var arrows = events.First(e => e.TryGetProperty("report", out _)).GetProperty("report");
        Assert.That(arrows.GetProperty("motion").GetString(), Is.EqualTo("arrows"));
        Assert.That(arrows.GetProperty("speed").GetDouble(), Is.EqualTo(0.5));
        Assert.That(Outputs(events, "failed"), Is.Empty.Or.All.Null, "the broken line has no readable output");
        Assert.That(events.Single(e => e.TryGetProperty("status", out var s) && s.GetString() == "failed").GetProperty("line").GetInt32(), Is.EqualTo(5));
        Assert.That(sample, Does.EndWith("a"));
    }

    [TestCase("fram", "x", "unknown column 'fram'")]
    [TestCase("fram", "", "unknown column 'fram'")]
    [TestCase("device", "x", "column 'device' is not per row (give batch --device)")]
    [TestCase("quiet", "", "column 'quiet' is not per row")]
    [TestCase("overwrite", "x", "column 'overwrite' is not per row (a batch never replaces a finished output")]
    public void AColumnNoRowCanUseStopsTheBatchBeforeAnyWork(string column, string cell, string expected)
    {
        AnimateSample.Create(PathOf("in"), "a", 64);
        var r = Batch(WriteManifest("photos.csv", [$"photo,output,{column}", $"in/a,one.gif,{cell}"]));
        AssertManifestRefused(r, $"photos.csv line 1: {expected}");
    }

    [Test]
    public void AJsonLinesColumnNoRowCanUseIsRefusedAtTheLineThatFirstNamesIt()
    {
        AnimateSample.Create(PathOf("in"), "a", 64);
        var r = Batch(WriteManifest("photos.jsonl", [
            """{"photo": "in/a", "output": "one.gif"}""",
            """{"photo": "in/a", "output": "two.gif", "fram": null}""",
            """{"photo": "in/a", "output": "three.gif", "fram": 3}""",
        ]));
        AssertManifestRefused(r, "photos.jsonl line 2: unknown column 'fram'");
    }

    [Test]
    public void TheUnknownColumnMessageListsOnlyTheColumnsARowMayHave()
    {
        var r = Batch(WriteManifest("photos.csv", ["photo,output,fram", "a.png,one.gif,3"]));
        AssertManifestRefused(r, "(a row's columns: photo, output, arrows, fps, frames, loop, mask, motion, preview, region, size, speed, style)");
        foreach (string batchWide in new[] { "device", "flow-net", "weights", "overwrite", "quiet", "help" }) Assert.That(r.Err, Does.Not.Contain(batchWide));
    }

    [Test]
    public void TwoRowsWithOneOutputAreRefused()
    {
        var r = Batch(WriteManifest("photos.csv", ["photo,output", "a.png,same.gif", "b.png,SAME.gif", "c.png,other.gif", "d.png,Same.gif", "e.png,same.gif"]));
        AssertManifestRefused(r, "'same.gif' is the output of rows 1 and 5, 'SAME.gif' the output of row 2 and 'Same.gif' the output of row 4; "
                                 + "every output and preview needs a name of its own");
    }

    [TestCase("p8.gif", "pv2", "'p8.gif' is the output of row 2 and the preview of row 1")]
    [TestCase("pv", "PV", "'pv' is the preview of row 1 and 'PV' the preview of row 2")]
    [TestCase("P8.GIF", "pv2", "'P8.GIF' is the preview of row 1 and 'p8.gif' the output of row 2")]
    [TestCase("pv", "pv", "'pv' is the preview of rows 1 and 2")]
    [TestCase("one.gif", "two", "'one.gif' is the output of row 1 and the preview of row 1")]
    public void APreviewNamedLikeAnotherOutputOrPreviewIsRefused(string firstPreview, string secondPreview, string expected)
    {
        AnimateSample.Create(PathOf("in"), "a", 64);
        var r = Batch(WriteManifest("photos.csv", ["photo,output,preview,frames,size", $"in/a,one.gif,{firstPreview},2,64", $"in/a,p8.gif,{secondPreview},2,64"]));
        AssertManifestRefused(r, expected);
    }

    [TestCase("output", "../escape.gif")]
    [TestCase("output", ".hidden.gif")]
    [TestCase("output", "sub/one.gif")]
    [TestCase("output", "frames/")]
    [TestCase("preview", "../escape")]
    [TestCase("preview", "ABSOLUTE")]
    [TestCase("preview", ".hidden")]
    public void ANameThatIsNotAPlainNameInDirIsABadRow(string column, string name)
    {
        AnimateSample.Create(PathOf("in"), "a", 64);
        if (name == "ABSOLUTE") name = PathOf("absolute");
        string bad = column == "output" ? $"in/a,{name},,2,64" : $"in/a,bad.gif,{name},2,64";
        var r = Batch(WriteManifest("photos.csv", ["photo,output,preview,frames,size", bad, "in/a,good.gif,good,2,64"]));
        Assert.That(r.Exit, Is.EqualTo(1), r.Err);
        var events = Events(r);
        var failed = events.Single(e => e.TryGetProperty("status", out var s) && s.GetString() == "failed");
        Assert.That(failed.GetProperty("error").GetString(), Is.EqualTo($"{column} '{name}' must be a plain name inside -o DIR: no folders or '/', and not starting with '.'"));
        Assert.That(Outputs(events, "rendered"), Is.EqualTo(new[] { "good.gif" }));
        Assert.That(Directory.GetFileSystemEntries(Dir).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "in", "out", "photos.csv" }), "nothing written outside DIR");
        Assert.That(Directory.GetFileSystemEntries(PathOf("out")).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "good", "good.gif" }));
    }

    [Test]
    public void ARowWhoseOutputIsMissingOrEmptyIsRenderedAgainWithItsPreviews()
    {
        AnimateSample.Create(PathOf("in"), "a", 64);
        string manifest = WriteManifest("photos.csv", ["photo,output,preview,frames,size", "in/a,p1.gif,pv1,2,64", "in/a,p2.gif,pv2,2,64"]);
        Assert.That(Batch(manifest).Exit, Is.Zero);
        var previewTime = File.GetLastWriteTimeUtc(PathOf("out/pv1/contact_sheet.png"));
        File.Delete(PathOf("out/p1.gif"));
        File.WriteAllBytes(PathOf("out/p2.gif"), []); // an empty file is no finished output (they are renamed into place whole)
        Thread.Sleep(20);

        var rerun = Batch(manifest);
        Assert.That(rerun.Exit, Is.Zero, rerun.Err);
        Assert.That(Outputs(Events(rerun), "rendered"), Is.EqualTo(new[] { "p1.gif", "p2.gif" }));
        Assert.That(new FileInfo(PathOf("out/p2.gif")).Length, Is.GreaterThan(100));
        Assert.That(File.GetLastWriteTimeUtc(PathOf("out/pv1/contact_sheet.png")), Is.GreaterThan(previewTime), "the row's previews replaced");
        Assert.That(Outputs(Events(Batch(manifest)), "skipped"), Is.EqualTo(new[] { "p1.gif", "p2.gif" }), "the main output decides");
    }

    [TestCase("fr", "file", "output 'fr' is a file in -o DIR, but an output without an extension is a folder of PNG frames: remove or rename the file")]
    [TestCase("fr", "empty file", "output 'fr' is a file in -o DIR, but an output without an extension is a folder of PNG frames")]
    [TestCase("f.gif", "folder", "output 'f.gif' is a folder in -o DIR, but a .gif output is a file: remove or rename the folder")]
    [TestCase("lnk.gif", "dangling link", "output 'lnk.gif' is a symbolic link in -o DIR; batch neither follows nor replaces links")]
    [TestCase("lnk.gif", "link", "output 'lnk.gif' is a symbolic link in -o DIR")]
    [TestCase("lnk", "folder link", "output 'lnk' is a symbolic link in -o DIR")]
    public void AnOutputOfTheWrongKindIsABadRowNeverDone(string name, string what, string expected)
    {
        AnimateSample.Create(PathOf("in"), "a", 64);
        string target = PathOf($"out/{name}");
        Directory.CreateDirectory(PathOf("out"));
        Directory.CreateDirectory(PathOf("elsewhere/frames"));
        File.WriteAllBytes(PathOf("elsewhere/frames/frame_0000.png"), [1]);
        File.WriteAllBytes(PathOf("elsewhere/x.gif"), [71, 73, 70]);
        switch (what)
        {
            case "file": File.WriteAllBytes(target, [1, 2, 3]); break;
            case "empty file": File.WriteAllBytes(target, []); break;
            case "folder": Directory.CreateDirectory(target); File.WriteAllBytes(Path.Combine(target, "frame_0000.png"), [1]); break;
            case "dangling link": File.CreateSymbolicLink(target, PathOf("nowhere.gif")); break;
            case "link": File.CreateSymbolicLink(target, PathOf("elsewhere/x.gif")); break;
            case "folder link": Directory.CreateSymbolicLink(target, PathOf("elsewhere/frames")); break;
        }
        var r = Batch(WriteManifest("photos.csv", ["photo,output,frames,size", $"in/a,{name},2,64", "in/a,good.gif,2,64"]));
        Assert.That(r.Exit, Is.EqualTo(1), r.Err);
        Assert.That(FailedErrors(r).Single(), Does.StartWith(expected));
        Assert.That(Outputs(Events(r), "skipped"), Is.Empty, "never taken as done");
        Assert.That(Outputs(Events(r), "rendered"), Is.EqualTo(new[] { "good.gif" }));
        Assert.That(Directory.GetFileSystemEntries(PathOf("elsewhere"), "*", SearchOption.AllDirectories).Select(Path.GetFileName).Order(),
            Is.EqualTo(new[] { "frame_0000.png", "frames", "x.gif" }), "nothing written through a link");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void APreviewThatIsALinkIsABadRowAndNothingIsWrittenThroughIt(bool outputDone)
    {
        AnimateSample.Create(PathOf("in"), "a", 64);
        Directory.CreateDirectory(PathOf("outside"));
        Directory.CreateDirectory(PathOf("out"));
        Directory.CreateSymbolicLink(PathOf("out/pl"), "../outside");
        if (outputDone) File.WriteAllBytes(PathOf("out/one.gif"), [71, 73, 70]);
        var r = Batch(WriteManifest("photos.csv", ["photo,output,preview,frames,size", "in/a,one.gif,pl,2,64", "in/a,two.gif,pv,2,64"]));
        Assert.That(r.Exit, Is.EqualTo(1), r.Err);
        Assert.That(FailedErrors(r), Is.EqualTo(new[] { "preview 'pl' is a symbolic link in -o DIR; batch neither follows nor replaces links: remove it or give another name" }));
        Assert.That(Outputs(Events(r), "rendered"), Is.EqualTo(new[] { "two.gif" }));
        Assert.That(Directory.GetFileSystemEntries(PathOf("outside")), Is.Empty, "no preview escaped DIR");
    }

    [Test]
    public void AFramesFolderWithoutFramesIsRenderedOver()
    {
        AnimateSample.Create(PathOf("in"), "a", 64);
        Directory.CreateDirectory(PathOf("out/fr"));
        var r = Batch(WriteManifest("photos.csv", ["photo,output,frames,size", "in/a,fr,2,64"]));
        Assert.That(r.Exit, Is.Zero, r.Err);
        Assert.That(Outputs(Events(r), "rendered"), Is.EqualTo(new[] { "fr" }));
        Assert.That(Directory.GetFiles(PathOf("out/fr"), "frame_*.png"), Has.Length.EqualTo(2));
        Assert.That(Outputs(Events(Batch(PathOf("photos.csv"))), "skipped"), Is.EqualTo(new[] { "fr" }), "done once it holds its frames");
    }

    [TestCase("photos.csv", "photo,output\n", "the manifest has no rows")]
    [TestCase("photos.csv", "", "the CSV manifest needs a header row")]
    [TestCase("photos.csv", "photo,output,Photo\na.png,one.gif,b.png\n", "photos.csv line 1: the header names column 'photo' twice")]
    [TestCase("photos.csv", "photo,,output\n", "the header has an empty column name (column 2)")]
    [TestCase("photos.jsonl", "# nothing\n\n", "the manifest has no rows")]
    [TestCase("photos.jsonl", "{\"photo\": \"a.png\", \"output\": \"one.gif\"}\n\n{\"photo\": \"a.png\", \"frames\": null, \"output\": \"two.gif\", \"Frames\": 3}\n",
        "photos.jsonl line 3: the object names column 'frames' twice")]
    [TestCase("missing.csv", null, "manifest not found")]
    [TestCase("folder.csv", null, "manifest")]
    public void AnUnusableManifestExits2BeforeAnyWork(string name, string? text, string expected)
    {
        if (text is not null) File.WriteAllText(PathOf(name), text);
        if (name == "folder.csv") Directory.CreateDirectory(PathOf(name));
        var r = Batch(PathOf(name));
        AssertManifestRefused(r, expected);
        if (name == "folder.csv") Assert.That(r.Err, Does.Contain("is a folder; give the manifest file"));
    }

    [Test]
    public void WeightsThatCannotBeOpenedExit2WithoutMakingDir()
    {
        AnimateSample.Create(PathOf("in"), "a", 64);
        var r = Batch(WriteManifest("photos.csv", ["photo,output,frames,size", "in/a,one.gif,2,64"]), "--weights", PathOf("no-weights"));
        AssertManifestRefused(r, "no-weights");
    }

    [Test]
    public void AnUnterminatedQuoteIsReportedOnTheLineItStarts()
    {
        var r = Batch(WriteManifest("photos.csv", ["photo,output", "\"in/a,one.gif", "in/a,two.gif"]));
        AssertManifestRefused(r, "photos.csv line 2: unterminated quoted field");
    }

    [Test]
    public void ARowIsNumberedByTheLineItStartsOn()
    {
        AnimateSample.Create(PathOf("in"), "a", 64);
        // A quoted field may hold a line break; blank lines are skipped but counted.
        var r = Batch(WriteManifest("photos.csv", ["photo,output,frames,size", "\"in/a", "b\",one.gif,2,64", "", "in/a,two.gif,2", "in/a,three.gif,2,64"]));
        Assert.That(r.Exit, Is.EqualTo(1));
        var failed = Events(r).Where(e => e.TryGetProperty("status", out var s) && s.GetString() == "failed").ToList();
        Assert.That(failed.Select(e => (e.GetProperty("row").GetInt32(), e.GetProperty("line").GetInt32())), Is.EqualTo(new[] { (1, 2), (2, 5) }));
        Assert.That(failed[1].GetProperty("error").GetString(), Is.EqualTo("the row has 3 fields; the header has 4"));
        Assert.That(Outputs(Events(r), "rendered"), Is.EqualTo(new[] { "three.gif" }));
    }

    [Test]
    public void RowErrorsNameTheColumnsNotAnimatesOptions()
    {
        AnimateSample.Create(PathOf("in"), "a", 64);
        string manifest = WriteManifest("photos.jsonl", [
            """{"photo": "in/a/a.png", "output": "no-motion.gif", "frames": 2, "size": 64}""",
            """{"photo": "in/a", "output": "odd.mp4", "frames": 2, "size": 63}""",
            """{"photo": "in/a", "output": "style.gif", "frames": 2, "size": 64, "style": "in/a/a.png"}""",
            """{"photo": "in/a", "output": "loop.gif", "loop": "sideways"}""",
            """{"photo": "in/--size", "output": "path.gif"}""",
        ]);
        var r = Batch(manifest);
        Assert.That(r.Exit, Is.EqualTo(1));
        Assert.That(FailedErrors(r), Is.EqualTo(new[]
        {
            "no motion: give a motion column (.npy, .npz or .flo) or an arrows column (or a sample folder with NAME_motion.npy)",
            "size 63 is odd; an MP4 (H.264, yuv420p) needs even sides: give 62 or 64",
            "style needs --weights DIR (the full StyleCineGAN path; see weights.md)", // the batch's own option keeps its dashes
            "loop must be seamless or official, got 'sideways'",
            $"input not found: {PathOf("in/--size")}", // a path in a message is left as it is
        }));
        Assert.That(r.Out, Does.Contain("got 'sideways'").And.Not.Contain("\\u0027"), "apostrophes as they are in the JSON lines");
    }

    [Test]
    public void AJsonValueThatIsNotTextIsARowErrorInPlainWords()
    {
        AnimateSample.Create(PathOf("in"), "a", 64); // so that only the values can fail
        var r = Batch(WriteManifest("photos.jsonl", [
            """{"photo": "in/a", "output": "object.gif", "frames": {"n": 2}}""",
            """{"photo": "in/a", "output": "list.gif", "arrows": [["1,2,3,4"]]}""",
            """{"photo": "in/a", "output": "null.gif", "arrows": ["1,2,3,4", null]}""",
            """{"photo": "in/a", "output": ["j8.gif", "j9.gif"], "frames": 2, "size": 64}""",
            """{"photo": "in/a", "output": "four.gif", "frames": [4]}""",
            """{"photo": "in/a", "output": "arrows.gif", "arrows": {"a": 1}}""",
        ]));
        Assert.That(r.Exit, Is.EqualTo(1));
        Assert.That(FailedErrors(r), Is.EqualTo(new[]
        {
            "'frames' is a JSON object; give text, a number or true/false",
            "'arrows' holds a JSON array in its list; give text or numbers",
            "'arrows' holds null in its list; give text or numbers",
            "'output' is a JSON list; only arrows may hold a list: give output one value",
            "'frames' is a JSON list; only arrows may hold a list: give frames one value",
            "'arrows' is a JSON object; give text, a number, true/false or a list",
        }));
        Assert.That(Outputs(Events(r), "failed"), Is.EqualTo(new[] { "object.gif", "list.gif", "null.gif", null, "four.gif", "arrows.gif" }),
            "the row's other fields are still read");
        Assert.That(Regex.Matches(r.Err, "line 6"), Has.Count.EqualTo(1), r.Err);
        Assert.That(r.Err, Does.Contain("row 6 (line 6, arrows.gif): 'arrows' is a JSON object"));
        Assert.That(Directory.GetFileSystemEntries(PathOf("out")), Is.Empty, "no 'j8.gif;j9.gif'");
    }

    /// <summary>The README's manifests: every column accepted, and every row with its motion (a file, arrows, or a sample folder's).</summary>
    [Test]
    public void TheReadmeManifestsAreValid()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md")).Replace("\r\n", "\n");
        string section = readme[readme.IndexOf("## Many photos: `batch`", StringComparison.Ordinal)..];
        var blocks = Regex.Matches(section, @"^```\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        foreach (var (name, text) in new[] { ("photos.csv", blocks[1]), ("photos.jsonl", blocks[2]) })
        {
            string manifest = WriteManifest(name, [text]);
            foreach (var row in BatchManifest.Load(manifest).Rows)
                Assert.That(row.Get("motion") ?? row.Get("arrows") ?? (row.Get("photo")!.EndsWith('/') ? "sample" : null), Is.Not.Null, $"{name} row {row.Number}: no motion");
            var r = Batch(manifest);
            Assert.That(r.Exit, Is.EqualTo(1), r.Err);
            Assert.That(Events(r).Where(e => e.TryGetProperty("status", out var s) && s.GetString() == "failed").Select(e => e.GetProperty("error").GetString()),
                Has.All.StartWith("input not found"), "only the photos are missing here");
        }
    }

    [Test]
    public void TheHelpMarksTheOutputRequiredAndGivesTheExitCodes()
    {
        var help = Run("batch", "--help");
        Assert.That(help.Exit, Is.Zero);
        Assert.That(help.Out, Does.Match(@"-o, --output <DIR> \(REQUIRED\)"));
        Assert.That(help.Out, Does.Contain("Exit codes: 0 every row rendered or already done, 1 some row failed, 2 the manifest or the command line is unusable"));
        var r = Run("batch", PathOf("photos.csv"));
        Assert.That(r.Exit, Is.EqualTo(2));
        Assert.That(r.Err.Trim(), Is.EqualTo("cinekernel: error: batch needs -o DIR (the folder the outputs are written into, created if missing)"));
    }

    [Test]
    public void TheShardComesFromTheSchedulersVariables()
    {
        static BatchShard Shard(string? option, params (string Name, string Value)[] env) =>
            BatchShard.Resolve(option, name => env.FirstOrDefault(e => e.Name == name).Value);
        Assert.Multiple(() =>
        {
            Assert.That(Shard(null), Is.EqualTo(new BatchShard(0, 1, "default")));
            Assert.That(Shard(null, ("JOB_COMPLETION_INDEX", "2"), ("JOB_COMPLETIONS", "3")), Is.EqualTo(new BatchShard(2, 3, "JOB_COMPLETION_INDEX/JOB_COMPLETIONS")));
            Assert.That(Shard(null, ("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "4")).ToString(), Is.EqualTo("1/4"));
            Assert.That(Shard(null, ("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_COUNT", "3"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_STEP", "2")).ToString(),
                Is.EqualTo("2/3"), "--array=1-5:2: ids 1, 3, 5");
            Assert.That(Shard("0/2", ("JOB_COMPLETION_INDEX", "1"), ("JOB_COMPLETIONS", "2")).Source, Is.EqualTo("--shard"), "the option wins");
            Assert.That(Shard(null, ("JOB_COMPLETION_INDEX", "0"), ("JOB_COMPLETIONS", "2"), ("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "2")).Index,
                Is.Zero, "Kubernetes before Slurm");
        });
        Assert.That(new BatchShard(1, 3, "").Owns(4) && !new BatchShard(1, 3, "").Owns(3), Is.True, "row i goes to i mod N");
        foreach (var (option, env, message) in new (string?, (string, string)[], string)[]
                 {
                     (null, [("JOB_COMPLETION_INDEX", "1")], "JOB_COMPLETIONS is not"),
                     (null, [("JOB_COMPLETION_INDEX", "3"), ("JOB_COMPLETIONS", "3")], "not below the shard count 3"),
                     (null, [("SLURM_ARRAY_TASK_ID", "x"), ("SLURM_ARRAY_TASK_COUNT", "2")], "SLURM_ARRAY_TASK_ID must be an integer"),
                     (null, [("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "3"), ("SLURM_ARRAY_TASK_STEP", "2"), ("SLURM_ARRAY_TASK_MIN", "1")], "not on the array's range"),
                     ("2/2", [], "not below the shard count 2"),
                     ("1of2", [], "--shard expects I/N"),
                 })
        {
            var e = Assert.Throws<CliException>(() => Shard(option, env))!;
            Assert.That(e.Message, Does.Contain(message));
            Assert.That(e.ExitCode, Is.EqualTo(2));
        }
    }

    [Test]
    public void TheSameCommandLineRendersItsIndexedJobShard()
    {
        string manifest = SixRows();
        var stdout = new StringWriter();
        var env = new Dictionary<string, string> { ["JOB_COMPLETION_INDEX"] = "2", ["JOB_COMPLETIONS"] = "3" };
        var command = BatchCommand.Create(stdout, new StringWriter(), name => env.GetValueOrDefault(name));
        int exit = Cli.ParseCommand(command, [manifest, "-o", PathOf("out"), "--device", "cpu"]).Invoke();
        Assert.That(exit, Is.Zero);
        var events = Events((exit, stdout.ToString(), ""));
        Assert.That(Outputs(events, "rendered"), Is.EqualTo(new[] { "b1.gif", "c2" }), "rows 2 and 5 of 0..5");
        Assert.That(events[0].GetProperty("shard_source").GetString(), Is.EqualTo("JOB_COMPLETION_INDEX/JOB_COMPLETIONS"));
    }
}
