using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace PSRedis
{
    /// <summary>
    /// The keys a piped object stands for, read by the key-taking cmdlets themselves from their -InputObject: a string
    /// (or number) is a key; Get-RedisKey's objects and any other object give their Key property (one key or several)
    /// and, when they have one, their Connection. PowerShell's binder does the same by property name, but it tries every
    /// pipeline parameter of every parameter set for each object, which cost more per key than the rest of a
    /// `Get-RedisKey | Remove-RedisKey` job; reading the two properties once is what the binder would have found.
    /// </summary>
    internal static class PipedKeys
    {
        /// <summary>The keys of <paramref name="input"/> and its connection (null: none given); an error record when it has no key.</summary>
        public static IReadOnlyList<string> Read(PSObject input, out RedisConnection? connection, out ErrorRecord? error)
        {
            connection = null;
            error = null;
            object value = input.BaseObject;
            if (value is RedisKeyInfo info)
            {
                connection = info.Connection;
                return new[] { info.Key };
            }
            if (value is string || value is ValueType) return new[] { Text(value) };
            PSPropertyInfo? keyProperty = input.Properties["Key"];
            if (keyProperty == null)
            {
                error = new ErrorRecord(
                    new ArgumentException("Cannot use an object of type " + value.GetType().FullName + " as a key: pipe strings, or objects with a Key property (such as Get-RedisKey's)."),
                    ErrorIds.NotAKey, ErrorCategory.InvalidArgument, value);
                return Array.Empty<string>();
            }
            object? holder = input.Properties["Connection"]?.Value;
            connection = (holder is PSObject wrappedConnection ? wrappedConnection.BaseObject : holder) as RedisConnection;
            object? key = keyProperty.Value is PSObject wrapped ? wrapped.BaseObject : keyProperty.Value;
            if (key is string || key is ValueType) return new[] { Text(key) };
            if (key is IEnumerable many)
            {
                var keys = new List<string>();
                foreach (object? k in many) if (k != null) keys.Add(Text(k is PSObject p ? p.BaseObject : k));
                return keys;
            }
            error = new ErrorRecord(new ArgumentException("The Key property of the piped object is empty."), ErrorIds.NotAKey, ErrorCategory.InvalidArgument, value);
            return Array.Empty<string>();
        }

        /// <summary>A key as PowerShell's binding to a string parameter makes it (numbers in invariant form).</summary>
        public static string Text(object value) => value as string ?? LanguagePrimitives.ConvertTo<string>(value);
    }
}
