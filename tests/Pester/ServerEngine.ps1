<#
    Which server engine the Pester suites run against, and the helpers a test uses where the engines differ.
    Dot-sourced by TestServer.ps1. $env:PSREDIS_TEST_ENGINE picks the engine: 'Redis' (the default) or 'Garnet'
    (Microsoft Garnet, a Redis-compatible server; CI runs the suites against both). Every difference a test allows
    for is listed in docs/garnet.md, with what the cmdlet does about it.
#>

$script:TestEngine = if ($env:PSREDIS_TEST_ENGINE) { $env:PSREDIS_TEST_ENGINE } else { 'Redis' }
if ($script:TestEngine -notin 'Redis', 'Garnet') {
    throw "PSREDIS_TEST_ENGINE must be 'Redis' or 'Garnet', not '$($script:TestEngine)'."
}
$script:IsGarnet = $script:TestEngine -eq 'Garnet'

# First line of an It block: under Garnet the test ends here, skipped, with the difference named (a row of
# docs/garnet.md) in the result; under Redis it does nothing. (Set-ItResult throws, so nothing after it runs.)
function Skip-KnownGarnetDifference {
    param([Parameter(Mandatory)] [string] $Because)
    if ($script:IsGarnet) { Set-ItResult -Skipped -Because "Known Garnet difference: $Because" }
}
