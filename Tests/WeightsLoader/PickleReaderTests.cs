using System.Numerics;
using CineKernel.WeightsLoader.Torch;
using NUnit.Framework;

namespace CineKernel.Tests.WeightsLoader;

public class PickleReaderTests
{
    private static object? Load(PickleBuilder p) => PickleReader.Load("x.pkl", p.ToArray());

    private static string Refusal(PickleBuilder p) =>
        Assert.Throws<InvalidDataException>(() => Load(p))!.Message;

    [Test]
    public void RebuildsPlainContainersAndScalars()
    {
        var p = new PickleBuilder().Proto().EmptyDict().Put(0).Mark()
            .Str("list").EmptyList().Put(1).Mark().Int(1).Int(300).Int(-5).Int(1L << 40).Float(0.5).Appends()
            .Str("tuple").Str("a").None().Bool(true).Tuple3()
            .Str("same").Get(1)
            .Str("big").Op(0x8a).Raw(9, 0, 0, 0, 0, 0, 0, 0, 0, 1) // LONG1: 2^64
            .Str("neg").Op(0x8a).Raw(2, 0x00, 0xff) // LONG1: -256
            .Str("bytes").Op((byte)'C').Raw(3, 1, 2, 3) // SHORT_BINBYTES
            .Op(0x8c).Raw(3).Raw("k\u00e9"u8.ToArray()).Op(0x8c).Raw(0) // SHORT_BINUNICODE 'ké' -> ''
            .SetItems().Stop();
        var root = (PyDict)Load(p)!;
        Assert.That(root.Keys, Is.EqualTo(new object[] { "list", "tuple", "same", "big", "neg", "bytes", "k\u00e9" }));
        var list = (PyList)root.Get("list")!;
        Assert.That(list, Is.EqualTo(new object[] { 1L, 300L, -5L, 1L << 40, 0.5 }));
        Assert.That(root.Get("same"), Is.SameAs(list), "BINGET returns the memoised object itself");
        Assert.That(((PyTuple)root.Get("tuple")!).Items, Is.EqualTo(new object?[] { "a", null, true }));
        Assert.That(root.Get("big"), Is.EqualTo(BigInteger.One << 64));
        Assert.That(root.Get("neg"), Is.EqualTo(-256L));
        Assert.That(root.Get("bytes"), Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(root.Get("k\u00e9"), Is.EqualTo(""));
    }

    [Test]
    public void DictKeysFollowPythonEquality()
    {
        // {1: 'a', 1.0: 'b', (1, 'x'): 'c', True: 'd'} has two keys in Python: 1 (value 'd') and (1, 'x').
        var p = new PickleBuilder().Proto().EmptyDict().Mark()
            .Int(1).Str("a").Float(1.0).Str("b").Int(1).Str("x").Tuple2().Str("c").Bool(true).Str("d")
            .SetItems().Stop();
        var root = (PyDict)Load(p)!;
        Assert.That(root.Count, Is.EqualTo(2));
        Assert.That(root.Get(1L), Is.EqualTo("d"));
        Assert.That(root.Get(new PyTuple([1L, "x"])), Is.EqualTo("c"));
    }

    [Test]
    public void ArgparseNamespaceIsAnInertRecord()
    {
        var p = new PickleBuilder().Proto().Global("argparse", "Namespace").EmptyTuple().NewObj()
            .EmptyDict().Mark().Str("size").Int(256).Str("path").Str("lhq").Str("lr").Float(0.002).SetItems().Build().Stop();
        var record = (PyRecord)Load(p)!;
        Assert.That(record.TypeName, Is.EqualTo("argparse.Namespace"));
        Assert.That(record.Fields["size"], Is.EqualTo(256L));
        Assert.That(record.Fields["path"], Is.EqualTo("lhq"));
        Assert.That(record.Fields["lr"], Is.EqualTo(0.002));
    }

    [Test]
    public void OrderedDictKeepsBuildAttributesAside()
    {
        var p = new PickleBuilder().Proto().Global("collections", "OrderedDict").EmptyTuple().Reduce()
            .Str("w").Int(1).SetItem()
            .EmptyDict().Str("_metadata").EmptyDict().SetItem().Build().Stop();
        var dict = (PyDict)Load(p)!;
        Assert.That(dict.Ordered, Is.True);
        Assert.That(dict.Keys, Is.EqualTo(new object[] { "w" }));
        Assert.That(dict.Attributes.Keys, Is.EqualTo(new[] { "_metadata" }));
    }

    [Test]
    public void Protocol2BytesViaCodecsEncode()
    {
        var p = new PickleBuilder().Proto().Global("_codecs", "encode").Str("\u00ffA").Str("latin1").Tuple2().Reduce().Stop();
        Assert.That(Load(p), Is.EqualTo(new byte[] { 0xff, 0x41 }));
        p = new PickleBuilder().Proto().Global("_codecs", "encode").Str("A").Str("rot13").Tuple2().Reduce().Stop();
        Assert.That(Refusal(p), Is.EqualTo("x.pkl: pickle _codecs.encode is only allowed as encode(str, 'latin1') (at byte 35)"));
    }

    [Test]
    public void RefusesAForbiddenGlobalByName()
    {
        // The classic payload: os.system('touch pwned'). It must stop at the GLOBAL, before any call.
        var p = new PickleBuilder().Proto().Global("os", "system").Str("touch pwned").Tuple1().Reduce().Stop();
        Assert.That(Refusal(p), Is.EqualTo("x.pkl: pickle global 'os.system' is not allowed"));
    }

    [Test]
    public void RefusesAForbiddenStackGlobal()
    {
        var p = new PickleBuilder().Proto(4).Str("builtins").Str("eval").Op(0x93).Str("1+1").Tuple1().Reduce().Stop();
        Assert.That(Refusal(p), Is.EqualTo("x.pkl: pickle global 'builtins.eval' is not allowed"));
        // A name cannot forge a second line in the message.
        p = new PickleBuilder().Proto(4).Str("torch\nERROR: fine").Str("x").Op(0x93).Stop();
        Assert.That(Refusal(p), Is.EqualTo("x.pkl: pickle global 'torch\\nERROR: fine.x' is not allowed"));
    }

    [TestCase("torch", "load")]
    [TestCase("torch._utils", "_rebuild_device_tensor_from_numpy")]
    [TestCase("numpy.core.multiarray", "_reconstruct")]
    [TestCase("collections", "defaultdict")]
    [TestCase("__builtin__", "getattr")]
    public void RefusesEveryGlobalOutsideTheAllowList(string module, string name)
    {
        var p = new PickleBuilder().Proto().Global(module, name).Stop();
        Assert.That(Refusal(p), Is.EqualTo($"x.pkl: pickle global '{module}.{name}' is not allowed"));
    }

    [Test]
    public void AllowedGlobalsThatAreNotFunctionsCannotBeCalled()
    {
        var p = new PickleBuilder().Proto().Global("torch", "float16").EmptyTuple().Reduce().Stop();
        Assert.That(Refusal(p), Is.EqualTo("x.pkl: pickle global 'torch.float16' is not callable (at byte 18)"));
        p = new PickleBuilder().Proto().Global("torch", "FloatStorage").EmptyTuple().NewObj().Stop();
        Assert.That(Refusal(p), Is.EqualTo("x.pkl: pickle cannot construct 'torch.FloatStorage' (at byte 23)"));
    }

    [Test]
    public void RefusesObjectBuildingOpcodes()
    {
        var inst = new PickleBuilder().Proto().Mark().Op((byte)'i').Raw("os\nsystem\n"u8.ToArray()).Stop();
        Assert.That(Refusal(inst), Is.EqualTo("x.pkl: pickle opcode INST is not allowed (it constructs arbitrary objects) (at byte 3)"));
        var ext = new PickleBuilder().Proto().Op(0x82).Raw(1).Stop();
        Assert.That(Refusal(ext), Is.EqualTo("x.pkl: pickle extension-registry opcodes (EXT1/2/4) are not allowed (at byte 2)"));
        var text = new PickleBuilder().Proto().Op((byte)'I').Raw("1\n"u8.ToArray()).Stop();
        Assert.That(Refusal(text), Is.EqualTo("x.pkl: pickle opcode 'I' (0x49) is not supported (at byte 2)"));
    }

    [Test]
    public void RefusesTruncatedInput()
    {
        var p = new PickleBuilder().Proto().Op((byte)'X').Raw(100, 0, 0, 0).Raw("short"u8.ToArray());
        Assert.That(Refusal(p), Is.EqualTo("x.pkl: pickle is truncated: 100 bytes wanted, 5 left (at byte 2)"));
        var huge = new PickleBuilder().Proto().Op(0x8d).Raw(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f);
        Assert.That(Refusal(huge), Does.StartWith("x.pkl: pickle is truncated: 9223372036854775807 bytes wanted, 0 left"));
        Assert.That(Refusal(new PickleBuilder().Proto().Int(7)), Is.EqualTo("x.pkl: pickle ended without STOP (at byte 4)"));
        Assert.That(Refusal(new PickleBuilder().Proto().Op((byte)'J').Raw(1, 2)), Is.EqualTo("x.pkl: pickle is truncated: 4 bytes wanted, 2 left (at byte 2)"));
        Assert.That(Refusal(new PickleBuilder().Proto().Op((byte)'c').Raw("os\nsys"u8.ToArray())), Is.EqualTo("x.pkl: pickle is truncated (at byte 2)"));
    }

    [Test]
    public void RefusesStackAndMemoMisuse()
    {
        Assert.That(Refusal(new PickleBuilder().Proto().Int(1).Tuple2().Stop()), Is.EqualTo("x.pkl: pickle stack underflow (at byte 4)"));
        Assert.That(Refusal(new PickleBuilder().Proto().Get(7).Stop()), Is.EqualTo("x.pkl: pickle memo index 7 is not set (at byte 2)"));
        Assert.That(Refusal(new PickleBuilder().Proto().Int(1).SetItems().Stop()), Is.EqualTo("x.pkl: pickle MARK expected but none is set (at byte 4)"));
        Assert.That(Refusal(new PickleBuilder().Proto().EmptyDict().Int(1).Append().Stop()), Is.EqualTo("x.pkl: pickle APPEND on a dict, not a list (at byte 5)"));
        Assert.That(Refusal(new PickleBuilder().Proto().Int(1).Int(2).Stop()), Is.EqualTo("x.pkl: pickle STOP with 2 values and 0 marks on the stack (at byte 6)"));
        // A MARK fences the stack: TUPLE1 cannot take the value below it.
        Assert.That(Refusal(new PickleBuilder().Proto().Int(1).Mark().Tuple1().Stop()), Is.EqualTo("x.pkl: pickle stack underflow (at byte 5)"));
        Assert.That(Refusal(new PickleBuilder().Proto().EmptyDict().EmptyList().Int(1).SetItem().Stop()),
            Is.EqualTo("x.pkl: pickle dict key of unhashable type list (at byte 6)"));
        Assert.That(Refusal(new PickleBuilder().Proto().Op(0x80).Raw(9)), Is.EqualTo("x.pkl: pickle protocol 9 is not supported (at byte 2)"));
    }

    [Test]
    public void RefusesExponentiallyLargeTupleKeys()
    {
        // t0 = (0,); t(k+1) = (tk, tk) via the memo: 250 bytes describe a tuple with 2^30 leaves.
        var p = new PickleBuilder().Proto().EmptyDict().Int(0).Tuple1().Put(0).Op((byte)'0');
        for (int k = 0; k < 30; k++) p.Get(0).Get(0).Tuple2().Put(0).Op((byte)'0');
        p.Get(0).Int(1).SetItem().Stop();
        Assert.That(Refusal(p), Does.StartWith("x.pkl: pickle dict key has more than 4096 parts"));
    }

    [Test]
    public void PersistentIdsNeedALoader()
    {
        var p = new PickleBuilder().Proto().Str("storage").Tuple1().BinPersId().Stop();
        Assert.That(Refusal(p), Is.EqualTo("x.pkl: pickle persistent id found where none is expected (at byte 15)"));
        Assert.That(PickleReader.Load("x.pkl", p.ToArray(), pid => $"loaded {((PyTuple)pid!)[0]}"), Is.EqualTo("loaded storage"));
    }
}
