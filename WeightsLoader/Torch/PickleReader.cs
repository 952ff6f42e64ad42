using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace CineKernel.WeightsLoader.Torch;

/// <summary>
/// A restricted unpickler: it interprets the pickle opcodes PyTorch checkpoints use (protocols 2 to 5)
/// and rebuilds plain containers, scalars and tensors, but it never executes anything. A GLOBAL is
/// resolved only against <see cref="AllowedGlobals"/> (container types, tensor rebuild functions,
/// storage types, dtypes, argparse.Namespace as an inert record); any other global, and the opcodes
/// that build arbitrary objects (INST, OBJ, EXT*), are refused with an error naming them.
/// Every length is checked against the bytes left, so truncated or hostile input ends in an
/// <see cref="InvalidDataException"/> and never in a large allocation.
/// </summary>
public sealed class PickleReader
{
    /// <summary>torch.*Storage classes (named in persistent ids) and their element types.</summary>
    public static readonly IReadOnlyDictionary<string, ElementType> StorageTypes = new Dictionary<string, ElementType>
    {
        ["DoubleStorage"] = ElementType.F64,
        ["FloatStorage"] = ElementType.F32,
        ["HalfStorage"] = ElementType.F16,
        ["BFloat16Storage"] = ElementType.BF16,
        ["LongStorage"] = ElementType.I64,
        ["IntStorage"] = ElementType.I32,
        ["ShortStorage"] = ElementType.I16,
        ["CharStorage"] = ElementType.I8,
        ["ByteStorage"] = ElementType.U8,
        ["BoolStorage"] = ElementType.Bool,
    };

    /// <summary>torch dtype objects, which can appear as inert values.</summary>
    public static readonly IReadOnlyDictionary<string, ElementType> DTypes = new Dictionary<string, ElementType>
    {
        ["float64"] = ElementType.F64, ["double"] = ElementType.F64,
        ["float32"] = ElementType.F32, ["float"] = ElementType.F32,
        ["float16"] = ElementType.F16, ["half"] = ElementType.F16,
        ["bfloat16"] = ElementType.BF16,
        ["int64"] = ElementType.I64, ["long"] = ElementType.I64,
        ["int32"] = ElementType.I32, ["int"] = ElementType.I32,
        ["int16"] = ElementType.I16, ["short"] = ElementType.I16,
        ["int8"] = ElementType.I8,
        ["uint8"] = ElementType.U8,
        ["bool"] = ElementType.Bool,
    };

