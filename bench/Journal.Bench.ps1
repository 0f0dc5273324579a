#Requires -Version 7.6
<#
.SYNOPSIS
    Goals for Get-DockerJournal on 1,000,000 journal entries, against what users run today.
.DESCRIPTION
    The fixture: 1,000,000 docker.service entries (dockerd logfmt lines at every priority, PID 1's
    start lines every 5,000), one every 100 ms (about 28 hours), written by systemd-journal-remote
    (tests/Fixtures/JournalFixture, through tests/Pester/JournalFixture.psm1). It rotates every ~175k entries, so the directory holds
    several files. It is built once into out/bench/journal and reused while its fixture.json
    matches and journalctl finds its last entry where it should be (about 25 s to build).

    Every measure is a whole process, timed from outside (wall; CPU and max RSS through
    /usr/bin/time when present, which counts waited-for children such as journalctl under pwsh):
      cmdlet        pwsh -c "Import-Module NginxKit; Get-DockerJournal -Directory D | Out-Null"
                    (the child also times its own import and read: the in-process time)
      json          journalctl --directory D -o json > /dev/null
      cfj           pwsh -c "journalctl --directory D -o json | ConvertFrom-Json | Out-Null"
      cat           journalctl --directory D -o cat > /dev/null
    and -Last 5 and a one-minute -Since/-Until window, timed inside one fresh pwsh: the first call
    (cold: JIT, opening the files) and the median of 5 more.

    Goals: cmdlet <= 0.5x json; cmdlet >= 5x faster than cfj; peak memory of the Get-DockerJournal
    process < 150 MB; -Last 5 and the window well under a second.

    Memory: peak RSS (VmHWM, what /usr/bin/time -v reports) counts the journal files' pages that
    sd-journal maps (libsystemd keeps up to 64 windows of 8 MiB mapped), which are file-backed,
    shared with the page cache and dropped by the kernel under pressure; journalctl carries the same
    kind of RSS. So the parent also samples /proc/<pid>/status of the child every 20 ms for the peak
    of RssAnon (private memory: GC heap, native allocations) and RssFile, to show which is which.
    The goal is judged on peak RSS as asked; the private peak is reported beside it.

    Breakdown rows (no goal) say where the cmdlet's time goes: the C# reader alone (the engine's
    JournalReader enumerated in process, no PowerShell pipeline), pwsh with the module imported and
    nothing read, the export reader (NGINXKIT_JOURNAL_READER=export: journalctl -o export parsed),
    and journalctl with the cmdlet's own filter (-u docker.service).

    The compared processes run round-robin, -Runs times each (medians), so drift in machine load
    touches them alike; cfj, at ~30 s a run, runs -CfjRuns times.

    Run by `build.ps1 Bench` with NGINXKIT_MODULE_PATH and NGINXKIT_REPO_ROOT set; prints progress
    with Write-Host and one compact JSON object as the last line of stdout.
#>
param(
    [int] $Count = 1000000,
    [int] $Runs = 3,
    [int] $CfjRuns = 1,
    [int] $SmallRepeat = 5
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

Import-Module "$PSScriptRoot/BenchHelpers.psm1"
$repo = Get-BenchRepoRoot
$module = Get-BenchModulePath
$journalctl = (Get-Command journalctl -CommandType Application -ErrorAction Ignore | Select-Object -First 1).Source
if (-not $journalctl) { throw 'journalctl is not installed.' }
$timeTool = if (Test-Path /usr/bin/time) { '/usr/bin/time' } else { $null }

# The same pwsh as this one. Under `dotnet pwsh` the process is dotnet, and pwsh.dll must come first.
$pwshCommand = if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') {
    @([Environment]::ProcessPath, [Reflection.Assembly]::GetEntryAssembly().Location)
} else { @([Environment]::ProcessPath) }

$goal = [ordered]@{ json_ratio = 0.5; cfj_speedup = 5.0; peak_mb = 150; small_ms = 1000 }
$seed = 42; $startUsec = [uint64]1795248000000000; $stepUsec = [uint64]100000

function Quote([string] $Text) { "'" + ($Text -replace "'", "''") + "'" }
function Round([double] $x, [int] $Digits = 1) { [math]::Round($x, $Digits) }

