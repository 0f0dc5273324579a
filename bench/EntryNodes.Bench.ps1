#Requires -Version 7.6
<#
.SYNOPSIS
    Labelling 1,000 nodes: Set-EntryNodeLabel against one `kubectl label node n1 ... n1000 role=X` call.
.DESCRIPTION
    Both run against the same fake API server on loopback, in one run, interleaved, each sample
    setting a role value the nodes do not have yet so every node really gets a PATCH. kubectl is
    a whole process; so is Set-EntryNodeLabel (a fresh pwsh importing the module), which is the
    fair comparison for a runbook step, and the in-process time is reported too.
    kubectl's own client-side rate limit (5 requests/s, bursts of 10) makes one call take minutes,
    and it barely varies, so kubectl runs $KubectlRepeat times and the cmdlet $Repeat times.
    Goal: Set-EntryNodeLabel at least 2x faster than kubectl.
    Prints progress with Write-Host and one compact JSON object as the last line of stdout.
#>
param([int] $NodeCount = 1000, [int] $Repeat = 5, [int] $KubectlRepeat = 1)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

Import-Module "$PSScriptRoot/BenchHelpers.psm1"
$repo = Get-BenchRepoRoot
$module = Get-BenchModulePath
Import-Module "$repo/tests/Pester/FakeKubeApi.psm1"
Import-Module $module


[string[]] $pwsh = if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') {
    @([Environment]::ProcessPath, [Reflection.Assembly]::GetEntryAssembly().Location)
} else { @([Environment]::ProcessPath) }

$fake = Start-FakeKubeApi
try {
    $names = 1..$NodeCount | ForEach-Object { "n$_" }
    Add-FakeKubeObject $fake -Object @($names | ForEach-Object { @{ apiVersion = 'v1'; kind = 'Node'; metadata = @{ name = $_ } } }) | Out-Null
    $namesFile = Join-Path $fake.Directory 'names.txt'
    Set-Content $namesFile $names
    Write-Host "    $NodeCount nodes on $($fake.Url)"

    $kubectl = [Collections.Generic.List[double]]::new()
    $cmdlet = [Collections.Generic.List[double]]::new()
    $inProcess = [Collections.Generic.List[double]]::new()
    for ($i = 0; $i -lt $Repeat + 1; $i++) {
        # kubectl: every node to role=k<i>
        $kubectlMs = [double]::NaN
        if ($i -ge 1 -and $i -le $KubectlRepeat) {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $r = Invoke-Kubectl $fake (@('label', 'node') + $names + @("role=k$i", '--overwrite')) -TimeoutSec 900
            $sw.Stop()
            if ($r.ExitCode -ne 0) { throw "kubectl label failed: $($r.Error)" }
            $kubectlMs = $sw.Elapsed.TotalMilliseconds
            $kubectl.Add($kubectlMs)
        }

        # Set-EntryNodeLabel in a fresh process: every node to role=c<i>
        $script = "Import-Module '$module'; `$n = Get-Content '$namesFile'; `$sw = [Diagnostics.Stopwatch]::StartNew(); " +
            "`$r = @(Set-EntryNodeLabel -Name `$n -Role c$i -KubeConfig '$($fake.KubeConfig)'); `$sw.Stop(); " +
            "if (@(`$r | Where-Object Changed).Count -ne $NodeCount) { throw 'not every node changed' }; `$sw.Elapsed.TotalMilliseconds"
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $out = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script
        $sw.Stop()
        if ($LASTEXITCODE -ne 0) { throw "Set-EntryNodeLabel failed: $out" }
        if ($i -gt 0) {
            $cmdlet.Add($sw.Elapsed.TotalMilliseconds)
            $inProcess.Add([double]($out | Select-Object -Last 1))
        }
        Write-Host ("    round {0}{1}: kubectl {2:n0} ms, Set-EntryNodeLabel {3:n0} ms (in-process {4:n0} ms)" -f $i, $(if ($i -eq 0) { ' (warm-up)' } else { '' }), $kubectlMs, $sw.Elapsed.TotalMilliseconds, [double]($out | Select-Object -Last 1))
    }
}
finally { Stop-FakeKubeApi $fake }

$k = Get-Median $kubectl
$c = Get-Median $cmdlet
$p = Get-Median $inProcess
$ratio = [math]::Round($k / $c, 2)
[ordered]@{
    nodes                        = $NodeCount
    kubectl_label_median_ms      = [math]::Round($k, 1)
    set_entrynodelabel_process_ms = [math]::Round($c, 1)
    set_entrynodelabel_inprocess_ms = [math]::Round($p, 1)
    speedup                      = $ratio
    goal                         = '>= 2x faster than kubectl'
    met                          = $ratio -ge 2
    table                        = @(
        [ordered]@{ measure = "kubectl label node (1 call, $NodeCount nodes)"; median_ms = [math]::Round($k, 1); goal = ''; met = '' }
        [ordered]@{ measure = 'Set-EntryNodeLabel, whole process'; median_ms = [math]::Round($c, 1); goal = '>= 2x faster'; met = $ratio -ge 2 }
        [ordered]@{ measure = '  Set-EntryNodeLabel, in-process (ref)'; median_ms = [math]::Round($p, 1); goal = ''; met = '' }
        [ordered]@{ measure = 'speedup (kubectl / Set-EntryNodeLabel)'; median_ms = $ratio; goal = '>= 2'; met = $ratio -ge 2 }
    )
} | ConvertTo-Json -Compress -Depth 5
