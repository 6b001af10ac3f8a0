using System;
using System.Globalization;
using System.Management.Automation;

namespace PSRedis
{
    /// <summary>
    /// PowerShell values that map to one Redis argument without a choice to make: text, bytes, numbers and the
    /// common scalar types in invariant, round-trippable text. Booleans and structured values are left to the
    /// caller, because what they should become depends on the cmdlet (a stored value or a command flag).
    /// </summary>
    internal static class RedisScalar
    {
        /// <summary>True with <paramref name="value"/> set when <paramref name="input"/> is such a scalar; else the unwrapped input.</summary>
        public static bool TryConvert(object? input, out object? value)
        {
            value = input is PSObject ps ? ps.BaseObject : input;
            switch (value)
            {
                case string _:
                case byte[] _:
                case int _: case long _: case short _: case sbyte _: case byte _:
                case uint _: case ulong _: case ushort _: case double _: case float _: case decimal _:
                    return true;
                case char c: value = c.ToString(); return true;
                case DateTime dt: value = dt.ToString("o", CultureInfo.InvariantCulture); return true;
                case DateTimeOffset dto: value = dto.ToString("o", CultureInfo.InvariantCulture); return true;
                case TimeSpan ts: value = ts.ToString("c", CultureInfo.InvariantCulture); return true;
                case Guid g: value = g.ToString(); return true;
                case Enum e: value = e.ToString(); return true;
                case System.Numerics.BigInteger big: value = big.ToString(CultureInfo.InvariantCulture); return true;
                default: return false;
            }
        }
    }
}
