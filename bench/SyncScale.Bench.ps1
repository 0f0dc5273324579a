#Requires -Version 7.6
<#
.SYNOPSIS
    How the sync's costs grow with the cluster: 100, 1,000 and 10,000 annotated Services in 50
    namespaces, for Sync-NginxConf -Watch (pwsh) and nginxkit-sync watch (NativeAOT), through a real
    nginx and its reload.
.DESCRIPTION
    For each size, the fake kube-apiserver (tests/Fixtures/FakeKubeApi) is seeded in bulk with the
    Services (each routed by nginxkit.io/path, all pointing at the echo backend "alpha" on loopback),
    nginx starts on what nginxkit-sync once renders, and each watcher in turn keeps it in step,
    reloading it with -ReloadCommand / --reload-command 'nginx -s reload' after nginx -t:
      latency   change -> serving, p50 and p95: from just before the API request until an HTTP request
                through nginx gets the answer only the new config gives. Changes alternate: a new
                Service (404 -> 200) and a Service's port moved to the other backend (alpha <-> beta).
                After each change the run waits for the watcher's reload event and a quiet moment.
      sync      the watcher's own SyncEvent.DurationMs (discovery, render, nginx -t, write, reload command).
      memory    the watcher process's peak RSS (VmHWM) and its RSS after the changes (VmRSS); nginx's
                workers' RSS after the last reload.
      config    the size of the rendered file.
      burst     100 changes (ports of 100 Services flipped) sent back to back; the reloads the watcher
                makes for them are counted, closed by a sentinel change. The bar is at most 5.
    The curve is each cost at 10,000 over the same cost at 1,000 (x10 more Services).

    -BaselineDir names another build (a directory with NginxKit/<version>/NginxKit.psd1 and
    nginxkit-sync/nginxkit-sync) run in the same way in the same run, labelled "baseline", so a
    change is compared on one machine within one run.

    Order. For each size, and for each host in the order of -Hosts, the fake is seeded and nginx
    started once (on what the current build's nginxkit-sync once renders); then the builds take turns
    in -Rounds rounds, each turn a fresh watcher of that build on the same fake and nginx: its first
    sync, -Warmup untimed changes, then its share of the -Changes timed ones. The build that goes first
    alternates by round (current, baseline, then baseline, current: ABBA with 2 rounds) and from one
    size and host to the next (then BAAB), so neither build always meets the colder machine, cache
    or nginx, and the cluster each sees grows alike. Each row's order lists its size and host's turns. A
    build's burst, its nginx worker RSS and its config size are taken in its last turn; its peak RSS
    is the highest over its turns. Without -BaselineDir the rounds run the one build in turn.

    -Layout (Auto, Locations, Maps) is given to both hosts (Sync-NginxConf -Layout, nginxkit-sync
    --layout) and to the initial render, and recorded in the output. A build whose host has no layout
    option runs only with Auto, where the option is left off; with another layout that build and host
    are left out and listed under "skipped".

    Run by `build.ps1 Bench` with NGINXKIT_MODULE_PATH and NGINXKIT_REPO_ROOT set; prints progress
    with Write-Host and one compact JSON object as the last line of stdout.
#>
param(
    [int[]] $Sizes = @(100, 1000, 10000),
    [int] $Namespaces = 50,
    # Timed changes per size and watcher; half creates, half moves.
    [int] $Changes = 20,
    [int] $Warmup = 2,
    [int] $Burst = 100,
    [int] $DebounceMs = 50,
    [int] $SettleMs = 150,
    [int] $ChangeTimeoutSec = 60,
    [ValidateSet('pwsh', 'sidecar')] [string[]] $Hosts = @('pwsh', 'sidecar'),
    [string] $BaselineDir,
    # How the routes are laid out: a location each, nginx maps, or Auto (maps from 250 routes).
    [ValidateSet('Auto', 'Locations', 'Maps')] [string] $Layout = 'Auto',
    # Turns each build takes per size and host; the first build of a round alternates (ABBA).
    [ValidateRange(1, 100)] [int] $Rounds = 2
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

Import-Module "$PSScriptRoot/BenchHelpers.psm1"
$repo = Get-BenchRepoRoot
$env:NGINXKIT_REPO_ROOT = $repo
$module = Get-BenchModulePath
Import-Module "$repo/tests/Pester/FakeKubeApi.psm1"
Import-Module "$repo/tests/Pester/NginxHarness.psm1"
Import-Module "$repo/tests/Pester/TestHelpers.psm1"

$goal = [ordered]@{ p50_ms = 300.0; p95_ms = 600.0; sidecar_rss_mb = 60.0; reloads_per_burst = 5 }
$nginxPath = @('/usr/sbin/nginx', (Get-Command nginx -CommandType Application -ErrorAction Ignore | Select-Object -First 1 -ExpandProperty Source)) |
    Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
if (-not $nginxPath) { throw 'nginx is not installed (apt-get install nginx); this bench drives a real nginx.' }

$builds = [ordered]@{ current = [pscustomobject]@{ Module = $module; Sync = Join-Path $repo 'out/nginxkit-sync/nginxkit-sync' } }
if ($BaselineDir) {
    $builds.baseline = [pscustomobject]@{
        Module = Get-ChildItem "$BaselineDir/NginxKit/*/NginxKit.psd1" | Select-Object -First 1 -ExpandProperty FullName
        Sync   = Join-Path $BaselineDir 'nginxkit-sync/nginxkit-sync'
    }
}
foreach ($b in $builds.Values) {
    if (-not $b.Module -or -not (Test-Path $b.Module)) { throw "No module at $($b.Module): run build.ps1 Build first." }
    if (-not (Test-Path $b.Sync)) { throw "No nginxkit-sync at $($b.Sync): run build.ps1 Build first." }
    # An older build may have no layout option: it is left off for Auto, and the build skipped for another layout.
    $helpText = (& $b.Sync --help 2>&1) -join "`n"
    $pwsh = Get-PwshCommand
    $hasParameter = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command "Import-Module '$($b.Module)'; (Get-Command Sync-NginxConf).Parameters.ContainsKey('Layout')"
    $b | Add-Member -NotePropertyMembers @{ LayoutOption = @{ sidecar = $helpText -match '(?m)^\s+--layout\b'; pwsh = "$hasParameter".Trim() -eq 'True' } }
}
$skipped = [Collections.Generic.List[object]]::new()
foreach ($buildName in @($builds.Keys)) {
    foreach ($hostKind in $Hosts) {
        if ($Layout -ne 'Auto' -and -not $builds[$buildName].LayoutOption[$hostKind]) {
            Write-Warning "The $buildName build's $hostKind host has no layout option: it is left out of this run on the $Layout layout."
            $skipped.Add([ordered]@{ build = $buildName; host = $hostKind; reason = "no layout option for $Layout" })
        }
    }
}
if (-not $builds.current.LayoutOption.sidecar) { throw "$($builds.current.Sync) has no --layout: run build.ps1 Build first." }

function Get-Percentile([double[]] $Values, [double] $P) {
    $s = [double[]]($Values | Sort-Object)
    $s[[math]::Max(1, [math]::Ceiling($P / 100 * $s.Count)) - 1]
}
function Round([double] $x, [int] $Digits = 1) { [math]::Round($x, $Digits) }

# /proc/<pid>/status fields in MB (VmRSS now, VmHWM the peak).
function Get-ProcMb([int] $ProcessId, [string] $Field) {
    $line = Get-Content "/proc/$ProcessId/status" -ErrorAction Ignore | Where-Object { $_ -like "${Field}:*" }
    if ($line) { [double](($line -split '\s+')[1]) / 1024 } else { $null }
}
function Get-ChildPid([int] $ParentId) {
    foreach ($dir in [IO.Directory]::EnumerateDirectories('/proc')) {
        $name = [IO.Path]::GetFileName($dir)
        if ($name -notmatch '^\d+$') { continue }
        try { $text = [IO.File]::ReadAllText("$dir/stat") } catch { continue }
        $fields = $text.Substring($text.LastIndexOf(')') + 2).Split(' ')
        if ([int]$fields[1] -eq $ParentId) { [int]$name }
    }
}

$http = [Net.Http.HttpClient]::new()
$http.Timeout = [TimeSpan]::FromSeconds(60)
function Invoke-KubeApi([string] $Method, [string] $Path, [string] $Json, [string] $ContentType = 'application/json') {
    $request = [Net.Http.HttpRequestMessage]::new([Net.Http.HttpMethod]::new($Method), "$($fake.Url)$Path")
    if ($Json) { $request.Content = [Net.Http.StringContent]::new($Json, [Text.Encoding]::UTF8, $ContentType) }
    $response = $http.SendAsync($request).GetAwaiter().GetResult()
    try {
        if (-not $response.IsSuccessStatusCode) { throw "$Method $Path answered $([int]$response.StatusCode): $($response.Content.ReadAsStringAsync().GetAwaiter().GetResult())" }
    } finally { $response.Dispose(); $request.Dispose() }
}
# A Service as JSON text: 10,000 of them through ConvertTo-Json would take longer than the fake takes to store them.
function Get-ServiceJson([string] $Name, [string] $Namespace, [int] $Port) {
    '{"apiVersion":"v1","kind":"Service","metadata":{"name":"' + $Name + '","namespace":"' + $Namespace + '","labels":{"app":"' + $Name +
    '"},"annotations":{"nginxkit.io/path":"/' + $Namespace + '/' + $Name + '"}},"spec":{"clusterIP":"127.0.0.1","selector":{"app":"' + $Name +
    '"},"ports":[{"name":"http","port":' + $Port + ',"targetPort":8080}]}}'
}
function Set-ServicePort([string] $Namespace, [string] $Name, [int] $Port) {
    Invoke-KubeApi PATCH "/api/v1/namespaces/$Namespace/services/$Name" ('{"spec":{"ports":[{"name":"http","port":' + $Port + ',"targetPort":8080}]}}') 'application/merge-patch+json'
}
function Test-Served([string] $Path, [string] $Body) {
    try {
        $r = Invoke-RawHttp -Port $server.Port -Path $Path -TimeoutSec 10
        $r.StatusCode -eq 200 -and $r.Body.StartsWith($Body)
    } catch { $false }
}

# One watcher (either host) behind the same few calls: its sync events, its process, stopping it.
function Start-Watcher([string] $HostKind, [object] $Build, [string] $Directory) {
    $null = New-Item -ItemType Directory -Force $Directory
    if ($HostKind -eq 'pwsh') {
        $parameters = if ($Build.LayoutOption.pwsh) { @{ Layout = $Layout } } else { @{} }
        $w = Start-SyncWatcher -Fake $fake -Nginx $server -Directory $Directory -DebounceMs $DebounceMs -ModulePath $Build.Module -Parameters $parameters
        return [pscustomobject]@{ Kind = 'pwsh'; Process = $w.Process; Watcher = $w; Log = $w.Log }
    }
    $log = Join-Path $Directory 'events.jsonl'
    $reload = "$nginxPath -p $($server.Prefix)/ -c $($server.MainConfPath) -e $($server.Prefix)/error.log -s reload"
    $args_ = @('watch', '--out-file', $server.ConfPath, '--kubeconfig', $fake.KubeConfig, '--listen', "127.0.0.1:$($server.Port)", '--reload-command', $reload)
    if ($Build.LayoutOption.sidecar) { $args_ += '--layout', $Layout.ToLowerInvariant() }
    # Through sh only to send stdout to a file; exec keeps the pid the sidecar's own.
    $quoted = ($args_ | ForEach-Object { "'" + ($_ -replace "'", "'\''") + "'" }) -join ' '
    $psi = [Diagnostics.ProcessStartInfo]::new('/bin/sh')
    foreach ($a in @('-c', "exec '$($Build.Sync)' $quoted >'$log' 2>'$Directory/stderr.jsonl'")) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.Environment['TMPDIR'] = $Directory
    [pscustomobject]@{ Kind = 'sidecar'; Process = [Diagnostics.Process]::Start($psi); Watcher = $null; Log = $log }
}
function Get-SyncEvents([object] $W) {
    if (-not (Test-Path -LiteralPath $W.Log)) { return @() }
    $stream = [IO.File]::Open($W.Log, 'Open', 'Read', 'ReadWrite')
    try { $text = [IO.StreamReader]::new($stream).ReadToEnd() } finally { $stream.Dispose() }
    $lines = $text.Substring(0, $text.LastIndexOf("`n") + 1) -split "`n" | Where-Object { $_ }
    if ($W.Kind -eq 'pwsh') {
        @($lines | ForEach-Object { $_ | ConvertFrom-Json -Depth 16 } | Where-Object kind -eq 'event' | ForEach-Object event)
    } else {
        @($lines | ForEach-Object { $_ | ConvertFrom-Json -Depth 16 })
    }
}
function Stop-Watcher([object] $W) {
    if (-not $W) { return }
    if ($W.Watcher) { Stop-SyncWatcher $W.Watcher }
    elseif (-not $W.Process.HasExited) {
        & kill -TERM $W.Process.Id
        if (-not $W.Process.WaitForExit(15000)) { $W.Process.Kill() }
    }
    $W.Process.Dispose()
}
function Wait-For([scriptblock] $Condition, [int] $TimeoutSec, [string] $What) {
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while (-not (& $Condition)) {
        if ($watch -and $watch.Process.HasExited) { throw "The watcher exited with $($watch.Process.ExitCode) while waiting for $What." }
        if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out after $TimeoutSec s waiting for $What." }
        Start-Sleep -Milliseconds 20
    }
}

# One change, timed until nginx answers as the new config does; then quiet until its reload is logged.
function Invoke-Change([string] $Kind) {
    $before = @(Get-SyncEvents $watch).Count
    if ($Kind -eq 'create') {
        $script:created++
        $ns = "ns-$($script:created % $Namespaces)"
        $name = "new-$($script:run)-$($script:created)"
        $path = "/$ns/$name/x"
        $expect = 'alpha GET /x'
        $clock = [Diagnostics.Stopwatch]::StartNew()
        Invoke-KubeApi POST "/api/v1/namespaces/$ns/services" (Get-ServiceJson $name $ns $port.alpha)
    } else {
        $to = if ($script:moverAt -eq 'alpha') { 'beta' } else { 'alpha' }
        $path = '/ns-0/svc-0/x'
        $expect = "$to GET /x"
        $clock = [Diagnostics.Stopwatch]::StartNew()
        Set-ServicePort 'ns-0' 'svc-0' $port[$to]
        $script:moverAt = $to
    }
    while (-not (Test-Served $path $expect)) {
        if ($clock.Elapsed.TotalSeconds -gt $ChangeTimeoutSec) { throw "The $Kind change to $path was not served within $ChangeTimeoutSec s." }
        if ($watch.Process.HasExited) { throw "The watcher exited with $($watch.Process.ExitCode)." }
    }
    $ms = $clock.Elapsed.TotalMilliseconds
    Wait-For -TimeoutSec $ChangeTimeoutSec -What 'the reload event' -Condition {
        @(Get-SyncEvents $watch | Select-Object -Skip $before | Where-Object Reloaded).Count -gt 0
    }
    Start-Sleep -Milliseconds $SettleMs
    $syncs = @(Get-SyncEvents $watch | Select-Object -Skip $before)
    [pscustomobject]@{ Kind = $Kind; Ms = $ms; SyncMs = [double]($syncs | Where-Object Reloaded | Select-Object -Last 1).DurationMs }
}

# 100 changes back to back (ports of 100 Services flipped to beta, then back on the next burst), then a
# sentinel: every sync owed to the burst is logged before the sentinel's, since the watch delivers in order.
function Invoke-Burst {
    $before = @(Get-SyncEvents $watch).Count
    $script:burstTo = if ($script:burstTo -eq 'beta') { 'alpha' } else { 'beta' }
    $clock = [Diagnostics.Stopwatch]::StartNew()
    # Services 1 and up (0 is the one the timed changes move); at 100 Services one of them changes twice.
    for ($i = 1; $i -le $Burst; $i++) {
        $n = 1 + ($i - 1) % ($size - 1)
        Set-ServicePort "ns-$($n % $Namespaces)" "svc-$n" $port[$script:burstTo]
    }
    $sendMs = $clock.Elapsed.TotalMilliseconds
    $last = "/ns-$($n % $Namespaces)/svc-$n/x"
    Wait-For -TimeoutSec $ChangeTimeoutSec -What 'the burst''s last change to be served' -Condition { Test-Served $last "$($script:burstTo) GET /x" }
    $script:created++
    $sentinel = "sentinel-$($script:run)-$($script:created)"
    $mark = @(Get-SyncEvents $watch).Count
    Invoke-KubeApi POST '/api/v1/namespaces/ns-1/services' (Get-ServiceJson $sentinel 'ns-1' $port.alpha)
    Wait-For -TimeoutSec $ChangeTimeoutSec -What 'the sentinel''s sync' -Condition {
        @(Get-SyncEvents $watch | Select-Object -Skip $mark | Where-Object { @($_.Added) -match $sentinel }).Count -gt 0
    }
    $syncs = @(Get-SyncEvents $watch | Select-Object -Skip $before | Where-Object { -not (@($_.Added) -match $sentinel) })
    [pscustomobject]@{ Syncs = $syncs.Count; Reloads = @($syncs | Where-Object Reloaded).Count; SendMs = $sendMs; Errors = @($syncs | Where-Object Error).Count }
}

$work = Join-Path ([IO.Path]::GetTempPath()) ('nginxkit-bench-scale-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
$null = New-Item -ItemType Directory -Path $work
$backends = $null; $fake = $null; $server = $null; $watch = $null
$rows = [Collections.Generic.List[object]]::new()
$script:run = 0
try {
    $backends = @(Start-EchoBackend -Name alpha, beta)
    $port = @{}
    foreach ($b in $backends) { $port[$b.Name] = $b.Port }
    foreach ($size in $Sizes) {
        foreach ($hostKind in $Hosts) {
            $names = @($builds.Keys | Where-Object { $n = $_; -not @($skipped | Where-Object { $_.build -eq $n -and $_.host -eq $hostKind }).Count })
            if (-not $names) { continue }
            $script:run++
            $script:created = 0; $script:moverAt = 'alpha'; $script:burstTo = 'alpha'
            $dir = Join-Path $work "run-$($script:run)"
            $null = New-Item -ItemType Directory -Path $dir
            Write-Host "    $size Services, $hostKind, $Layout layout: seeding the fake"
            $fake = Start-FakeKubeApi
            $clock = [Diagnostics.Stopwatch]::StartNew()
            for ($from = 0; $from -lt $size; $from += 1000) {
                $to = [math]::Min($size, $from + 1000)
                $null = Add-FakeKubeObject -Server $fake -Object @(for ($i = $from; $i -lt $to; $i++) { Get-ServiceJson "svc-$i" "ns-$($i % $Namespaces)" $port.alpha })
            }
            $seedMs = $clock.Elapsed.TotalMilliseconds

            # nginx starts on what the init container would leave it, and serves every build's turns.
            $initial = Join-Path $dir 'initial.conf'
            $listen = Get-FreeTcpPort
            $out = & $builds.current.Sync once --out-file $initial --kubeconfig $fake.KubeConfig --listen "127.0.0.1:$listen" --layout $Layout.ToLowerInvariant() 2>&1
            if ($LASTEXITCODE -ne 0) { throw "nginxkit-sync once exited with $LASTEXITCODE`: $out" }
            $server = Start-NginxServer -Config (Get-Content -LiteralPath $initial -Raw) -NginxPath $nginxPath -TimeoutSec 60

            $state = [ordered]@{}
            foreach ($n in $names) { $state[$n] = @{ Samples = [Collections.Generic.List[object]]::new(); Peak = 0.0; Errors = 0; Turns = 0 } }
            $order = [Collections.Generic.List[string]]::new()
            for ($round = 0; $round -lt $Rounds; $round++) {
                $turns = [string[]]@($names)
                # The first build alternates by round, and by size and host, so no build always opens.
                if (($round + $script:run) % 2 -eq 0) { [array]::Reverse($turns) }
                foreach ($buildName in $turns) {
                    $order.Add($buildName)
                    $st = $state[$buildName]
                    $st.Turns++
                    $last = $round -eq $Rounds - 1
                    # This turn's share of the timed changes: round r takes [C*r/R, C*(r+1)/R).
                    $first = [math]::Floor($Changes * $round / $Rounds)
                    $count = [math]::Floor($Changes * ($round + 1) / $Rounds) - $first
                    $turnDir = Join-Path $dir "$buildName-$round"
                    Write-Host "      round $($round + 1) of $Rounds`: $buildName build, $count timed changes"
                    $opened = @(Get-FakeKubeRequest -Server $fake -Path /api/v1/services | Where-Object { $_.watch -and $_.status -eq 200 }).Count
                    $watch = Start-Watcher $hostKind $builds[$buildName] $turnDir
                    Wait-For -TimeoutSec 120 -What 'the first sync' -Condition { @(Get-SyncEvents $watch).Count -gt 0 }
                    Wait-For -TimeoutSec 60 -What 'the watch to open' -Condition {
                        @(Get-FakeKubeRequest -Server $fake -Path /api/v1/services | Where-Object { $_.watch -and $_.status -eq 200 }).Count -gt $opened
                    }
                    for ($i = 0; $i -lt $Warmup; $i++) { $null = Invoke-Change $(if ($i % 2) { 'move' } else { 'create' }) }
                    # Creates and moves alternate over the build's whole series, whatever the turn.
                    for ($i = $first; $i -lt $first + $count; $i++) { $st.Samples.Add((Invoke-Change $(if ($i % 2) { 'move' } else { 'create' }))) }
                    if ($last) {
                        $st.Burst = Invoke-Burst
                        $st.Rss = Get-ProcMb $watch.Process.Id VmRSS
                        $workers = @(Get-ChildPid $server.Process.Id)
                        $st.WorkerMb = ($workers | ForEach-Object { Get-ProcMb $_ VmRSS } | Measure-Object -Sum).Sum
                        $st.ConfBytes = (Get-Item -LiteralPath $server.ConfPath).Length
                        # What the watcher wrote, read back: the maps layout looks routes up in $nginxkit_route maps.
                        $st.ConfLayout = if (Select-String -LiteralPath $server.ConfPath -SimpleMatch '$nginxkit_route' -Quiet) { 'maps' } else { 'locations' }
                    }
                    $st.Peak = [math]::Max($st.Peak, [double](Get-ProcMb $watch.Process.Id VmHWM))
                    $st.Errors += @(Get-SyncEvents $watch | Where-Object Error).Count
                    Stop-Watcher $watch; $watch = $null
                }
            }
            foreach ($buildName in $names) {
                $st = $state[$buildName]
                $samples = $st.Samples
                $all = [double[]]@($samples | ForEach-Object Ms)
                $row = [ordered]@{
                    services = $size; build = $buildName; host = $hostKind; layout = $Layout
                    p50_ms = Round (Get-Percentile $all 50); p95_ms = Round (Get-Percentile $all 95)
                    sync_p50_ms = Round (Get-Percentile ([double[]]@($samples | ForEach-Object SyncMs)) 50)
                    peak_rss_mb = Round $st.Peak; rss_mb = Round $st.Rss; nginx_worker_rss_mb = Round $st.WorkerMb
                    config_mb = Round ($st.ConfBytes / 1MB) 2; config_layout = $st.ConfLayout
                    burst_reloads = $st.Burst.Reloads; burst_syncs = $st.Burst.Syncs; burst_send_ms = Round $st.Burst.SendMs 0
                    seed_ms = Round $seedMs 0; changes = $all.Count; turns = $st.Turns
                    order = $order -join ', '
                    sync_errors = $st.Errors
                }
                $rows.Add($row)
                Write-Host ("      {8}: p50 {0} ms, p95 {1} ms, sync {2} ms, peak RSS {3} MB, nginx worker {4} MB, config {5} MB, burst: {6} reloads in {7} syncs" -f
                    $row.p50_ms, $row.p95_ms, $row.sync_p50_ms, $row.peak_rss_mb, $row.nginx_worker_rss_mb, $row.config_mb, $row.burst_reloads, $row.burst_syncs, $buildName)
            }
            Stop-NginxServer $server; $server = $null
            Stop-FakeKubeApi $fake; $fake = $null
        }
    }
}
finally {
    Stop-Watcher $watch
    if ($server) { Stop-NginxServer $server }
    if ($fake) { Stop-FakeKubeApi $fake }
    if ($backends) { $backends | Stop-EchoBackend }
    $http.Dispose()
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
}

# The curve: each cost at the largest size over the same cost at the one ten times smaller.
$curve = [Collections.Generic.List[object]]::new()
foreach ($r in $rows) {
    $smaller = $rows | Where-Object { $_.build -eq $r.build -and $_.host -eq $r.host -and $_.services * 10 -eq $r.services } | Select-Object -First 1
    if (-not $smaller) { continue }
    $ratio = [ordered]@{ services = "$($smaller.services) -> $($r.services)"; build = $r.build; host = $r.host; layout = $r.layout }
    foreach ($m in 'p50_ms', 'sync_p50_ms', 'peak_rss_mb', 'nginx_worker_rss_mb', 'config_mb') {
        $ratio[$m] = if ($smaller[$m]) { Round ($r[$m] / $smaller[$m]) 2 } else { $null }
    }
    $curve.Add($ratio)
}
$largest = ($Sizes | Measure-Object -Maximum).Maximum
$top = @($rows | Where-Object { $_.services -eq $largest -and $_.build -eq 'current' })
$met = [ordered]@{
    p50_under_300ms   = -not ($top | Where-Object { $_.p50_ms -ge $goal.p50_ms })
    p95_under_600ms   = -not ($top | Where-Object { $_.p95_ms -ge $goal.p95_ms })
    sidecar_under_60mb = -not ($top | Where-Object { $_.host -eq 'sidecar' -and $_.peak_rss_mb -ge $goal.sidecar_rss_mb })
    burst_at_most_5_reloads = -not ($rows | Where-Object { $_.build -eq 'current' -and $_.burst_reloads -gt $goal.reloads_per_burst })
}
$cpu = Get-Content /proc/cpuinfo -ErrorAction Ignore | Where-Object { $_ -like 'model name*' } | Select-Object -First 1
$memKb = (Get-Content /proc/meminfo | Where-Object { $_ -like 'MemTotal:*' }) -replace '\D'
$result = [ordered]@{
    goal     = "at $largest Services in $Namespaces namespaces, change -> serving through a real nginx p50 < $($goal.p50_ms) ms and p95 < $($goal.p95_ms) ms; nginxkit-sync peak RSS < $($goal.sidecar_rss_mb) MB; at most $($goal.reloads_per_burst) reloads per burst of $Burst changes"
    machine  = [ordered]@{
        host = [Environment]::MachineName; cpu = if ($cpu) { ($cpu -replace '^model name\s*:\s*').Trim() } else { $null }
        cores = [Environment]::ProcessorCount; memory_gb = Round ([double]$memKb / 1MB) 1
        nginx = ((& $nginxPath -v 2>&1) -join '').Trim()
    }
    sizes    = $Sizes; namespaces = $Namespaces; changes = $Changes; burst = $Burst; debounce_ms = $DebounceMs
    layout   = $Layout; rounds = $Rounds; skipped = $skipped
    order    = "per size and host, builds take turns in $Rounds rounds, the first build alternating by round (ABBA); each turn a fresh watcher on the same fake and nginx"
    legend   = 'p50/p95: API request -> first answer from the new config through nginx (debounce, nginx -t, write and reload included); sync: SyncEvent.DurationMs; peak_rss: the highest VmHWM of the build''s watcher processes over its turns (pwsh for Sync-NginxConf, the NativeAOT binary for nginxkit-sync); burst, rss, nginx_worker_rss and config: in the build''s last turn (config_layout: maps or locations, read from the file); order: the turns of that size and host; curve: cost at N*10 over cost at N'
    rows     = $rows
    curve    = $curve
    met      = $met
    all_met  = -not ($met.Values -contains $false)
    table    = @($rows | ForEach-Object { [ordered]@{ measure = "$($_.services) Services, $($_.build), $($_.host), $($_.layout.ToLowerInvariant())"; p50_ms = $_.p50_ms; p95_ms = $_.p95_ms; peak_rss_mb = $_.peak_rss_mb; nginx_mb = $_.nginx_worker_rss_mb; config_mb = $_.config_mb; burst_reloads = $_.burst_reloads } })
}
$result | ConvertTo-Json -Compress -Depth 6
