#Requires -Version 7.6
<#
.SYNOPSIS
    Goal: Import-Module NginxKit stays under 100 ms.
.DESCRIPTION
    Import cost only shows in a fresh process: a second Import-Module in the same session is a no-op.
    So every sample here is a new pwsh, the same pwsh that runs this script (under `dotnet pwsh`,
    that is dotnet plus pwsh.dll).

      (a) whole process: median wall time of `pwsh -NoProfile -c "Import-Module <psd1>"` minus the
          median of `pwsh -NoProfile -c exit`. This is what a user's script pays, and the goal's own
          definition (fresh processes, against bare pwsh -c exit), so the goal is judged on it.
      (b) in process: the child times its own Import-Module with a Stopwatch and prints it,
          reported alongside as a check with less start-up noise.

    For scale, (b) is also run on an empty manifest module: the part of the import cost that any
    module pays on a fresh session (first use of Import-Module itself), not NginxKit's own.

    Run by `build.ps1 Bench` with NGINXKIT_MODULE_PATH set; prints progress with Write-Host and one
    compact JSON object as the last line of stdout.
#>
param(
    # Fresh processes per measure. Odd, so the median is a sample rather than an average of two.
    [int] $Runs = 9
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

Import-Module "$PSScriptRoot/BenchHelpers.psm1"
$repo = Get-BenchRepoRoot
$module = Get-BenchModulePath

$goalMs = 100

# The same pwsh as this one. Under `dotnet pwsh` the process is dotnet, and pwsh.dll must come first.
$pwshCommand = if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') {
    @([Environment]::ProcessPath, [Reflection.Assembly]::GetEntryAssembly().Location)
} else { @([Environment]::ProcessPath) }
$pwshExe = $pwshCommand[0]
$pwshPrefix = @($pwshCommand | Select-Object -Skip 1)

# An empty module, for the share of (b) that is PowerShell's rather than NginxKit's.
$emptyDir = Join-Path $repo 'out/bench/import-baseline/BenchEmpty'
New-Item -ItemType Directory -Force $emptyDir | Out-Null
$emptyModule = Join-Path $emptyDir 'BenchEmpty.psd1'
Set-Content $emptyModule "@{ ModuleVersion = '1.0.0'; GUID = '3d6a4f7e-0b1c-4a8e-9a55-2f0c1e7b9d10' }"

function Quote([string] $Path) { "'" + ($Path -replace "'", "''") + "'" }

function Invoke-Pwsh {
    # One fresh pwsh; returns its wall time and stdout. A failed import must not pass as a fast one.
    param([string] $Command)
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $out = & $pwshExe @pwshPrefix -NoProfile -c $Command
    $sw.Stop()
    if ($LASTEXITCODE -ne 0) { throw "pwsh -c `"$Command`" exited with $LASTEXITCODE" }
    [pscustomobject]@{ WallMs = $sw.Elapsed.TotalMilliseconds; Output = @($out) }
}


$importCommand = "Import-Module $(Quote $module)"
$timedTemplate = '$sw = [Diagnostics.Stopwatch]::StartNew(); Import-Module {0}; $sw.Stop(); $sw.Elapsed.TotalMilliseconds.ToString([cultureinfo]::InvariantCulture)'
$measures = [ordered]@{
    bare         = 'exit'
    import       = $importCommand
    timed        = $timedTemplate -f (Quote $module)
    timedEmpty   = $timedTemplate -f (Quote $emptyModule)
}

Write-Host "    pwsh: $($pwshCommand -join ' ')"
Write-Host "    module: $module"
# The first start-ups after a build read the DLLs from disk; later ones from the page cache.
# Users mostly start warm, and the first cold sample would otherwise swing a small median.
foreach ($command in $measures.Values) { $null = Invoke-Pwsh $command }

# Round-robin, so drift in machine load over the run touches every measure alike.
$samples = @{}
foreach ($name in $measures.Keys) { $samples[$name] = [Collections.Generic.List[double]]::new() }
$inProcess = @{ timed = [Collections.Generic.List[double]]::new(); timedEmpty = [Collections.Generic.List[double]]::new() }
for ($i = 1; $i -le $Runs; $i++) {
    foreach ($name in $measures.Keys) {
        $run = Invoke-Pwsh $measures[$name]
        $samples[$name].Add($run.WallMs)
        if ($inProcess.ContainsKey($name)) {
            $inProcess[$name].Add([double]::Parse(($run.Output | Select-Object -Last 1), [cultureinfo]::InvariantCulture))
        }
    }
    Write-Host ("    run {0}/{1}: bare {2:N0} ms, import {3:N0} ms, in-process import {4:N1} ms" -f $i, $Runs,
        $samples.bare[-1], $samples.import[-1], $inProcess.timed[-1])
}

$bareMs = Get-Median $samples.bare
$importMs = Get-Median $samples.import
$deltaMs = $importMs - $bareMs
$inProcessMs = Get-Median $inProcess.timed
$emptyMs = Get-Median $inProcess.timedEmpty
$met = $deltaMs -lt $goalMs
$goal = "Import-Module < $goalMs ms (fresh processes, against bare pwsh -c exit)"

function Round([double] $x) { [math]::Round($x, 1) }

$result = [ordered]@{
    goal                        = $goal
    goal_ms                     = $goalMs
    runs                        = $Runs
    process_bare_median_ms      = Round $bareMs
    process_import_median_ms    = Round $importMs
    process_import_delta_ms     = Round $deltaMs
    inprocess_import_median_ms  = Round $inProcessMs
    inprocess_import_min_ms     = Round ($inProcess.timed | Measure-Object -Minimum).Minimum
    inprocess_import_max_ms     = Round ($inProcess.timed | Measure-Object -Maximum).Maximum
    inprocess_empty_module_ms   = Round $emptyMs
    inprocess_nginxkit_own_ms   = Round ($inProcessMs - $emptyMs)
    met                         = $met
    met_in_process              = $inProcessMs -lt $goalMs
    table                       = @(
        [ordered]@{ measure = 'Import-Module, process - bare pwsh'; median_ms = Round $deltaMs; goal = "< $goalMs ms"; met = $met }
        [ordered]@{ measure = 'Import-Module, in-process (check)'; median_ms = Round $inProcessMs; goal = "< $goalMs ms"; met = $inProcessMs -lt $goalMs }
        [ordered]@{ measure = '  bare pwsh -c exit (ref)'; median_ms = Round $bareMs; goal = ''; met = $null }
        [ordered]@{ measure = '  empty module, in-process (ref)'; median_ms = Round $emptyMs; goal = ''; met = $null }
        [ordered]@{ measure = '  NginxKit own: in-process - empty'; median_ms = Round ($inProcessMs - $emptyMs); goal = ''; met = $null }
    )
}
Write-Host ("    in-process import {0:N1} ms (empty module {1:N1} ms); process delta {2:N1} ms; goal < {3} ms: {4}" -f
    $inProcessMs, $emptyMs, $deltaMs, $goalMs, $(if ($met) { 'met (process delta)' } else { 'NOT met (process delta)' }))
$result | ConvertTo-Json -Compress -Depth 6
