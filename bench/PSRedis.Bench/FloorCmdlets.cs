using System.Collections.Generic;
using System.Management.Automation;

namespace PSRedis.Bench;

/// <summary>
/// The PowerShell floor of the scan-and-delete job: two compiled cmdlets shaped like Get-RedisKey and Remove-RedisKey
/// (an object with Key and Connection per key; two parameter sets, a mandatory piped PSObject, keys gathered in batches
/// of 1,000) that touch no network. What the engine costs to pass 500,000 objects from one cmdlet to the next is a
/// lower bound of any cmdlet pipeline, whatever the client under it does.
/// </summary>
public sealed class FloorKey
{
    public FloorKey(string key, object connection)
    {
        Key = key;
        Connection = connection;
    }

    public string Key { get; }
    public object Connection { get; }
}

[Cmdlet(VerbsCommon.Get, "BenchFloorKey")]
[OutputType(typeof(FloorKey))]
public sealed class GetBenchFloorKeyCommand : PSCmdlet
{
    [Parameter(Position = 0)]
    public int Count { get; set; }

    protected override void EndProcessing()
    {
        object connection = new object();
        for (int i = 0; i < Count; i++) WriteObject(new FloorKey("cache:" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), connection));
    }
}

[Cmdlet(VerbsCommon.Remove, "BenchFloorKey", DefaultParameterSetName = "InputObject")]
[OutputType(typeof(long))]
public sealed class RemoveBenchFloorKeyCommand : PSCmdlet
{
    private readonly List<string> _batch = new List<string>(1000);
    private long _taken;

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Key")]
    public string[]? Key { get; set; }

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "InputObject")]
    public PSObject? InputObject { get; set; }

    protected override void ProcessRecord()
    {
        if (InputObject?.BaseObject is not FloorKey key) return;
        _batch.Add(key.Key);
        _taken++;
        if (_batch.Count == 1000) _batch.Clear();
    }

    protected override void EndProcessing() => WriteObject(_taken);
}
