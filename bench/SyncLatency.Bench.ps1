#Requires -Version 7.6
<#
.SYNOPSIS
    How long a Service change takes to reach the traffic: from the API request that changes a Service
    to a real nginx serving the new route, with Sync-NginxConf -Watch as the sidecar in between.
.DESCRIPTION
    The fake kube-apiserver (tests/Fixtures/FakeKubeApi), a real nginx on loopback in a temp prefix,
    raw-socket echo backends (tests/Fixtures/EchoBackend), and Sync-NginxConf -Watch in its own pwsh,
    reloading nginx with -ReloadCommand 'nginx -p <prefix> -c <conf> -s reload' after nginx -t.

    Two kinds of change, interleaved, each timed from just before the API request is sent until an
    HTTP request through nginx gets the answer only the new config gives:
      create  a new Service (a new path): 404 until the route is served by the echo backend
      move    an existing Service's port to another backend: the answer flips from one backend to the other
    After each change the run waits until the sidecar has reported the sync and then a little more,
    so every change starts from a quiet system (no reload still in flight). The latency includes the
    debounce (-DebounceMs, default 50 ms), nginx -t, the atomic write, the reload command and nginx
    swapping its workers.

    The goal is p50 < 250 ms. For scale, the reference row is ingress-nginx's default
    --sync-rate-limit of 0.3 syncs per second (about 3.3 s between syncs): that is a quoted default,
    not something measured here.

    Run by `build.ps1 Bench` with NGINXKIT_MODULE_PATH and NGINXKIT_REPO_ROOT set; prints progress
    with Write-Host and one compact JSON object as the last line of stdout.
