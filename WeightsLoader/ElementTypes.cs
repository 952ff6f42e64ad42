using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace CineKernel.WeightsLoader;

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
        if (!BitConverter.IsLittleEndian)
        {
            ToSingleBigEndianHost(type, raw, destination);
            return;
        }
        // Reinterpreting the bytes (unaligned access is fine on every .NET target) avoids a slice per element.
        switch (type)
        {
            case ElementType.F32:
                MemoryMarshal.Cast<byte, float>(raw).CopyTo(destination);
                break;
            case ElementType.F64:
                var doubles = MemoryMarshal.Cast<byte, double>(raw);
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)doubles[i];
                break;
            case ElementType.F16:
                var halves = MemoryMarshal.Cast<byte, Half>(raw);
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)halves[i];
                break;
            case ElementType.BF16:
                var bfloats = MemoryMarshal.Cast<byte, ushort>(raw);
                for (int i = 0; i < destination.Length; i++) destination[i] = BitConverter.Int32BitsToSingle(bfloats[i] << 16);
                break;
            default:
                throw new ArgumentException($"{type.TorchName()} is not a floating type");
        }
    }

    /// <summary>
    /// Reverses the byte order of every element of <paramref name="type"/> in <paramref name="raw"/>, in place:
    /// big-endian data becomes little-endian for <see cref="ToSingle"/>. The length must be a multiple of the size.
    /// </summary>
    public static void ReverseEndianness(ElementType type, Span<byte> raw)
    {
        switch (type.Size())
        {
            case 2:
                var u16 = MemoryMarshal.Cast<byte, ushort>(raw);
                BinaryPrimitives.ReverseEndianness(u16, u16);
                break;
            case 4:
                var u32 = MemoryMarshal.Cast<byte, uint>(raw);
                BinaryPrimitives.ReverseEndianness(u32, u32);
                break;
            case 8:
                var u64 = MemoryMarshal.Cast<byte, ulong>(raw);
                BinaryPrimitives.ReverseEndianness(u64, u64);
                break;
        }
    }

    private static void ToSingleBigEndianHost(ElementType type, ReadOnlySpan<byte> raw, Span<float> destination)
    {
        int size = type.Size();
        for (int i = 0; i < destination.Length; i++)
        {
            var element = raw.Slice(size * i, size);
            destination[i] = type switch
            {
                ElementType.F32 => BinaryPrimitives.ReadSingleLittleEndian(element),
                ElementType.F64 => (float)BinaryPrimitives.ReadDoubleLittleEndian(element),
                ElementType.F16 => HalfToSingle(BinaryPrimitives.ReadUInt16LittleEndian(element)),
                ElementType.BF16 => BFloat16ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(element)),
                _ => throw new ArgumentException($"{type.TorchName()} is not a floating type"),
            };
        }
    }

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