# ---------------------------------------------------------------------------------------------
# The fixture, built once.
# ---------------------------------------------------------------------------------------------
Import-Module (Join-Path $repo 'tests/Pester/JournalFixture.psm1')
$dir = Join-Path $repo 'out/bench/journal'
$spec = [ordered]@{ count = $Count; seed = $seed; start_usec = $startUsec; step_usec = $stepUsec; generator = 1 }
$specJson = $spec | ConvertTo-Json -Compress
$lastUsec = $startUsec + [uint64]$Count * $stepUsec

function Test-Fixture {
    $marker = Join-Path $dir 'fixture.json'
    if (-not (Test-Path $marker) -or (Get-Content $marker -Raw).Trim() -ne $specJson) { return $false }
    # The marker is written last; still, the newest entry must be the one the generator wrote last.
    $tail = & $journalctl --no-pager --quiet --directory=$dir -n 1 -o json 2>$null | ConvertFrom-Json
    $tail -and [uint64]$tail.__REALTIME_TIMESTAMP -eq $lastUsec
}

if (Test-Fixture) {
    Write-Host "    fixture: reusing $dir ($Count entries)"
} else {
    if (-not (Find-JournalRemote)) { throw 'systemd-journal-remote is not installed (apt-get install systemd-journal-remote).' }
    Write-Host "    fixture: building $Count entries into $dir with systemd-journal-remote (once; ~25 s per million)"
    $building = "$dir.building-$PID"
    Remove-Item $dir, $building -Recurse -Force -ErrorAction Ignore
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $fx = New-JournalFixture -Path $building -Scenario Bench -Count $Count -Seed $seed -StartUsec $startUsec -StepUsec $stepUsec
    Set-Content (Join-Path $building 'fixture.json') $specJson
    Move-Item $building $dir
    Write-Host ("    fixture: {0} entries in {1} files, {2:N0} MB, built in {3:N1} s" -f $fx.Count, $fx.Files.Count,
        ((Get-ChildItem $dir -Filter *.journal | Measure-Object Length -Sum).Sum / 1MB), $sw.Elapsed.TotalSeconds)
    if (-not (Test-Fixture)) { throw "the fixture in $dir does not end where it should" }
}
$files = @(Get-ChildItem $dir -Filter *.journal)
$fixtureMb = ($files | Measure-Object Length -Sum).Sum / 1MB

# ---------------------------------------------------------------------------------------------
# One measured process: wall; CPU and max RSS from /usr/bin/time; peaks of RssAnon/RssFile sampled.
# ---------------------------------------------------------------------------------------------
function Read-Status([int] $ProcessId) {
    # kB values of /proc/<pid>/status, or $null once the process is gone.
    try { $text = [IO.File]::ReadAllText("/proc/$ProcessId/status") } catch { return $null }
    $v = @{}
    foreach ($line in $text.Split("`n")) {
        if ($line -match '^(VmHWM|VmRSS|RssAnon|RssFile):\s+(\d+) kB') { $v[$Matches[1]] = [long]$Matches[2] }
    }
    $v
}

function Invoke-Measured {
    param([string[]] $Command, [hashtable] $Environment = @{})
    $timeFile = [IO.Path]::GetTempFileName()
    $argv = if ($timeTool) { @($timeTool, '-f', '%e %U %S %M', '-o', $timeFile) + $Command } else { $Command }
    $psi = [Diagnostics.ProcessStartInfo]::new($argv[0])
    foreach ($a in $argv | Select-Object -Skip 1) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
    $sw = [Diagnostics.Stopwatch]::StartNew()
    $p = [Diagnostics.Process]::Start($psi)
    $stdout = $p.StandardOutput.ReadToEndAsync()
    $stderr = $p.StandardError.ReadToEndAsync()
    $peakAnon = 0L; $peakFile = 0L; $hwm = 0L; $target = 0
    while (-not $p.HasExited) {
        if (-not $target) {
            # Under /usr/bin/time the measured process is time's child.
            $target = if ($timeTool) {
                try { [int](([IO.File]::ReadAllText("/proc/$($p.Id)/task/$($p.Id)/children").Trim() -split ' ')[0]) } catch { 0 }
            } else { $p.Id }
        }
        if ($target -and ($s = Read-Status $target)) {
            if ($s.ContainsKey('RssAnon')) { $peakAnon = [math]::Max($peakAnon, $s.RssAnon); $peakFile = [math]::Max($peakFile, $s.RssFile) }
            if ($s.ContainsKey('VmHWM')) { $hwm = [math]::Max($hwm, $s.VmHWM) }
        }
        $null = $p.WaitForExit(20)
    }
    $p.WaitForExit()
    $sw.Stop()
    $wallMs = $sw.Elapsed.TotalMilliseconds
    $cpuMs = $null; $maxRssKb = $hwm
    if ($timeTool) {
        $t = (Get-Content $timeFile -Raw).Trim().Split("`n")[-1].Split(' ')
        $cpuMs = ([double]$t[1] + [double]$t[2]) * 1000
        $maxRssKb = [math]::Max($hwm, [long]$t[3])
    }
    Remove-Item $timeFile -ErrorAction Ignore
    if ($p.ExitCode -ne 0) { throw "$($Command -join ' ') exited $($p.ExitCode): $($stderr.Result)" }
    [pscustomobject]@{
        WallMs = $wallMs; CpuMs = $cpuMs; MaxRssMb = $maxRssKb / 1024; PeakAnonMb = $peakAnon / 1024; PeakFileMb = $peakFile / 1024
        Output = @($stdout.Result.Split("`n", [StringSplitOptions]::RemoveEmptyEntries))
    }
}

