using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using PSRedis.Tests.Integration.Infrastructure;
using Xunit;

namespace PSRedis.Tests.Integration.Cmdlets;

/// <summary>
/// Every data cmdlet, the same calls outside and inside Invoke-RedisPipeline and Invoke-RedisTransaction, on the same
/// data: the output objects (type and properties) and the error records (id and target) must be the same. Output is
/// made from replies by one handler whatever sent the command, so a line moved into a batch block changes when it is
/// sent, never what it gives.
/// </summary>
public sealed class BatchParityTests : IClassFixture<OwnServerFixture>, IDisposable
{
    private readonly PowerShellHost _ps = new();

    public BatchParityTests(OwnServerFixture fixture)
    {
        _ps.Run("Connect-Redis -Url $Url -Name parity", new() { ["Url"] = fixture.Server.Url }).ShouldSucceed();
    }

    public void Dispose() => _ps.Dispose();

    /// <summary>(name, set-up, call, whether the output's order is the server's hash order).</summary>
    public static IEnumerable<object[]> Calls() => new[]
    {
        Case("Get-RedisValue", "Set-RedisValue a 1; Push-RedisList l x", "Get-RedisValue a, missing, l; Get-RedisValue a -AsByteArray"),
        Case("Set-RedisValue", "Set-RedisValue a 1", "Set-RedisValue b 2; Set-RedisValue a 3 -NotExists -PassThru; Set-RedisValue c 4 -PassThru; Set-RedisValue d 5 -Exists -PassThru; Set-RedisValue e ([pscustomobject]@{x=1}) -ErrorAction SilentlyContinue"),
        Case("Test-RedisKey", "Set-RedisValue a 1", "Test-RedisKey a, missing; 'a', 'b' | Test-RedisKey"),
        Case("Set-RedisKeyExpiry", "Set-RedisValue a 1; Set-RedisValue b 1 -Expiry 100", "Set-RedisKeyExpiry a, missing -TimeToLive 100 -PassThru; Set-RedisKeyExpiry b -Persist -PassThru; Set-RedisKeyExpiry a -TimeToLive 50"),
        Case("Remove-RedisKey", "Set-RedisValue a 1; Set-RedisValue b 1", "Remove-RedisKey a, missing -Force; Remove-RedisKey b -Force -PassThru"),
        Case("Rename-RedisKey", "Set-RedisValue a 1; Set-RedisValue b 2; Set-RedisValue c 3", "Rename-RedisKey a z -PassThru; Rename-RedisKey b c -NoClobber; Rename-RedisKey missing q"),
        Case("Step-RedisCounter", "Set-RedisValue n 5; Set-RedisValue f 1.5; Push-RedisList l x", "Step-RedisCounter n; Step-RedisCounter n -By 3 -Decrement; Step-RedisCounter f -By 0.5; Step-RedisCounter f; Step-RedisCounter l"),
        Case("Get-RedisHash", "Set-RedisHash h @{ a = '1'; b = '2' }; Set-RedisValue s x", "Get-RedisHash h; Get-RedisHash h -Field a, zz; Get-RedisHash h -AsHashtable; Get-RedisHash missing; Get-RedisHash s"),
        Case("Set-RedisHash", "Set-RedisHash h @{ a = '1' }", "Set-RedisHash h @{ a = '2'; b = '3' } -PassThru; [pscustomobject]@{ Key = 'h2'; x = 1 } | Set-RedisHash -PassThru; Set-RedisHash h3 @{ c = 1 }"),
        Case("Remove-RedisHashField", "Set-RedisHash h @{ a = '1'; b = '2' }", "Remove-RedisHashField h a, zz -PassThru; Remove-RedisHashField missing a -PassThru; Remove-RedisHashField h b"),
        Case("Push-RedisList", "", "1..3 | Push-RedisList -Key l -PassThru; Push-RedisList -Key l -Value a -Left -PassThru; Push-RedisList -Key m -Value b"),
        Case("Pop-RedisList", "Push-RedisList l a, b, c, d; Push-RedisList m z", "Pop-RedisList l; Pop-RedisList l -Right -Count 2; Pop-RedisList l, m; Pop-RedisList missing; Pop-RedisList m -Timeout 1"),
        Case("Get-RedisList", "Push-RedisList l a, b, c, d, e", "Get-RedisList l; Get-RedisList l -Start 1 -End 2; Get-RedisList l -Start -2; Get-RedisList missing; Get-RedisList l -AsByteArray"),
        Case("Add-RedisSetMember", "Add-RedisSetMember s a", "Add-RedisSetMember s a, b, c -PassThru; 'x', 'y' | Add-RedisSetMember -Key t -PassThru"),
        Case("Get-RedisSetMember", "Add-RedisSetMember s apple, avocado, banana", "Get-RedisSetMember s; Get-RedisSetMember s -Match 'a*'; Get-RedisSetMember s -Member banana, cherry", unordered: true),
        Case("Remove-RedisSetMember", "Add-RedisSetMember s a, b, c", "Remove-RedisSetMember s a, zz -PassThru; 'b' | Remove-RedisSetMember -Key s"),
        Case("Add-RedisSortedSetMember", "Add-RedisSortedSetMember z -Member a -Score 1", "Add-RedisSortedSetMember z -Mapping @{ a = 5; b = 2 } -PassThru; Add-RedisSortedSetMember z -Member a -Score 3 -Increment; Add-RedisSortedSetMember z -Member c -Score 9 -NotExists -PassThru"),
        Case("Get-RedisSortedSetMember", "Add-RedisSortedSetMember z -Mapping @{ a = 1; b = 2; c = 3; d = 4 }", "Get-RedisSortedSetMember z; Get-RedisSortedSetMember z -Start 0 -End 1 -Descending -WithScores; Get-RedisSortedSetMember z -Min 2 -Max '(4'; Get-RedisSortedSetMember z -MinLex '[b' -MaxLex '[c'; Get-RedisSortedSetMember z -Start -2 -WithScores"),
        Case("Remove-RedisSortedSetMember", "Add-RedisSortedSetMember z -Mapping @{ a = 1; b = 2; c = 3; d = 4; e = 5 }", "Remove-RedisSortedSetMember z -Member a, zz -PassThru; Remove-RedisSortedSetMember z -RankStart 0 -RankEnd 0 -PassThru; Remove-RedisSortedSetMember z -MinScore 4 -MaxScore 5"),
        Case("Add-RedisStreamEntry", "", "Add-RedisStreamEntry x -Fields @{ a = 1 } -Id 1-1; [pscustomobject]@{ b = 2 } | Add-RedisStreamEntry -Key x -Id 2-1; Add-RedisStreamEntry x -Fields @{ c = 3 } -Id 1-0 -ErrorAction SilentlyContinue"),
        Case("Read-RedisStream", "Add-RedisStreamEntry x -Fields @{ a = 1 } -Id 1-1 | Out-Null; Add-RedisStreamEntry x -Fields @{ b = 2 } -Id 2-1 | Out-Null", "Read-RedisStream x; Read-RedisStream x -Descending -Count 1; Read-RedisStream x -After 1-1; Read-RedisStream x -Group g -Consumer c -CreateGroup; Read-RedisStream x -Group g -Consumer c -Pending"),
        Case("Confirm-RedisStreamEntry", "Add-RedisStreamEntry x -Fields @{ a = 1 } -Id 1-1 | Out-Null; Invoke-RedisCommand XGROUP CREATE x g 0 | Out-Null; Read-RedisStream x -Group g -Consumer c | Out-Null", "Confirm-RedisStreamEntry -Key x -Group g -Id 1-1, 9-9 -PassThru"),
        Case("Publish-RedisMessage", "", "Publish-RedisMessage -Channel ch -Message hi -PassThru; 'a', 'b' | Publish-RedisMessage -Channel ch"),
        Case("Invoke-RedisCommand", "Set-RedisValue a 1; Push-RedisList l x, y", "Invoke-RedisCommand INCR a; Invoke-RedisCommand LRANGE l 0 -1; Invoke-RedisCommand GET missing; Invoke-RedisCommand INCR l"),
        Case("Invoke-RedisScript", "Set-RedisValue a 5", "Invoke-RedisScript -Script \"return redis.call('INCRBY', KEYS[1], ARGV[1])\" -Key a -ArgumentList 2; Invoke-RedisScript -Script \"return {1, 'two'}\""),
        Case("Get-RedisServerInfo", "", "Get-RedisServerInfo -Section server; Get-RedisServerInfo -Section nosuchsection"),
        Case("Clear-RedisDatabase", "Set-RedisValue a 1", "Clear-RedisDatabase -Force; Test-RedisKey a"),
    };

