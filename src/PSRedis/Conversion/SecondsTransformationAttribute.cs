using System;
using System.Globalization;
using System.Management.Automation;

namespace PSRedis
{
    /// <summary>
    /// Lets a TimeSpan parameter take a number of seconds (-Timeout 5, -Expiry 1.5) as well as a TimeSpan or
    /// a TimeSpan string ('00:01:00'). Without it PowerShell would turn 5 into five ticks.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    internal sealed class SecondsTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject ps ? ps.BaseObject : inputData;
            switch (value)
            {
                case null: return null;
                case TimeSpan span: return span;
                case int i: return TimeSpan.FromSeconds(i);
                case long l: return TimeSpan.FromSeconds(l);
                case short s: return TimeSpan.FromSeconds(s);
                case byte b: return TimeSpan.FromSeconds(b);
                case uint ui: return TimeSpan.FromSeconds(ui);
                case double d: return FromSeconds(d);
                case float f: return FromSeconds(f);
                case decimal m: return FromSeconds((double)m);
                case string text:
                    if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds)) return FromSeconds(seconds);
                    if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out TimeSpan parsed)) return parsed;
                    throw new ArgumentTransformationMetadataException(
                        "Cannot convert '" + text + "' to a duration: give seconds (30, 1.5) or a TimeSpan ('00:00:30').");
                default:
                    return value; // let the binder try its own conversion, and report it if it fails
            }
        }

        private static TimeSpan FromSeconds(double seconds)
        {
            if (double.IsNaN(seconds) || double.IsInfinity(seconds) || Math.Abs(seconds) > TimeSpan.MaxValue.TotalSeconds)
                throw new ArgumentTransformationMetadataException("A duration in seconds must be a finite number.");
            return TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
        }
    }
}
