using System.Reflection;
using System.Reflection.Emit;

namespace CineKernel.Tests.Support;

/// <summary>Decodes a method's IL far enough to list the methods its instructions name (calls, ldftn, newobj).</summary>
public static class IlReader
{
    private static readonly Dictionary<short, OpCode> opCodes = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The methods named by <paramref name="method"/>'s instructions of the given opcodes (all method operands when none given).</summary>
    public static IEnumerable<MethodBase> MethodOperands(MethodBase method, params OpCode[] only)
    {
        byte[]? il;
        try { il = method.GetMethodBody()?.GetILAsByteArray(); }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException) { il = null; }
        if (il is null) yield break;
        int pc = 0;
        while (pc < il.Length)
        {
            short value = il[pc] == 0xFE ? (short)(0xFE00 | il[pc + 1]) : il[pc];
            pc += il[pc] == 0xFE ? 2 : 1;
            var op = opCodes[value];
            if (op.OperandType == OperandType.InlineMethod && (only.Length == 0 || only.Contains(op)))
            {
                var typeArgs = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
                var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
                MethodBase? target = null;
                try { target = method.Module.ResolveMethod(BitConverter.ToInt32(il, pc), typeArgs, methodArgs); }
                catch (ArgumentException) { }
                if (target is not null) yield return target;
            }
            pc += op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, pc),
                _ => 4,
            };
        }
    }
}