function Invoke-Shell([string] $Script) {
    # A shell pipeline into /dev/null: the output never passes through PowerShell. exec keeps the
    # measured process the shell's own pid, so its memory is journalctl's.
    Invoke-Measured @('/bin/sh', '-c', $Script, 'bench', $dir, $journalctl)
}

function Invoke-Child([string] $Script, [hashtable] $Environment = @{}) {
    Invoke-Measured (@($pwshCommand) + @('-NoProfile', '-NonInteractive', '-Command', $Script)) $Environment
}

# In the child: its own import and read times, CPU and VmHWM, as one JSON line.
$selfReport = '[pscustomobject]@{ import_ms = $import; read_ms = $read; count = $n; cpu_ms = [Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalMilliseconds; hwm_kb = [long]((Get-Content /proc/self/status | Where-Object { $_ -like ''VmHWM:*'' }) -replace ''\D'') } | ConvertTo-Json -Compress'
$cmdletScript = "`$sw = [Diagnostics.Stopwatch]::StartNew(); Import-Module $(Quote $module); `$import = `$sw.Elapsed.TotalMilliseconds; `$sw.Restart(); Get-DockerJournal -Directory $(Quote $dir) | Out-Null; `$read = `$sw.Elapsed.TotalMilliseconds; `$n = `$null; $selfReport"
$bareScript = "`$sw = [Diagnostics.Stopwatch]::StartNew(); Import-Module $(Quote $module); `$import = `$sw.Elapsed.TotalMilliseconds; `$read = 0; `$n = `$null; $selfReport"
# The engine's reader (JournalReaderFactory.Open) enumerated in process through reflection (its types live in NginxKit's
# own load context): sd-journal plus building the entries, with no PowerShell pipeline.
$coreScript = @"
`$sw = [Diagnostics.Stopwatch]::StartNew(); Import-Module $(Quote $module); `$import = `$sw.Elapsed.TotalMilliseconds
Get-DockerJournal -Directory $(Quote $dir) -Last 0
`$asm = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'NginxKit.Engine' } | Select-Object -First 1
`$queryType = `$asm.GetType('NginxKit.Engine.Journal.JournalQuery'); `$query = [Activator]::CreateInstance(`$queryType)
`$queryType.GetProperty('Directory').SetValue(`$query, $(Quote $dir))
`$report = [Management.Automation.LanguagePrimitives]::ConvertTo({ param(`$p) }, [Action``1].MakeGenericType(`$asm.GetType('NginxKit.Engine.Diagnostics.Problem')))
`$countOf = ([Linq.Enumerable].GetMethods() | Where-Object { `$_.Name -eq 'Count' -and `$_.GetParameters().Count -eq 1 }).MakeGenericMethod(`$asm.GetType('NginxKit.Engine.Journal.JournalEntry'))
`$sw.Restart()
`$reader = `$asm.GetType('NginxKit.Engine.Journal.JournalReaderFactory').GetMethod('Open').Invoke(`$null, @(`$query, `$report))
`$n = `$countOf.Invoke(`$null, [object[]]@(,`$reader.Read([Threading.CancellationToken]::None)))
`$read = `$sw.Elapsed.TotalMilliseconds; `$reader.Dispose()
$selfReport
"@

$cases = [ordered]@{
    cmdlet        = { Invoke-Child $cmdletScript }
    json          = { Invoke-Shell 'exec "$2" --no-pager --directory="$1" -o json > /dev/null' }
    cat           = { Invoke-Shell 'exec "$2" --no-pager --directory="$1" -o cat > /dev/null' }
    json_unit     = { Invoke-Shell 'exec "$2" --no-pager --directory="$1" -u docker.service -o json > /dev/null' }
    cmdlet_export = { Invoke-Child $cmdletScript @{ NGINXKIT_JOURNAL_READER = 'export' } }
    export_stream = { Invoke-Shell 'exec "$2" --no-pager --directory="$1" -u docker.service -o export --output-fields=MESSAGE,PRIORITY,_PID,UNIT,_SYSTEMD_UNIT,_HOSTNAME,SYSLOG_IDENTIFIER > /dev/null' }
    core          = { Invoke-Child $coreScript }
    bare          = { Invoke-Child $bareScript }
}

Write-Host "    journal: $dir, $($files.Count) files, $(Round $fixtureMb 0) MB; pwsh: $($pwshCommand -join ' ')"
Write-Host "    warming the page cache: one untimed journalctl -o cat and one module import"
$null = Invoke-Shell 'exec "$2" --no-pager --directory="$1" -o cat > /dev/null'
$null = Invoke-Child $bareScript

$samples = [ordered]@{}
foreach ($name in $cases.Keys) { $samples[$name] = [Collections.Generic.List[object]]::new() }
for ($i = 1; $i -le $Runs; $i++) {
    foreach ($name in $cases.Keys) {
        $r = & $cases[$name]
        $samples[$name].Add($r)
        $self = $r.Output | Where-Object { $_.StartsWith('{') } | Select-Object -Last 1
        $detail = if ($self) { $j = $self | ConvertFrom-Json; " (in-process: import {0:N0} ms, read {1:N0} ms)" -f $j.import_ms, $j.read_ms } else { '' }
        Write-Host ("    run {0}/{1} {2,-14} wall {3,8:N0} ms  cpu {4,8:N0} ms  maxrss {5,5:N0} MB  anon {6,5:N0} MB{7}" -f $i, $Runs, $name,
            $r.WallMs, $r.CpuMs, $r.MaxRssMb, $r.PeakAnonMb, $detail)
    }
}
$cfj = [Collections.Generic.List[object]]::new()
for ($i = 1; $i -le $CfjRuns; $i++) {
    $r = Invoke-Child "& $(Quote $journalctl) --no-pager --directory=$(Quote $dir) -o json | ConvertFrom-Json | Out-Null"
    $cfj.Add($r)
    Write-Host ("    run {0}/{1} {2,-14} wall {3,8:N0} ms  cpu {4,8:N0} ms  maxrss {5,5:N0} MB" -f $i, $CfjRuns, 'cfj', $r.WallMs, $r.CpuMs, $r.MaxRssMb)
}

# The cmdlet's count, once: every fixture entry is docker.service's (or PID 1's about it).
$counted = Invoke-Child "Import-Module $(Quote $module); (Get-DockerJournal -Directory $(Quote $dir) | Measure-Object).Count"
$cmdletCount = [long]($counted.Output | Select-Object -Last 1)
Write-Host "    Get-DockerJournal -Directory returned $cmdletCount entries (fixture: $Count)"

# -Last 5 and a one-minute window, in one fresh pwsh: first call cold, then the median of more.
$windowStart = [uint64](($startUsec + [uint64]($Count / 2) * $stepUsec) / 1000000)
$since = "@$windowStart"; $until = "@$($windowStart + 60)"
$smallScript = @"
Import-Module $(Quote $module)
`$result = [ordered]@{}
foreach (`$case in @(@{ name = 'last5'; p = @{ Last = 5 } }, @{ name = 'window'; p = @{ Since = '$since'; Until = '$until' } })) {
    `$p = `$case.p
    `$times = foreach (`$i in 0..$SmallRepeat) { `$sw = [Diagnostics.Stopwatch]::StartNew(); `$n = @(Get-DockerJournal -Directory $(Quote $dir) @p).Count; `$sw.Elapsed.TotalMilliseconds }
    `$result[`$case.name] = @{ cold = `$times[0]; warm = @(`$times | Select-Object -Skip 1); count = `$n }
}
`$result | ConvertTo-Json -Compress -Depth 4
"@
$small = (Invoke-Child $smallScript).Output | Select-Object -Last 1 | ConvertFrom-Json
$smallJournalctl = [ordered]@{
    last5  = Get-Median @(1..$SmallRepeat | ForEach-Object { (Invoke-Shell 'exec "$2" --no-pager --directory="$1" -u docker.service -n 5 -o json > /dev/null').WallMs })
    window = Get-Median @(1..$SmallRepeat | ForEach-Object { (Invoke-Shell "exec `"`$2`" --no-pager --directory=`"`$1`" -u docker.service --since=$since --until=$until -o json > /dev/null").WallMs })
}
Write-Host ("    -Last 5: cold {0:N1} ms, warm median {1:N1} ms ({2} entries); window {3}..{4}: cold {5:N1} ms, warm median {6:N1} ms ({7} entries)" -f
    $small.last5.cold, (Get-Median $small.last5.warm), $small.last5.count, $since, $until, $small.window.cold, (Get-Median $small.window.warm), $small.window.count)

# ---------------------------------------------------------------------------------------------
# Medians, goals, table.
# ---------------------------------------------------------------------------------------------
function Med([string] $Name, [string] $Property) { Get-Median @($samples[$Name] | ForEach-Object { [double]$_.$Property }) }
function SelfMed([string] $Name, [string] $Property) {
    Get-Median @($samples[$Name] | ForEach-Object { [double](($_.Output | Where-Object { $_.StartsWith('{') } | Select-Object -Last 1 | ConvertFrom-Json).$Property) })
}
$m = [ordered]@{}
foreach ($name in $cases.Keys) { $m[$name] = Med $name 'WallMs' }
$cfjMs = Get-Median @($cfj | ForEach-Object WallMs)
$cfjCpu = Get-Median @($cfj | ForEach-Object { [double]$_.CpuMs })
$cmdletRss = Med 'cmdlet' 'MaxRssMb'
$cmdletAnon = Med 'cmdlet' 'PeakAnonMb'
$cmdletFile = Med 'cmdlet' 'PeakFileMb'
$jsonRatio = $m.cmdlet / $m.json
$cfjSpeedup = $cfjMs / $m.cmdlet
$smallCold = [math]::Max($small.last5.cold, $small.window.cold)

$met = [ordered]@{
    json_half      = $jsonRatio -le $goal.json_ratio
    cfj_5x         = $cfjSpeedup -ge $goal.cfj_speedup
    peak_rss       = $cmdletRss -lt $goal.peak_mb
    last5_fast     = $small.last5.cold -lt $goal.small_ms
    window_fast    = $small.window.cold -lt $goal.small_ms
    count_matches  = $cmdletCount -eq $Count
}

function Row($Measure, $Ms, $Cpu = $null, $Mb = $null, $Ratio = $null, $Goal = '', $Met = $null) {
    [ordered]@{ measure = $Measure; median_ms = if ($null -ne $Ms) { Round $Ms 0 } else { $null }; cpu_ms = if ($null -ne $Cpu) { Round $Cpu 0 } else { $null }
        peak_mb = if ($null -ne $Mb) { Round $Mb 0 } else { $null }; ratio = if ($null -ne $Ratio) { Round $Ratio 2 } else { $null }; goal = $Goal; met = $Met }
}
$rows = @(
    Row 'Get-DockerJournal | Out-Null (process)' $m.cmdlet (Med 'cmdlet' 'CpuMs') $cmdletRss $null '' $null
    Row '  in-process: read only' (SelfMed 'cmdlet' 'read_ms') $null $null $null '' $null
    Row 'journalctl -o json > /dev/null' $m.json (Med 'json' 'CpuMs') (Med 'json' 'MaxRssMb') $null '' $null
    Row 'cmdlet / journalctl -o json' $m.cmdlet $null $null $jsonRatio "<= $($goal.json_ratio)" $met.json_half
    Row 'journalctl -o json | ConvertFrom-Json' $cfjMs $cfjCpu (Get-Median @($cfj | ForEach-Object MaxRssMb)) $null '' $null
    Row 'ConvertFrom-Json pipeline / cmdlet' $cfjMs $null $null $cfjSpeedup ">= $($goal.cfj_speedup)" $met.cfj_5x
    Row 'journalctl -o cat > /dev/null (ref)' $m.cat (Med 'cat' 'CpuMs') (Med 'cat' 'MaxRssMb') ($m.cat / $m.cmdlet) '' $null
    Row 'cmdlet peak RSS (VmHWM)' $null $null $cmdletRss $null "< $($goal.peak_mb) MB" $met.peak_rss
    Row '  of which mapped journal files (RssFile)' $null $null $cmdletFile $null '' $null
    Row '  private memory (RssAnon)' $null $null $cmdletAnon $null "(< $($goal.peak_mb) MB)" ($cmdletAnon -lt $goal.peak_mb)
    Row '-Last 5, first call in fresh pwsh' $small.last5.cold $null $null $null "< $($goal.small_ms) ms" $met.last5_fast
    Row '  -Last 5, warm median' (Get-Median $small.last5.warm) $null $null $null '' $null
    Row '  journalctl -u docker -n 5 (process, ref)' $smallJournalctl.last5 $null $null $null '' $null
    Row '1-minute -Since/-Until, first call' $small.window.cold $null $null $null "< $($goal.small_ms) ms" $met.window_fast
    Row '  window, warm median' (Get-Median $small.window.warm) $null $null $null '' $null
    Row '  journalctl -u docker window (process, ref)' $smallJournalctl.window $null $null $null '' $null
    Row 'where: C# JournalReader alone, no pipeline' (SelfMed 'core' 'read_ms') $null (Med 'core' 'MaxRssMb') $null '' $null
    Row 'where: pwsh + Import-Module, nothing read' $m.bare (Med 'bare' 'CpuMs') (Med 'bare' 'MaxRssMb') $null '' $null
    Row 'where: journalctl -u docker -o json' $m.json_unit (Med 'json_unit' 'CpuMs') $null ($m.cmdlet / $m.json_unit) '' $null
    Row 'export reader: cmdlet (process)' $m.cmdlet_export (Med 'cmdlet_export' 'CpuMs') (Med 'cmdlet_export' 'MaxRssMb') ($m.cmdlet_export / $m.json) '' $null
    Row '  its input: journalctl -o export' $m.export_stream (Med 'export_stream' 'CpuMs') $null $null '' $null
)

$result = [ordered]@{
    goal       = "1M entries: Get-DockerJournal <= $($goal.json_ratio)x journalctl -o json, >= $($goal.cfj_speedup)x faster than journalctl -o json | ConvertFrom-Json, peak memory < $($goal.peak_mb) MB; -Last 5 and a 1-minute window < $($goal.small_ms) ms"
    entries    = $Count
    cmdlet_entries = $cmdletCount
    files      = $files.Count
    fixture_mb = Round $fixtureMb 0
    runs       = $Runs
    cfj_runs   = $CfjRuns
    medians_ms = $m
    cfj_ms     = Round $cfjMs 0
    small      = [ordered]@{ last5_cold_ms = Round $small.last5.cold; last5_warm_ms = Round (Get-Median $small.last5.warm); window_cold_ms = Round $small.window.cold; window_warm_ms = Round (Get-Median $small.window.warm); window_entries = $small.window.count }
    memory_mb  = [ordered]@{ peak_rss = Round $cmdletRss 0; peak_anon = Round $cmdletAnon 0; peak_file = Round $cmdletFile 0 }
    ratios     = [ordered]@{ cmdlet_over_json = Round $jsonRatio 3; cfj_over_cmdlet = Round $cfjSpeedup 2 }
    legend     = 'median_ms = wall of a whole process unless marked in-process; cpu_ms = user+sys (children included); peak_mb = max RSS; ratio = the row over the thing named after the slash (ref rows: over the cmdlet); RssFile = journal pages sd-journal maps (file-backed, reclaimable)'
    met        = $met
    all_met    = -not ($met.Values -contains $false)
    table      = $rows
}
Write-Host ("    goals met: {0} of {1}" -f @($met.Values | Where-Object { $_ }).Count, $met.Count)
$result | ConvertTo-Json -Compress -Depth 6