    /// <summary>The globals a checkpoint may name (declared after the tables it uses). Everything else is refused by name.</summary>
    public static readonly IReadOnlySet<string> AllowedGlobals = new HashSet<string>
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch.Size",
        "argparse.Namespace",
        "builtins.set", "builtins.frozenset", "__builtin__.set", "__builtin__.frozenset",
        // Protocol 2 pickles Python 3 bytes as _codecs.encode(text, 'latin1'); only that form is accepted.
        "_codecs.encode",
    }.Concat(StorageTypes.Keys.Select(n => "torch." + n)).Concat(DTypes.Keys.Select(n => "torch." + n)).ToHashSet();

    private const int MaxLineLength = 256;
    private const int MaxLongBytes = 1024;

    private readonly string file;
    private readonly Stream stream;
    private readonly long length;
    private readonly Func<object?, object?>? persistentLoad;
    private readonly List<object?> stack = new();
    private readonly Stack<int> marks = new();
    private readonly Dictionary<long, object?> memo = new();
    private long opcodeStart;

    /// <param name="file">Names the file in every error message.</param>
    /// <param name="stream">A seekable stream positioned at the pickle; left just after its STOP.</param>
    /// <param name="persistentLoad">Resolves BINPERSID ids (storages); null refuses them.</param>
    public PickleReader(string file, Stream stream, Func<object?, object?>? persistentLoad = null)
    {
        if (!stream.CanSeek) throw new ArgumentException("the pickle stream must be seekable (lengths are checked against it)");
        this.file = file;
        this.stream = stream;
        // Read once: every length check needs it, and a FileStream asks the file system each time (an fstat per opcode).
        length = stream.Length;
        this.persistentLoad = persistentLoad;
    }

    /// <summary>Unpickles one object from the start of <paramref name="data"/>.</summary>
    /// <exception cref="InvalidDataException">As <see cref="Load()"/>.</exception>
    public static object? Load(string file, byte[] data, Func<object?, object?>? persistentLoad = null) =>
        new PickleReader(file, new MemoryStream(data, writable: false), persistentLoad).Load();

    /// <summary>Reads opcodes up to STOP and returns the object on the stack.</summary>
    /// <exception cref="InvalidDataException">A truncated or malformed pickle, an opcode or global that is not allowed, naming the file and the byte.</exception>
    public object? Load()
    {
        while (true)
        {
            opcodeStart = stream.Position;
            int op = stream.ReadByte();
            if (op < 0) throw Error("pickle ended without STOP");
            switch (op)
            {
                case 0x80: // PROTO
                    int protocol = ReadU8();
                    if (protocol > 5) throw Error($"pickle protocol {protocol} is not supported");
                    break;
                case 0x95: // FRAME: a length hint for buffering; the opcodes follow as usual.
                    ulong frame = ReadU64();
                    if (frame > (ulong)Remaining) throw Error($"pickle FRAME of {frame} bytes runs past the end of the data");
                    break;
                case '.': // STOP
                    if (stack.Count != 1 || marks.Count != 0) throw Error($"pickle STOP with {stack.Count} values and {marks.Count} marks on the stack");
                    return stack[0];
                case '(': marks.Push(stack.Count); break; // MARK
                case '0': Pop(); break; // POP
                case '1': PopMark(); break; // POP_MARK
                case '2': Push(Peek()); break; // DUP
                case 'N': Push(null); break;
                case 0x88: Push(true); break; // NEWTRUE
                case 0x89: Push(false); break; // NEWFALSE
                case 'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break; // BININT
                case 'K': Push((long)ReadU8()); break; // BININT1
                case 'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break; // BININT2
                case 0x8a: Push(ReadLong(ReadU8())); break; // LONG1
                case 0x8b: // LONG4
                    int longLength = BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4));
                    if (longLength < 0 || longLength > MaxLongBytes) throw Error($"pickle LONG4 of {longLength} bytes is not supported");
                    Push(ReadLong(longLength));
                    break;
                case 'G': Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break; // BINFLOAT
                case 0x8c: Push(Encoding.UTF8.GetString(ReadBytes(ReadU8()))); break; // SHORT_BINUNICODE
                case 'X': Push(Encoding.UTF8.GetString(ReadBytes(ReadU32()))); break; // BINUNICODE
                case 0x8d: Push(Encoding.UTF8.GetString(ReadBytes(ReadU64()))); break; // BINUNICODE8
                // Python 2 str: torch.load decodes it as text; latin-1 keeps every byte.
                case 'U': Push(Encoding.Latin1.GetString(ReadBytes(ReadU8()))); break; // SHORT_BINSTRING
                case 'T': Push(Encoding.Latin1.GetString(ReadBytes(ReadSignedLength()))); break; // BINSTRING
                case 'C': Push(ReadBytes(ReadU8())); break; // SHORT_BINBYTES
                case 'B': Push(ReadBytes(ReadU32())); break; // BINBYTES
                case 0x8e: Push(ReadBytes(ReadU64())); break; // BINBYTES8
                case 0x96: Push(ReadBytes(ReadU64())); break; // BYTEARRAY8
                case '}': Push(new PyDict(ordered: false)); break; // EMPTY_DICT
                case ']': Push(new PyList()); break; // EMPTY_LIST
                case ')': Push(PyTuple.Empty); break; // EMPTY_TUPLE
                case 0x8f: Push(new PySet(frozen: false)); break; // EMPTY_SET
                case 'd': Push(MakeDict(PopMark())); break; // DICT
                case 'l': Push(new PyList(PopMark())); break; // LIST
                case 't': Push(new PyTuple(PopMark())); break; // TUPLE
                case 0x85: Push(new PyTuple(PopN(1))); break; // TUPLE1
                case 0x86: Push(new PyTuple(PopN(2))); break; // TUPLE2
                case 0x87: Push(new PyTuple(PopN(3))); break; // TUPLE3
                case 0x91: // FROZENSET
                    var frozen = new PySet(frozen: true);
                    frozen.AddRange(PopMark());
                    Push(frozen);
                    break;
                case 'a': // APPEND
                    var item = Pop();
                    PeekAs<PyList>("APPEND").Add(item);
                    break;
                case 'e': // APPENDS
                    var items = PopMark();
                    PeekAs<PyList>("APPENDS").AddRange(items);
                    break;
                case 0x90: // ADDITEMS
                    var setItems = PopMark();
                    PeekAs<PySet>("ADDITEMS").AddRange(setItems);
                    break;
                case 's': // SETITEM
                    var value = Pop();
                    var key = Pop();
                    SetItem(PeekAs<PyDict>("SETITEM"), key, value);
                    break;
                case 'u': // SETITEMS
                    var pairs = PopMark();
                    if (pairs.Count % 2 != 0) throw Error("pickle SETITEMS with an odd number of values");
                    var dict = PeekAs<PyDict>("SETITEMS");
                    for (int i = 0; i < pairs.Count; i += 2) SetItem(dict, pairs[i], pairs[i + 1]);
                    break;
                case 'q': Memo(ReadU8()); break; // BINPUT
                case 'r': Memo(ReadU32()); break; // LONG_BINPUT
                case 0x94: Memo(memo.Count); break; // MEMOIZE
                case 'h': Push(Recall(ReadU8())); break; // BINGET
                case 'j': Push(Recall(ReadU32())); break; // LONG_BINGET
                case 'c': // GLOBAL
                    string module = ReadLine();
                    string name = ReadLine();
                    Push(Resolve(module, name));
                    break;
                case 0x93: // STACK_GLOBAL
                    var globalName = Pop();
                    var globalModule = Pop();
                    if (globalModule is not string m || globalName is not string n) throw Error("pickle STACK_GLOBAL needs two strings");
                    Push(Resolve(m, n));
                    break;
                case 'R': // REDUCE
                    var args = Pop();
                    var callable = Pop();
                    Push(Call(callable, AsTuple(args, "REDUCE")));
                    break;
                case 0x81: // NEWOBJ
                    var newArgs = Pop();
                    var cls = Pop();
                    Push(New(cls, AsTuple(newArgs, "NEWOBJ")));
                    break;
                case 0x92: // NEWOBJ_EX
                    var kwargs = Pop();
                    var exArgs = Pop();
                    var exCls = Pop();
                    if (kwargs is not PyDict { Count: 0 }) throw Error("pickle NEWOBJ_EX with keyword arguments is not supported");
                    Push(New(exCls, AsTuple(exArgs, "NEWOBJ_EX")));
                    break;
                case 'b': // BUILD
                    var state = Pop();
                    Build(Peek(), state);
                    break;
                case 'Q': // BINPERSID
                    var pid = Pop();
                    if (persistentLoad is null) throw Error("pickle persistent id found where none is expected");
                    Push(persistentLoad(pid));
                    break;
                case 'i' or 'o':
                    throw Error($"pickle opcode {(op == 'i' ? "INST" : "OBJ")} is not allowed (it constructs arbitrary objects)");
                case 0x82 or 0x83 or 0x84:
                    throw Error("pickle extension-registry opcodes (EXT1/2/4) are not allowed");
                default:
                    throw Error($"pickle opcode {Describe(op)} is not supported");
            }
        }
    }

    private static string Describe(int op) => op is >= 0x20 and < 0x7f ? $"'{(char)op}' (0x{op:x2})" : $"0x{op:x2}";

    private InvalidDataException Error(string message) => new($"{file}: {message} (at byte {opcodeStart})");

    private long Remaining => length - stream.Position;

    // ---- reading ----

    private int ReadU8()
    {
        int b = stream.ReadByte();
        if (b < 0) throw Truncated();
        return b;
    }

    private long ReadU32() => BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4));

    private ulong ReadU64() => BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8));

    private long ReadSignedLength()
    {
        int n = BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4));
        if (n < 0) throw Error($"pickle negative length {n}");
        return n;
    }

    private byte[] ReadBytes(long count) => ReadBytes((ulong)count);

    private byte[] ReadBytes(ulong count)
    {
        if (count > (ulong)Remaining) throw Truncated(count);
        var bytes = new byte[count];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private InvalidDataException Truncated(ulong? wanted = null) =>
        Error(wanted is null ? "pickle is truncated" : $"pickle is truncated: {wanted} bytes wanted, {Remaining} left");

    private string ReadLine()
    {
        var sb = new StringBuilder();
        while (true)
        {
            int b = ReadU8();
            if (b == '\n') return sb.ToString();
            if (b is < 0x20 or > 0x7e || sb.Length >= MaxLineLength) throw Error("pickle GLOBAL name is not a short ASCII line");
            sb.Append((char)b);
        }
    }

    /// <summary>LONG1/LONG4: little-endian two's complement of the given length (0 bytes is 0).</summary>
    private object ReadLong(int length)
    {
        var bytes = ReadBytes(length);
        if (length <= 8)
        {
            long v = 0;
            for (int i = length - 1; i >= 0; i--) v = (v << 8) | bytes[i];
            if (length is > 0 and < 8 && (bytes[length - 1] & 0x80) != 0) v -= 1L << (8 * length);
            return v;
        }
        var big = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return big >= long.MinValue && big <= long.MaxValue ? (long)big : big;
    }

    // ---- stack ----

    private void Push(object? value) => stack.Add(value);

    private int StackFloor => marks.Count > 0 ? marks.Peek() : 0;

    private object? Pop()
    {
        if (stack.Count <= StackFloor) throw Error("pickle stack underflow");
        var v = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        return v;
    }

    private object? Peek()
    {
        if (stack.Count <= StackFloor) throw Error("pickle stack underflow");
        return stack[^1];
    }

    private T PeekAs<T>(string opcode) where T : class =>
        Peek() as T ?? throw Error($"pickle {opcode} on {PyTypes.A(Peek())}, not a {(typeof(T) == typeof(PyList) ? "list" : typeof(T) == typeof(PyDict) ? "dict" : "set")}");

    private List<object?> PopN(int n)
    {
        if (stack.Count - StackFloor < n) throw Error("pickle stack underflow");
        var items = stack.GetRange(stack.Count - n, n);
        stack.RemoveRange(stack.Count - n, n);
        return items;
    }

    private List<object?> PopMark()
    {
        if (marks.Count == 0) throw Error("pickle MARK expected but none is set");
        int mark = marks.Pop();
        var items = stack.GetRange(mark, stack.Count - mark);
        stack.RemoveRange(mark, stack.Count - mark);
        return items;
    }

    private void Memo(long index) => memo[index] = Peek();

    private object? Recall(long index) =>
        memo.TryGetValue(index, out var v) ? v : throw Error($"pickle memo index {index} is not set");

    private PyDict MakeDict(List<object?> pairs)
    {
        if (pairs.Count % 2 != 0) throw Error("pickle DICT with an odd number of values");
        var dict = new PyDict(ordered: false);
        for (int i = 0; i < pairs.Count; i += 2) SetItem(dict, pairs[i], pairs[i + 1]);
        return dict;
    }

    private void SetItem(PyDict dict, object? key, object? value)
    {
        CheckKey(key);
        dict.Set(key, value);
    }

    /// <summary>
    /// A key must be hashable, and a tuple key small: hashing walks it, and memo references can make a
    /// short pickle describe a tuple of exponential size (each level holding the previous one twice).
    /// </summary>
    private void CheckKey(object? key)
    {
        const int maxNodes = 4096;
        var pending = new Stack<object?>();
        pending.Push(key);
        for (int visited = 0; pending.Count > 0; visited++)
        {
            var item = pending.Pop();
            if (visited >= maxNodes) throw Error($"pickle dict key has more than {maxNodes} parts");
            if (item is PyList or PyDict or PySet) throw Error($"pickle dict key of unhashable type {PyTypes.Name(item)}");
            if (item is PyTuple t) foreach (var x in t) pending.Push(x);
        }
    }

    private PyTuple AsTuple(object? args, string opcode) =>
        args as PyTuple ?? throw Error($"pickle {opcode} arguments are {PyTypes.A(args)}, not a tuple");

    // ---- globals: resolution, calls, construction ----

    private PyGlobal Resolve(string module, string name)
    {
        string full = $"{module}.{name}";
        if (!AllowedGlobals.Contains(full)) throw new InvalidDataException($"{file}: pickle global {Printable.Quote(full)} is not allowed");
        return new PyGlobal(module, name);
    }

    private object? Call(object? callable, PyTuple args)
    {
        if (callable is not PyGlobal g) throw Error($"pickle REDUCE calls {PyTypes.A(callable)}, which is not callable");
        switch (g.FullName)
        {
            case "collections.OrderedDict":
                if (args.Count != 0) throw Error("pickle OrderedDict(...) with arguments is not supported");
                return new PyDict(ordered: true);
            case "torch._utils._rebuild_tensor_v2" or "torch._utils._rebuild_tensor":
                return RebuildTensor(g.Name, args);
            case "torch._utils._rebuild_parameter" or "torch._utils._rebuild_parameter_with_state":
                // (data, requires_grad, backward_hooks[, state]): a Parameter is its tensor here.
                if (args.Count < 3 || args[0] is not TorchTensor data) throw Error($"pickle {g.Name} expects a tensor first");
                return data;
            case "torch.Size":
                if (args.Count != 1 || args[0] is not PyTuple dims) throw Error("pickle torch.Size expects one tuple");
                return dims;
            case "argparse.Namespace":
                if (args.Count != 0) throw Error("pickle argparse.Namespace(...) with arguments is not supported");
                return new PyRecord(g.FullName);
            case "builtins.set" or "__builtin__.set" or "builtins.frozenset" or "__builtin__.frozenset":
                var set = new PySet(frozen: g.Name == "frozenset");
                if (args.Count == 1 && args[0] is PyList or PyTuple or PySet) set.AddRange((IEnumerable<object?>)args[0]!);
                else if (args.Count != 0) throw Error($"pickle {g.Name}(...) expects one list");
                return set;
            case "_codecs.encode":
                if (args.Count != 2 || args[0] is not string text || args[1] is not ("latin1" or "latin-1"))
                    throw Error("pickle _codecs.encode is only allowed as encode(str, 'latin1')");
                foreach (char ch in text)
                    if (ch > 0xff) throw Error("pickle _codecs.encode text is not latin-1");
                return Encoding.Latin1.GetBytes(text);
            default:
                throw Error($"pickle global {Printable.Quote(g.FullName)} is not callable");
        }
    }

    private object New(object? cls, PyTuple args)
    {
        if (cls is not PyGlobal g) throw Error($"pickle NEWOBJ on {PyTypes.A(cls)}, not a class");
        return g.FullName switch
        {
            "argparse.Namespace" => new PyRecord(g.FullName),
            "collections.OrderedDict" => new PyDict(ordered: true),
            "builtins.set" or "builtins.frozenset" when args.Count == 0 => new PySet(frozen: g.Name == "frozenset"),
            _ => throw Error($"pickle cannot construct {Printable.Quote(g.FullName)}"),
        };
    }

    private void Build(object? target, object? state)
    {
        // state is a dict of attributes, or (dict or None, slot dict) for classes with __slots__.
        var attributes = state is PyTuple { Count: 2 } t && t[1] is null or PyDict ? t[0] : state;
        if (attributes is not (PyDict or null))
            throw Error($"pickle BUILD with {PyTypes.A(state)} state on {PyTypes.A(target)} is not supported");
        Dictionary<string, object?> fields = target switch
        {
            PyRecord r => r.Fields,
            PyDict d => d.Attributes,
            _ => throw Error($"pickle BUILD on {PyTypes.A(target)} is not supported"),
        };
        foreach (var (k, v) in (IEnumerable<KeyValuePair<object?, object?>>?)attributes ?? [])
        {
            if (k is not string name) throw Error("pickle BUILD attribute name is not a string");
            fields[name] = v;
        }
    }

    /// <summary>
    /// <c>_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata])</c>
    /// or the older <c>_rebuild_tensor(storage, offset, size, stride)</c>.
    /// </summary>
    private TorchTensor RebuildTensor(string function, PyTuple args)
    {
        int expected = function == "_rebuild_tensor" ? 4 : 6;
        if (args.Count < expected || args.Count > expected + 1)
            throw Error($"pickle {function} expects {expected} arguments, got {args.Count}");
        if (args[0] is not TorchStorage storage) throw Error($"pickle {function} expects a storage, got {PyTypes.A(args[0])}");
        if (args[1] is not long offset) throw Error($"pickle {function}: storage offset is {PyTypes.A(args[1])}, not an int");
        var shape = Integers(args[2], function, "size");
        var stride = Integers(args[3], function, "stride");
        bool requiresGrad = expected == 6 && args[4] is true;
        return TorchTensor.Create($"{file}: tensor on storage {Printable.Quote(storage.Key)}", storage, offset, shape, stride, requiresGrad);
    }

    private long[] Integers(object? value, string function, string what)
    {
        if (value is not PyTuple t) throw Error($"pickle {function}: {what} is {PyTypes.A(value)}, not a tuple");
        var result = new long[t.Count];
        for (int i = 0; i < t.Count; i++)
            result[i] = t[i] as long? ?? throw Error($"pickle {function}: {what} holds {PyTypes.A(t[i])}, not an int");
        return result;
    }
}
