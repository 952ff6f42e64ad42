namespace CineKernel.Pipeline.IO;

/// <summary>
/// GIF's variable-width LZW (GIF89a spec, appendix F) for 8-bit indices: minimum code size 8, so codes start
/// at 9 bits after a clear code (256) and grow to 12; when the 4096-entry table is full a clear code resets it.
/// The output is the image-data block: the minimum-code-size byte, 255-byte sub-blocks, a zero terminator.
/// Indices arrive in runs (<see cref="Write"/>, a row at a time) so a caller can stop between rows.
/// </summary>
internal sealed class GifLzwEncoder
{
    public const int MinCodeSize = 8;
    private const int ClearCode = 1 << MinCodeSize, EndCode = ClearCode + 1, FirstFreeCode = ClearCode + 2, MaxCodes = 4096;

    // Open-addressing table from (prefix code, next index) to code: at most 4096 entries in 8192 slots, and a
    // reset clears 32 KB, where a direct 4096×256 table would clear 2 MB on every reset of a noisy frame.
    private const int HashBits = 13, HashMask = (1 << HashBits) - 1;
    private readonly int[] keys = new int[1 << HashBits]; // (prefix << 8 | index) + 1; 0 is an empty slot
    private readonly short[] codes = new short[1 << HashBits];
    private readonly byte[] block = new byte[256];
    private Stream output = Stream.Null;
    private int blockLength, prefix, nextCode, codeSize, bitCount;
    private ulong bits;

    /// <summary>Starts an image-data block on <paramref name="stream"/>.</summary>
    public void Begin(Stream stream)
    {
        output = stream;
        output.WriteByte(MinCodeSize);
        blockLength = 0;
        bits = 0;
        bitCount = 0;
        prefix = -1;
        codeSize = MinCodeSize + 1;
        WriteCode(ClearCode);
        ResetTable();
    }

    /// <summary>The next indices of the image, in raster order.</summary>
    public void Write(ReadOnlySpan<byte> indices)
    {
        int i = 0, p = prefix;
        if (p < 0)
        {
            if (indices.IsEmpty) return;
            p = indices[0];
            i = 1;
        }
        for (; i < indices.Length; i++)
        {
            int key = (p << 8 | indices[i]) + 1;
            int slot = (int)((uint)key * 0x9E3779B1u >> (32 - HashBits));
            int found;
            while ((found = keys[slot]) != 0 && found != key) slot = (slot + 1) & HashMask;
            if (found == key)
            {
                p = codes[slot];
                continue;
            }
            WriteCode(p);
            keys[slot] = key;
            codes[slot] = (short)nextCode++;
            AfterEntryAdded();
            p = indices[i];
        }
        prefix = p;
    }

    /// <summary>Ends the block: the last string, the end code, padding, the terminator.</summary>
    public void End()
    {
        if (prefix >= 0)
        {
            WriteCode(prefix);
            // The decoder adds an entry on reading that code unless it is the first after a clear (no entry
            // added yet), and may widen its codes doing so: widen the end code the same way.
            if (nextCode > FirstFreeCode)
            {
                nextCode++;
                if (nextCode - 1 == 1 << codeSize) codeSize++;
            }
        }
        WriteCode(EndCode);
        if (bitCount > 0) PutByte((byte)bits);
        bits = 0;
        bitCount = 0;
        FlushBlock();
        output.WriteByte(0);
        output = Stream.Null;
    }

    /// <summary>
    /// A code's width is what the decoder expects: it adds an entry on every code after the first (one step
    /// behind this encoder) and widens when its next free entry reaches 2^width, so the code written while
    /// this encoder's next free entry is n has the width of n − 1.
    /// </summary>
    private void AfterEntryAdded()
    {
        if (nextCode == MaxCodes)
        {
            WriteCode(ClearCode);
            ResetTable();
        }
        else if (nextCode - 1 == 1 << codeSize)
        {
            codeSize++;
        }
    }

    private void ResetTable()
    {
        Array.Clear(keys);
        nextCode = FirstFreeCode;
        codeSize = MinCodeSize + 1;
    }

    private void WriteCode(int code)
    {
        bits |= (ulong)code << bitCount;
        bitCount += codeSize;
        while (bitCount >= 8)
        {
            PutByte((byte)bits);
            bits >>= 8;
            bitCount -= 8;
        }
    }

    private void PutByte(byte value)
    {
        block[1 + blockLength++] = value;
        if (blockLength == 255) FlushBlock();
    }

    private void FlushBlock()
    {
        if (blockLength == 0) return;
        block[0] = (byte)blockLength;
        output.Write(block, 0, blockLength + 1);
        blockLength = 0;
    }
}
