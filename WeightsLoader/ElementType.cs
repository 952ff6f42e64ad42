using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace CineKernel.WeightsLoader;

/// <summary>The element types found in safetensors, .npy and PyTorch storages.</summary>
public enum ElementType
{
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U8,
    Bool,
}

/// <summary>Sizes, names and the conversion of raw little-endian elements to float32.</summary>
public static class ElementTypes
{
    public static int Size(this ElementType t) => t switch
    {
        ElementType.F64 or ElementType.I64 => 8,
        ElementType.F32 or ElementType.I32 => 4,
        ElementType.F16 or ElementType.BF16 or ElementType.I16 => 2,
        _ => 1,
    };

    public static bool IsFloat(this ElementType t) => t is ElementType.F64 or ElementType.F32 or ElementType.F16 or ElementType.BF16;

    /// <summary>The safetensors spelling (F32, BF16, I64, BOOL, ...).</summary>
    public static string SafetensorsName(this ElementType t) => t == ElementType.Bool ? "BOOL" : t.ToString();

    /// <summary>The PyTorch spelling (float32, bfloat16, int64, bool, ...).</summary>
    public static string TorchName(this ElementType t) => t switch
    {
        ElementType.F64 => "float64",
        ElementType.F32 => "float32",
        ElementType.F16 => "float16",
        ElementType.BF16 => "bfloat16",
        ElementType.I64 => "int64",
        ElementType.I32 => "int32",
        ElementType.I16 => "int16",
        ElementType.I8 => "int8",
        ElementType.U8 => "uint8",
        _ => "bool",
    };

    public static bool TryParseSafetensors(string name, out ElementType type)
    {
        switch (name)
        {
            case "F64": type = ElementType.F64; return true;
            case "F32": type = ElementType.F32; return true;
            case "F16": type = ElementType.F16; return true;
            case "BF16": type = ElementType.BF16; return true;
            case "I64": type = ElementType.I64; return true;
            case "I32": type = ElementType.I32; return true;
            case "I16": type = ElementType.I16; return true;
            case "I8": type = ElementType.I8; return true;
            case "U8": type = ElementType.U8; return true;
            case "BOOL": type = ElementType.Bool; return true;
            default: type = default; return false;
        }
    }

    /// <summary>IEEE binary16 bits to float32; exact (every half is a float).</summary>
    public static float HalfToSingle(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    /// <summary>bfloat16 bits to float32: bfloat16 is the top half of a float32, so this is exact.</summary>
    public static float BFloat16ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>
    /// Converts little-endian floating elements to float32 (float64 rounds to nearest).
    /// <paramref name="raw"/> must hold exactly <c>destination.Length</c> elements.
    /// </summary>
    public static void ToSingle(ElementType type, ReadOnlySpan<byte> raw, Span<float> destination)
    {
        if (raw.Length != (long)destination.Length * type.Size())
            throw new ArgumentException($"{raw.Length} bytes do not hold {destination.Length} {type.TorchName()} elements");
        switch (type)
        {
            case ElementType.F32:
                if (BitConverter.IsLittleEndian) MemoryMarshal.Cast<byte, float>(raw).CopyTo(destination);
                else for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]);
                break;
            case ElementType.F64:
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw[(8 * i)..]);
                break;
            case ElementType.F16:
                for (int i = 0; i < destination.Length; i++) destination[i] = HalfToSingle(BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..]));
                break;
            case ElementType.BF16:
                for (int i = 0; i < destination.Length; i++) destination[i] = BFloat16ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..]));
                break;
            default:
                throw new ArgumentException($"{type.TorchName()} is not a floating type");
        }
    }

    /// <summary>Reads one element of an integer type as int64 (for small integer tensors such as counters).</summary>
    public static long ReadInteger(ElementType type, ReadOnlySpan<byte> raw) => type switch
    {
        ElementType.I64 => BinaryPrimitives.ReadInt64LittleEndian(raw),
        ElementType.I32 => BinaryPrimitives.ReadInt32LittleEndian(raw),
        ElementType.I16 => BinaryPrimitives.ReadInt16LittleEndian(raw),
        ElementType.I8 => (sbyte)raw[0],
        ElementType.U8 or ElementType.Bool => raw[0],
        _ => throw new ArgumentException($"{type.TorchName()} is not an integer type"),
    };

    /// <summary>Element count of a shape; InvalidDataException (prefixed by <paramref name="what"/>) on a negative dimension or overflow.</summary>
    public static long ElementCount(IReadOnlyList<long> shape, string what)
    {
        foreach (long d in shape)
            if (d < 0) throw new InvalidDataException($"{what}: negative dimension in shape {FormatShape(shape)}");
        if (shape.Contains(0)) return 0;
        long count = 1;
        foreach (long d in shape)
        {
            try { count = checked(count * d); }
            catch (OverflowException) { throw new InvalidDataException($"{what}: shape {FormatShape(shape)} has too many elements"); }
        }
        return count;
    }

    public static string FormatShape(IReadOnlyList<long> shape) => $"[{string.Join(", ", shape)}]";
}