#>
param(
    # Timed changes (at least 50); half creates, half moves.
    [int] $Changes = 60,
    # Untimed changes first, so JIT and the first reloads are off the clock.
    [int] $Warmup = 4,
    [int] $DebounceMs = 50,
    # Quiet time after a change's sync before the next change.
    [int] $SettleMs = 150,
    [int] $ChangeTimeoutSec = 15
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

Import-Module "$PSScriptRoot/BenchHelpers.psm1"
$repo = Get-BenchRepoRoot
$module = Get-BenchModulePath
if ($Changes -lt 50) { throw "-Changes must be at least 50 (got $Changes)." }

$goal = [ordered]@{ p50_ms = 250.0 }
$ingressNginxSyncMs = 1000.0 / 0.3   # ingress-nginx --sync-rate-limit default: 0.3 syncs/s

Import-Module "$repo/tests/Pester/FakeKubeApi.psm1"
Import-Module "$repo/tests/Pester/NginxHarness.psm1"
Import-Module $module

$nginxPath = @('/usr/sbin/nginx', (Get-Command nginx -CommandType Application -ErrorAction Ignore | Select-Object -First 1 -ExpandProperty Source)) |
    Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
if (-not $nginxPath) { throw 'nginx is not installed (apt-get install nginx); this bench drives a real nginx.' }

function Get-Percentile([double[]] $Values, [double] $P) {
    # Nearest rank on the sorted samples.
    $s = [double[]]($Values | Sort-Object)
    $rank = [math]::Max(1, [math]::Ceiling($P / 100 * $s.Count))
    $s[$rank - 1]
}
function Round([double] $x, [int] $Digits = 1) { [math]::Round($x, $Digits) }

$http = [Net.Http.HttpClient]::new()
function Invoke-KubeApi([string] $Method, [string] $Path, [object] $Body, [string] $ContentType = 'application/json') {
    $request = [Net.Http.HttpRequestMessage]::new([Net.Http.HttpMethod]::new($Method), "$($fake.Url)$Path")
    if ($null -ne $Body) {
        $request.Content = [Net.Http.StringContent]::new((ConvertTo-Json -InputObject $Body -Depth 16 -Compress), [Text.Encoding]::UTF8, $ContentType)
    }
    $response = $http.SendAsync($request).GetAwaiter().GetResult()
    try {
        if (-not $response.IsSuccessStatusCode) {
            throw "$Method $Path answered $([int]$response.StatusCode): $($response.Content.ReadAsStringAsync().GetAwaiter().GetResult())"
        }
    } finally { $response.Dispose(); $request.Dispose() }
}
function New-ServiceBody([string] $Name, [int] $Port) {
    @{
        apiVersion = 'v1'; kind = 'Service'
        # Opted in, as a Service must be to become a route.
        metadata   = @{ name = $Name; namespace = 'default'; annotations = @{ 'nginxkit.io/expose' = 'true' } }
        spec       = @{ clusterIP = '127.0.0.1'; ports = @(@{ name = 'http'; port = $Port; targetPort = 8080 }) }
    }
}
function New-ClusterService([string] $Name, [int] $Port) {
    Invoke-KubeApi POST /api/v1/namespaces/default/services (New-ServiceBody $Name $Port)
}
function Set-ClusterServicePort([string] $Name, [int] $Port) {
    Invoke-KubeApi PATCH "/api/v1/namespaces/default/services/$Name" @{ spec = @{ ports = @(@{ name = 'http'; port = $Port; targetPort = 8080 }) } } 'application/merge-patch+json'
}
function Test-Served([string] $Path, [string] $Body) {
    try {
        $r = Invoke-RawHttp -Port $server.Port -Path $Path -TimeoutSec 5
        $r.StatusCode -eq 200 -and $r.Body -ceq $Body
    } catch { $false }
}

function Wait-Until([scriptblock] $Condition, [int] $TimeoutSec, [string] $What) {
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while (-not (& $Condition)) {
        if ($watcher -and $watcher.Process.HasExited) { throw "The sidecar exited with $($watcher.Process.ExitCode) while waiting for $What`: $($watcher.StdErr.GetAwaiter().GetResult())" }
        if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out after $TimeoutSec s waiting for $What." }
        Start-Sleep -Milliseconds 10
    }
}

$work = Join-Path ([IO.Path]::GetTempPath()) ('nginxkit-bench-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
$null = New-Item -ItemType Directory -Path $work
$backends = $null; $fake = $null; $server = $null; $watcher = $null
try {
    Write-Host '    starting echo backends, the fake API server and nginx'
    $backends = @(Start-EchoBackend -Name alpha, beta)
    $port = @{}
    foreach ($b in $backends) { $port[$b.Name] = $b.Port }
    $fake = Start-FakeKubeApi
    New-ClusterService 'mover' $port.alpha

    $listenPort = Get-FreeTcpPort
    $initial = Join-Path $work 'initial.conf'
    $null = Sync-NginxConf -Once -OutFile $initial -KubeConfig $fake.KubeConfig -Listen "127.0.0.1:$listenPort" -NginxPath $nginxPath
    $server = Start-NginxServer -Config (Get-Content -LiteralPath $initial -Raw) -NginxPath $nginxPath

    Write-Host "    starting Sync-NginxConf -Watch (DebounceMs $DebounceMs)"
    $watcher = Start-SyncWatcher -Fake $fake -Nginx $server -Directory $work -DebounceMs $DebounceMs -ModulePath $module
    Wait-Until -TimeoutSec 60 -What 'the first sync' -Condition { @(Get-WatcherLog $watcher | Where-Object kind -eq 'event').Count -gt 0 }
    Wait-Until -TimeoutSec 30 -What 'the watch to open' -Condition {
        Get-FakeKubeRequest -Server $fake -Path /api/v1/services | Where-Object { $_.watch -and $_.status -eq 200 }
    }

    # One change: send it, poll nginx until it answers as the new config does, then wait for quiet.
    $script:moverAt = 'alpha'
    $script:created = 0
    function Invoke-Change([string] $Kind) {
        $before = @(Get-WatcherLog $watcher).Count
        if ($Kind -eq 'create') {
            $script:created++
            $name = "svc-$($script:created)"
            $path = "/$name/x"
            $expect = 'alpha GET /x HTTP/1.0'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            New-ClusterService $name $port.alpha
        } else {
            $to = if ($script:moverAt -eq 'alpha') { 'beta' } else { 'alpha' }
            $path = '/mover/x'
            $expect = "$to GET /x HTTP/1.0"
            $clock = [Diagnostics.Stopwatch]::StartNew()
            Set-ClusterServicePort 'mover' $port[$to]
            $script:moverAt = $to
        }
        $deadline = $ChangeTimeoutSec * 1000
        while (-not (Test-Served $path $expect)) {
            if ($clock.ElapsedMilliseconds -gt $deadline) {
                if ($watcher.Process.HasExited) { throw "The sidecar exited with $($watcher.Process.ExitCode): $($watcher.StdErr.GetAwaiter().GetResult())" }
                throw "The $Kind change to $path was not served within $ChangeTimeoutSec s."
            }
        }
        $ms = $clock.Elapsed.TotalMilliseconds
        # Quiet: the sync for this change is reported, and no reload is still settling.
        Wait-Until -TimeoutSec $ChangeTimeoutSec -What 'the sync event' -Condition {
            @(Get-WatcherLog $watcher | Select-Object -Skip $before | Where-Object { $_.kind -eq 'event' -and $_.event.Reloaded }).Count -gt 0
        }
        Start-Sleep -Milliseconds $SettleMs
        $syncs = @(Get-WatcherLog $watcher | Select-Object -Skip $before | Where-Object kind -eq 'event')
        [pscustomobject]@{ Kind = $Kind; Ms = $ms; Syncs = $syncs.Count; SyncMs = [double]$syncs[-1].event.DurationMs; Error = $syncs[-1].event.Error }
    }

    Write-Host "    warm-up: $Warmup changes"
    for ($i = 0; $i -lt $Warmup; $i++) { $null = Invoke-Change $(if ($i % 2) { 'move' } else { 'create' }) }

    Write-Host "    timing $Changes changes (create and move, interleaved)"
    $samples = [Collections.Generic.List[object]]::new()
    for ($i = 0; $i -lt $Changes; $i++) {
        $s = Invoke-Change $(if ($i % 2) { 'move' } else { 'create' })
        $samples.Add($s)
        if (($i + 1) % 10 -eq 0) {
            Write-Host ("      {0,3} changes: last {1,7:N1} ms, median so far {2,7:N1} ms" -f ($i + 1), $s.Ms, (Get-Percentile ($samples | ForEach-Object Ms) 50))
        }
    }

    $syncErrors = @(Get-WatcherLog $watcher | Where-Object { $_.kind -eq 'event' -and $_.event.Error })
    $warnings = @(Get-WatcherLog $watcher | Where-Object kind -in 'warning', 'error')
    foreach ($w in $warnings) { Write-Host "    sidecar $($w.kind): $($w.message)" }
}
finally {
    if ($watcher) {
        Stop-SyncWatcher $watcher
        if ($watcher.Process.ExitCode -ne 0) { Write-Host "    sidecar exited with $($watcher.Process.ExitCode): $($watcher.StdErr.GetAwaiter().GetResult())" }
        $watcher.Process.Dispose()
    }
    if ($server) { Stop-NginxServer $server }
    if ($fake) { Stop-FakeKubeApi $fake }
    if ($backends) { $backends | Stop-EchoBackend }
    $http.Dispose()
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
}

# ---------------------------------------------------------------------------------------------
# Percentiles and goals.
# ---------------------------------------------------------------------------------------------
$all = [double[]]@($samples | ForEach-Object Ms)
$creates = [double[]]@($samples | Where-Object Kind -eq 'create' | ForEach-Object Ms)
$moves = [double[]]@($samples | Where-Object Kind -eq 'move' | ForEach-Object Ms)
$syncMs = [double[]]@($samples | ForEach-Object SyncMs)
$p50 = Get-Percentile $all 50
$p95 = Get-Percentile $all 95
$met = [ordered]@{ p50_under_250ms = $p50 -lt $goal.p50_ms }
$extraSyncs = @($samples | Where-Object Syncs -gt 1).Count

Write-Host ("    change -> served: p50 {0:N1} ms, p95 {1:N1} ms, min {2:N1}, max {3:N1} ({4} changes)" -f $p50, $p95,
    ($all | Measure-Object -Minimum).Minimum, ($all | Measure-Object -Maximum).Maximum, $all.Count)
Write-Host ("    sidecar sync (render + nginx -t + write + reload command): p50 {0:N1} ms" -f (Get-Percentile $syncMs 50))
Write-Host ("    goal met: {0}" -f $met.p50_under_250ms)

# ratio: the reference row's interval over our p50 (how many of our syncs fit in one of its intervals).
$rows = @(
    [ordered]@{ measure = 'Service change -> nginx serves it'; n = $all.Count; p50_ms = Round $p50; p95_ms = Round $p95; ratio = $null; goal = "p50 < $($goal.p50_ms) ms"; met = $met.p50_under_250ms }
    [ordered]@{ measure = '  new Service (404 -> 200)'; n = $creates.Count; p50_ms = Round (Get-Percentile $creates 50); p95_ms = Round (Get-Percentile $creates 95); ratio = $null; goal = ''; met = $null }
    [ordered]@{ measure = '  port change (backend flips)'; n = $moves.Count; p50_ms = Round (Get-Percentile $moves 50); p95_ms = Round (Get-Percentile $moves 95); ratio = $null; goal = ''; met = $null }
    [ordered]@{ measure = '  sidecar sync: render+nginx -t+write+reload cmd'; n = $syncMs.Count; p50_ms = Round (Get-Percentile $syncMs 50); p95_ms = Round (Get-Percentile $syncMs 95); ratio = $null; goal = ''; met = $null }
    [ordered]@{ measure = "  debounce (-DebounceMs, setting)"; n = $null; p50_ms = [double]$DebounceMs; p95_ms = $null; ratio = $null; goal = ''; met = $null }
    [ordered]@{ measure = 'ref: ingress-nginx sync-rate-limit 0.3/s (quoted)'; n = $null; p50_ms = Round $ingressNginxSyncMs 0; p95_ms = $null; ratio = Round ($ingressNginxSyncMs / $p50) 1; goal = ''; met = $null }
)

$result = [ordered]@{
    goal         = "p50 < $($goal.p50_ms) ms from a Service change in the API to nginx serving it (debounce included), over >= 50 changes"
    changes      = $all.Count
    warmup       = $Warmup
    debounce_ms  = $DebounceMs
    settle_ms    = $SettleMs
    medians_ms   = [ordered]@{
        change_to_served = Round $p50 2
        create           = Round (Get-Percentile $creates 50) 2
        move             = Round (Get-Percentile $moves 50) 2
        sidecar_sync     = Round (Get-Percentile $syncMs 50) 2
    }
    p95_ms       = [ordered]@{
        change_to_served = Round $p95 2
        create           = Round (Get-Percentile $creates 95) 2
        move             = Round (Get-Percentile $moves 95) 2
        sidecar_sync     = Round (Get-Percentile $syncMs 95) 2
    }
    min_ms       = Round ($all | Measure-Object -Minimum).Minimum 2
    max_ms       = Round ($all | Measure-Object -Maximum).Maximum 2
    reference_ms = [ordered]@{ ingress_nginx_sync_interval = Round $ingressNginxSyncMs 0 }
    sync_errors  = $syncErrors.Count
    changes_with_extra_syncs = $extraSyncs
    legend       = 'latency = API request sent -> first HTTP answer through nginx from the new config; sidecar sync = SyncEvent.DurationMs; the ingress-nginx row is its default --sync-rate-limit (0.3/s), quoted for scale, not measured'
    met          = $met
    all_met      = -not ($met.Values -contains $false)
    table        = $rows
}
$result | ConvertTo-Json -Compress -Depth 6