    private static object[] Case(string name, string setup, string call, bool unordered = false) => new object[] { name, setup, call, unordered };

    [Theory]
    [MemberData(nameof(Calls))]
    public void OutputAndErrorsAreTheSameInsideAndOutsideABatch(string name, string setup, string call, bool unordered)
    {
        string outside = Capture(setup, call, unordered);
        Assert.True(outside.Length > 0, name + " gave nothing to compare");
        string inPipeline = Capture(setup, "Invoke-RedisPipeline { " + call + " }", unordered);
        Assert.True(outside == inPipeline, name + " differs inside Invoke-RedisPipeline:\n--- outside\n" + outside + "\n--- inside\n" + inPipeline);
        // Blocking pops never block inside MULTI; with data in the list the outcome is the same.
        string inTransaction = Capture(setup, "Invoke-RedisTransaction { " + call + " }", unordered);
        Assert.True(outside == inTransaction, name + " differs inside Invoke-RedisTransaction:\n--- outside\n" + outside + "\n--- inside\n" + inTransaction);
    }

    /// <summary>Flushes, runs the set-up, then the call; returns its output objects and error records as text.</summary>
    private string Capture(string setup, string call, bool unordered)
    {
        _ps.Run("Clear-RedisDatabase -All -Force; " + setup).ShouldSucceed();
        PowerShellResult r = _ps.Run(call);
        Assert.Null(r.TerminatingError);
        var lines = new List<string>();
        foreach (PSObject? item in r.Output) lines.Add("out " + Describe(item));
        if (unordered) lines.Sort(StringComparer.Ordinal);
        foreach (ErrorRecord error in r.Errors)
        {
            lines.Add("err " + error.FullyQualifiedErrorId.Split(',')[0] + " target=" + Describe(error.TargetObject));
        }
        return string.Join("\n", lines);
    }

