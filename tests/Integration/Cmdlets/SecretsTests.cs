using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Text;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>
/// Connects every way a secret can be given, then looks everywhere a user can look: every public member reachable
/// from every object the cmdlets return (ten levels deep, as ConvertTo-Json -Depth 10 and Format-List * walk them),
/// the CLIXML of each (Export-Clixml -Depth 10), the error, verbose, warning and debug streams, and $Error after
/// failed connects. No secret may appear anywhere.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class SecretsTests : IDisposable
{
    private const string Token = "tok-9f31c2-an-access-token-that-must-never-show";
    private const string TokenUser = "token-user";
    private const string AclUser = "secrets-acl-user";
    private const string WrongPassword = "wrong-pw-4417";
    private const string AclPassword = "acl-pw-5d0e77-must-never-show";
    private readonly RedisFixture _redis;
    private readonly PowerShellHost _ps = new();

    public SecretsTests(RedisFixture redis) => _redis = redis;

    public void Dispose() => _ps.Dispose();

    private static readonly string[] Secrets = { RedisFixture.DefaultUserPassword, AclPassword, Token, WrongPassword };

    [Fact]
    public void NoSecretInAnyObjectStreamOrErrorOfAnyWayToConnect()
    {
        RedisServerProcess server = _redis.PasswordServer;
        var vars = new Dictionary<string, object?>
        {
            ["H"] = server.Host, ["P"] = server.Port, ["Pw"] = RedisFixture.DefaultUserPassword,
            ["User"] = AclUser, ["UserPw"] = AclPassword,
            ["Token"] = Token, ["TokenUser"] = TokenUser, ["Wrong"] = WrongPassword,
        };
        PowerShellResult r = _ps.Run("""
            $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'
            $admin = Connect-Redis -Url "redis://:$Pw@${H}:$P/0" -Name by-url -PassThru
            $null = Invoke-RedisCommand ACL SETUSER $TokenUser on ">$Token" '~*' '&*' '+@all' -Connection $admin
            $null = Invoke-RedisCommand ACL SETUSER $User on ">$UserPw" '~*' '&*' '+@all' -Connection $admin
            $secure = { param($s) [Net.NetworkCredential]::new('', $s).SecurePassword }
            $connections = @(
                $admin
                Connect-Redis -Url "redis://${H}:$P/0?password=$Pw" -Name by-query -PassThru
                Connect-Redis -HostName $H -Port $P -Credential ([pscredential]::new('default', (& $secure $Pw))) -Name by-credential -PassThru
                Connect-Redis -HostName $H -Port $P -Credential ([pscredential]::new($User, (& $secure $UserPw))) -Name by-acl-user -PassThru
                Connect-Redis -HostName $H -Port $P -Credential ([pscredential]::new($TokenUser, [securestring]::new())) -AccessToken (& $secure $Token) -Name by-token -PassThru
                # The script block way: the block runs in a runspace of its own, with a copy of $Token.
                Connect-Redis -HostName $H -Port $P -Credential ([pscredential]::new($TokenUser, [securestring]::new())) -AccessToken { [Net.NetworkCredential]::new('', $Token).SecurePassword } -TokenLifetime 60 -Name by-token-block -PassThru
            )
            foreach ($c in $connections) { Set-RedisValue -Key "secrets:$($c.Name)" -Value x -Connection $c }
            $keys = @(Get-RedisKey -Match 'secrets:*' -Connection $admin -Detailed)
            $subscriber = Register-RedisEvent -Channel secrets-channel -SourceIdentifier secrets-events -Connection $admin
            $events = @($ExecutionContext.Events.GetEventSubscribers('secrets-events'))
            # Failures: a wrong password every way, and a pipeline whose command fails after AUTH-like arguments.
            try { Connect-Redis -Url "redis://:$Wrong@${H}:$P/0" -Name bad-url } catch { }
            try { Connect-Redis -HostName $H -Port $P -Credential ([pscredential]::new($User, (& $secure $Wrong))) -Name bad-cred } catch { }
            try { Connect-Redis -HostName $H -Port $P -AccessToken (& $secure $Wrong) -Name bad-token } catch { }
            try { Connect-Redis -HostName $H -Port $P -Credential ([pscredential]::new($TokenUser, [securestring]::new())) -AccessToken { $Wrong } -Name bad-token-block } catch { }
            try { Connect-Redis -HostName $H -Port $P -AccessToken { Write-Error 'sign in first' } -Name empty-token-block } catch { }
            $null = Invoke-RedisPipeline { Invoke-RedisCommand CONFIG SET masterauth $Pw; Invoke-RedisCommand ACL SETUSER $TokenUser ">$Token" 'nosuchrule' } -Connection $admin -ErrorAction SilentlyContinue
            $events | ForEach-Object { $ExecutionContext.Events.UnsubscribeEvent($_) }
            $null = Invoke-RedisCommand ACL DELUSER $TokenUser $User -Connection $admin
            $null = Invoke-RedisCommand CONFIG SET masterauth '' -Connection $admin
            [pscustomobject]@{ Connections = $connections; Keys = $keys; Subscribers = $events; Registry = @(Get-RedisConnection); Errors = @($Error) }
            """, vars);

        // The connects themselves worked: the failures below must be the wrong passwords and the empty token block, nothing else.
        Assert.True(r.Output.Count == 1, "The script stopped: " + r.TerminatingError + " output: " + string.Join(", ", r.Output));
        PSObject everything = r.Output[0];
        Assert.Equal(6, ((object[])everything.Properties["Connections"].Value).Length);
        Assert.Equal(6, ((object[])everything.Properties["Keys"].Value).Length);

        var seen = new StringBuilder();
        foreach (string part in new[] { "Connections", "Keys", "Subscribers", "Registry" })
        {
            object value = everything.Properties[part].Value;
            seen.AppendLine(PSSerializer.Serialize(value, 10));
            PublicMembers.Walk(value, 10, seen);
        }
        foreach (ErrorRecord error in r.AllErrors) Describe(error, seen);
        foreach (object item in (object[])everything.Properties["Errors"].Value)
        {
            object error = item is PSObject wrapped ? wrapped.BaseObject : item;
            if (error is ErrorRecord record) Describe(record, seen);
            else if (error is Exception exception) Describe(new ErrorRecord(exception, "caught", ErrorCategory.NotSpecified, null), seen);
        }
        foreach (string line in r.Verbose.Concat(r.Warnings)) seen.AppendLine(line);
        string text = seen.ToString();

        // The walk did reach the places a secret lived before: the options of every connection, its pool and errors.
        Assert.Contains("HasCredentials", text);
        Assert.Contains("WRONGPASS", text);
        Assert.Contains("by-token", text);
        Assert.Contains("by-token-block", text);
        Assert.Contains("returned no token", text); // the empty block's failure was seen, and named as such
        foreach (string secret in Secrets)
        {
            int at = text.IndexOf(secret, StringComparison.Ordinal);
            Assert.True(at < 0, "Found " + secret + " in: " + (at < 0 ? "" : text.Substring(Math.Max(0, at - 600), 700)));
        }
    }

    private static void Describe(ErrorRecord error, StringBuilder seen)
    {
        seen.AppendLine(error.ToString()).AppendLine(error.FullyQualifiedErrorId).AppendLine(error.ErrorDetails?.ToString());
        seen.AppendLine(error.TargetObject?.ToString());
        // What PowerShell itself keeps of the call: the arguments as bound (a URL with a password among them).
        if (error.InvocationInfo != null)
        {
            foreach (KeyValuePair<string, object> argument in error.InvocationInfo.BoundParameters)
                seen.Append(argument.Key).Append('=').AppendLine(argument.Value?.ToString());
        }
        for (Exception? e = error.Exception; e != null; e = e.InnerException)
        {
            seen.AppendLine(e.ToString());
            foreach (DictionaryEntry entry in e.Data) seen.Append(entry.Key).Append('=').AppendLine(entry.Value?.ToString());
        }
        seen.AppendLine(PSSerializer.Serialize(error, 2));
    }

    /// <summary>Every public property and field value reachable from an object, as a formatter or serializer sees them.</summary>
    private static class PublicMembers
    {
        internal static void Walk(object? root, int depth, StringBuilder seen) =>
            Walk(root, depth, seen, new HashSet<object>(ReferenceEqualityComparer.Instance));

        private static void Walk(object? value, int depth, StringBuilder seen, HashSet<object> visited)
        {
            if (value is PSObject ps)
            {
                foreach (PSPropertyInfo property in ps.Properties)
                {
                    object? member;
                    try { member = property.Value; }
                    catch (GetValueException) { continue; } // a write-only property: nothing to read, which is the point
                    seen.Append(property.Name).Append(": ").AppendLine(Safe(member));
                    if (depth > 0) Walk(member, depth - 1, seen, visited);
                }
                return;
            }
            if (value == null || value is string || value.GetType().IsPrimitive || value is Type || !visited.Add(value)) return;
            seen.AppendLine(Safe(value));
            if (depth <= 0) return;
            if (value is IEnumerable sequence && value is not IDictionary)
            {
                int n = 0;
                foreach (object? item in sequence)
                {
                    if (n++ > 50) break;
                    Walk(item, depth - 1, seen, visited);
                }
                return;
            }
            Type type = value.GetType();
            foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetIndexParameters().Length > 0 || property.GetGetMethod() == null) continue;
                object? member;
                try { member = property.GetValue(value); }
                catch (TargetInvocationException) { continue; } // a getter that refuses in this state reveals nothing
                seen.Append(property.Name).Append(": ").AppendLine(Safe(member));
                Walk(member, depth - 1, seen, visited);
            }
            foreach (FieldInfo field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
            {
                object? member = field.GetValue(value);
                seen.Append(field.Name).Append(": ").AppendLine(Safe(member));
                Walk(member, depth - 1, seen, visited);
            }
        }

        private static string Safe(object? value)
        {
            try { return value?.ToString() ?? string.Empty; }
            catch (Exception e) when (e is InvalidOperationException || e is ObjectDisposedException) { return string.Empty; }
        }
    }
}
