using System;
using System.Collections;
using System.Globalization;
using System.Management.Automation;
using PSRedis.Protocol;
using PSRedis.Protocol.Resp;

namespace PSRedis
{
    /// <summary>
    /// PowerShell values to what a Redis command takes, in one place for every cmdlet: a value to store, a sorted-set
    /// member, a score or score bound, a raw command argument. Each refusal says, in the caller's own words
    /// (<c>what</c>), why and what to give instead.
    /// </summary>
    internal static class RedisValues
    {
        /// <summary>
        /// A value Redis stores (SET, a list element, a set member, a hash or stream field, a message): a string, a
        /// byte[] (stored as is), a number or another scalar in invariant text, a Boolean as PowerShell's [string]
        /// gives it. Null and structured values get a <paramref name="problem"/> naming <paramref name="what"/>.
        /// </summary>
        public static object? ToValue(object? input, string what, out string? problem)
        {
            problem = null;
            if (RedisScalar.TryConvert(input, out object? value)) return value;
            switch (value)
            {
                case null:
                    problem = what + " cannot be $null: Redis stores strings.";
                    return null;
                case bool flag: return flag ? "True" : "False"; // as PowerShell's [string]$true
                case IDictionary _:
                    problem = what + " is one string; a dictionary belongs in a hash (Set-RedisHash), or convert it first (ConvertTo-Json).";
                    return null;
                case PSCustomObject _:
                    problem = what + " is one string; an object's properties belong in a hash (Set-RedisHash), or convert it first (ConvertTo-Json).";
                    return null;
                case IEnumerable _:
                    problem = what + " is one string; a collection belongs in a list or set (Push-RedisList, Add-RedisSetMember), or join it into a string first (-join).";
                    return null;
                default:
                    problem = what + " cannot be a value of type " + value.GetType().FullName
                        + "; give a string, a byte[] or a number (e.g. [string]$value or ($value | ConvertTo-Json)).";
                    return null;
            }
        }

        /// <summary>A sorted-set member as the text Redis stores: strings as they are, numbers in invariant culture (never bytes).</summary>
        public static string? ToMember(object? input, out string? problem)
        {
            object? value = ToValue(input, "A sorted-set member", out problem);
            switch (value)
            {
                case null: return null;
                case string s: return s;
                case byte[] _:
                    problem = "A sorted-set member here is text; convert binary data first (for example [Convert]::ToBase64String($bytes)).";
                    return null;
                case double d: return RespDouble.Format(d);
                case float f: return RespDouble.Format(f);
                default: return Convert.ToString(value, CultureInfo.InvariantCulture);
            }
        }

        /// <summary>A score: any number, or numeric text in invariant culture; never NaN, a Boolean, a character or a date.</summary>
        public static bool TryScore(object? input, out double score)
        {
            object? value = input is PSObject ps ? ps.BaseObject : input;
            score = 0;
            switch (value)
            {
                case null: return false;
                case string s: return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out score) && !double.IsNaN(score);
                case IConvertible c when !(value is bool) && !(value is char) && !(value is DateTime):
                    try
                    {
                        score = c.ToDouble(CultureInfo.InvariantCulture);
                        return !double.IsNaN(score);
                    }
                    catch (FormatException) { return false; }
                    catch (InvalidCastException) { return false; }
                default: return false;
            }
        }

        /// <summary>A score bound: a number (inclusive) or Redis' text form ('-inf', '+inf', '1.5', '(1.5').</summary>
        public static ScoreBound ToScoreBound(object input)
        {
            object value = input is PSObject ps ? ps.BaseObject : input;
            if (value is ScoreBound bound) return bound;
            if (value is string text) return ScoreBound.Parse(text);
            if (TryScore(value, out double score)) return ScoreBound.Inclusive(score);
            throw new RedisDataException("'" + value + "' is not a score bound: give a number, or text such as '-inf', '+inf' or '(1.5'.");
        }

        /// <summary>
        /// One argument of a raw command (Invoke-RedisCommand, Invoke-RedisScript): scalars as <see cref="ToValue"/>,
        /// Booleans and switches as 1/0 as Redis commands spell flags; a collection must be splatted instead.
        /// </summary>
        public static object? ToArgument(object? input, out string? problem)
        {
            problem = null;
            if (RedisScalar.TryConvert(input, out object? value)) return value;
            switch (value)
            {
                case null:
                    problem = "a Redis command argument cannot be $null.";
                    return null;
                case bool flag: return flag ? "1" : "0";
                case SwitchParameter sw: return sw.IsPresent ? "1" : "0";
                case IEnumerable _:
                    problem = "a collection cannot be one argument; splat it instead (Invoke-RedisCommand SADD k @members).";
                    return null;
                default:
                    return Convert.ToString(value, CultureInfo.InvariantCulture);
            }
        }
    }
}