    // Values that differ from one run to the next by nature: how long a removal took, the server's clock and counters.
    private static bool Varies(string typeName, string property) =>
        property == "Elapsed" || (typeName.EndsWith("RedisServerInfoEntry", StringComparison.Ordinal) && property == "Value");

    private static string Describe(object? value)
    {
        object? item = value is PSObject ps ? ps.BaseObject : value;
        switch (item)
        {
            case null: return "$null";
            case string s: return "string '" + s + "'";
            case byte[] bytes: return "byte[] " + Convert.ToBase64String(bytes);
            case IDictionary dictionary:
                return item.GetType().Name + " {" + string.Join(", ", dictionary.Keys.Cast<object>()
                    .OrderBy(k => k.ToString(), StringComparer.Ordinal).Select(k => k + "=" + Describe(dictionary[k]))) + "}";
            case IEnumerable sequence:
                return item.GetType().Name + " [" + string.Join(", ", sequence.Cast<object?>().Select(Describe)) + "]";
            case IFormattable formattable when item.GetType().IsPrimitive || item is decimal:
                return item.GetType().Name + " " + formattable.ToString(null, CultureInfo.InvariantCulture);
            case bool flag: return "bool " + flag;
        }
        // Any other object: its type and public properties (a connection by its name only).
        PSObject wrapped = value as PSObject ?? PSObject.AsPSObject(item);
        string typeName = wrapped.TypeNames[0];
        var properties = wrapped.Properties
            .Where(p => p.IsGettable && !Varies(typeName, p.Name))
            .Select(p => p.Name + "=" + (p.Value is PSObject pv && pv.BaseObject.GetType().Name == "RedisConnection" || p.Value?.GetType().Name == "RedisConnection"
                ? "conn:" + PSObject.AsPSObject(p.Value).Properties["Name"].Value
                : Describe(p.Value)));
        return typeName + " {" + string.Join(", ", properties) + "}";
    }
}
