#Requires -Version 7.6
<#
.SYNOPSIS
    nginxkit-sync, the entry's generator, as NativeAOT (what build.ps1 Build ships) and as a trimmed,
    self-contained JIT build of the same project: memory under watch and time of once, both with
    1,000 Services, the binaries' sizes, and the entry image's size beside its nginx base.
.DESCRIPTION
    The fake kube-apiserver (tests/Fixtures/FakeKubeApi) holds 1,000 Services in 10 namespaces, each
    routed by an nginxkit.io/path annotation. For each build:
      once   `nginxkit-sync once` from process start to exit, with the config written (nginx -t
             included when nginx is installed), timed over several runs; the median is the figure.
             The process's CPU time and peak RSS come from its rusage (/usr/bin/time). The same
             runs with --skip-nginx-test, and the fake's own time to answer the list of 1,000
             Services (a plain GET, measured in the same run), say where the time goes.
      watch  `nginxkit-sync watch` lists, renders, then follows the Services while 900 of them are
             patched in three waves; its VmRSS after the waves settle, and its peak (VmHWM).
    Both builds run against the same fake in the same run, so their ratio holds on this machine.
    The image part builds src/Container/Dockerfile on the Debian bookworm base the tests make
    (tests/Pester/ContainerHarness.psm1), in a private dockerd; registries are out of reach here,
    so the official nginx image's size cannot be measured and the local base stands in for it.

    Goals: watch RSS <= 50 MB, once <= 300 ms, both at 1,000 Services.

    Run by `build.ps1 Bench` with NGINXKIT_REPO_ROOT set; prints progress with Write-Host and one
    compact JSON object as the last line of stdout.
#>
param(
    [int] $Services = 1000,
    [int] $OnceRuns = 9,
    # Patches per wave while watching, and how many waves.
    [int] $WavePatches = 300,
    [int] $Waves = 3,
    [switch] $SkipImage
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

Import-Module "$PSScriptRoot/BenchHelpers.psm1"
$repo = Get-BenchRepoRoot
$env:NGINXKIT_REPO_ROOT = $repo
Import-Module "$repo/tests/Pester/FakeKubeApi.psm1"
Import-Module "$repo/tests/Pester/ContainerHarness.psm1"

$goal = [ordered]@{ watch_rss_mb = 50.0; once_ms = 300.0 }
$aot = Join-Path $repo 'out/nginxkit-sync/nginxkit-sync'
if (-not (Test-Path -LiteralPath $aot)) { throw "$aot is missing: run build.ps1 Build first." }
$trimmedDir = Join-Path $repo 'out/bench/nginxkit-sync-trimmed'
$time = (Get-Command time -CommandType Application -ErrorAction Ignore | Select-Object -First 1).Source
if (-not $time) { throw '/usr/bin/time is needed for the CPU time and peak RSS of each run (apt-get install time).' }

function Round([double] $x, [int] $Digits = 1) { [math]::Round($x, $Digits) }
function Get-Size([string] $Path) {
    if (Test-Path -LiteralPath $Path -PathType Container) { (Get-ChildItem -LiteralPath $Path -Recurse -File | Measure-Object Length -Sum).Sum }
    else { (Get-Item -LiteralPath $Path).Length }
}

Write-Host '    building the trimmed, self-contained JIT build of nginxkit-sync for comparison'
$out = & dotnet publish "$repo/src/NginxKit.SyncHost/NginxKit.SyncHost.csproj" -c Release -p:SyncBuild=Trimmed -o $trimmedDir --nologo -v quiet 2>&1
if ($LASTEXITCODE -ne 0) { throw "dotnet publish -p:SyncBuild=Trimmed failed: $($out -join "`n")" }
Remove-Item "$trimmedDir/*.pdb", "$trimmedDir/*.dbg" -ErrorAction Ignore
$builds = [ordered]@{
    NativeAOT = [pscustomobject]@{ Exe = $aot; Size = Get-Size $aot }
    Trimmed   = [pscustomobject]@{ Exe = Join-Path $trimmedDir 'nginxkit-sync'; Size = Get-Size $trimmedDir }
}

$work = Join-Path ([IO.Path]::GetTempPath()) ('nginxkit-bench-gen-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
$null = New-Item -ItemType Directory -Path $work
$fake = $null
$http = [Net.Http.HttpClient]::new()
$results = [ordered]@{}
try {
    $fake = Start-FakeKubeApi
    Write-Host "    seeding $Services Services"
    $objects = for ($i = 0; $i -lt $Services; $i++) {
        @{
            apiVersion = 'v1'; kind = 'Service'
            metadata   = @{ name = "svc-$i"; namespace = "ns-$($i % 10)"; labels = @{ app = "svc-$i" }; annotations = @{ 'nginxkit.io/path' = "/svc-$i" } }
            spec       = @{ clusterIP = "10.0.$([math]::Floor($i / 250)).$($i % 250 + 1)"; ports = @(@{ name = 'http'; port = 80; targetPort = 8080 }) }
        }
    }
    $null = Add-FakeKubeObject -Server $fake -Object $objects
    $conf = Join-Path $work 'default.conf'

    # The fake's share of a once: answering the list, measured the way the generator asks for it.
    $listMs = Get-Median @(for ($r = 0; $r -lt $OnceRuns; $r++) {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $null = $http.GetStringAsync("$($fake.Url)/api/v1/services").GetAwaiter().GetResult()
            $clock.Elapsed.TotalMilliseconds
        })
    Write-Host ("    the fake answers the list of {0} Services in {1:N0} ms (median)" -f $Services, $listMs)

    function Measure-Once([string] $Name, [string] $Exe, [string[]] $Extra = @()) {
        for ($r = 0; $r -lt $OnceRuns; $r++) {
            Remove-Item "$conf*" -ErrorAction Ignore
            $psi = [Diagnostics.ProcessStartInfo]::new($time)
            foreach ($a in @('-f', 'RUSAGE %U %S %M', $Exe, 'once', '--out-file', $conf, '--kubeconfig', $fake.KubeConfig, '--listen', '127.0.0.1:18080') + $Extra) { $psi.ArgumentList.Add($a) }
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $psi.UseShellExecute = $false
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $p = [Diagnostics.Process]::Start($psi)
            $stdout = $p.StandardOutput.ReadToEndAsync()
            $stderr = $p.StandardError.ReadToEnd()
            $p.WaitForExit()
            $clock.Stop()
            if ($p.ExitCode -ne 0) { throw "$Name once exited with $($p.ExitCode): $stderr" }
            $event = $stdout.GetAwaiter().GetResult() | ConvertFrom-Json
            if (-not $event.Written -or $event.Routes -ne $Services) { throw "$Name once wrote $($event.Routes) routes (Written $($event.Written))." }
            $usage = ($stderr -split "`n" | Where-Object { $_ -like 'RUSAGE *' } | Select-Object -Last 1) -split ' '
            [pscustomobject]@{ Ms = $clock.Elapsed.TotalMilliseconds; CpuMs = 1000 * ([double]$usage[1] + [double]$usage[2]); PeakMb = [double]$usage[3] / 1024 }
        }
    }

    foreach ($name in $builds.Keys) {
        $exe = $builds[$name].Exe
        Write-Host "    $name`: once x $OnceRuns, with nginx -t and without"
        $runs = Measure-Once $name $exe
        $untested = Measure-Once $name $exe @('--skip-nginx-test')

        Write-Host "    $name`: watch, $Waves waves of $WavePatches patches"
        $psi = [Diagnostics.ProcessStartInfo]::new($exe)
        foreach ($a in @('watch', '--out-file', $conf, '--kubeconfig', $fake.KubeConfig, '--listen', '127.0.0.1:18080')) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        $p = [Diagnostics.Process]::Start($psi)
        try {
            $first = $p.StandardOutput.ReadLine()
            if (-not $first) { throw "$name watch ended before its first sync: $($p.StandardError.ReadToEnd())" }
            # Sync events as they come, read on this thread: one pending ReadLineAsync at a time.
            $script:events = 0
            $script:pending = $p.StandardOutput.ReadLineAsync()
            function Update-Events { while ($script:pending.IsCompleted -and $null -ne $script:pending.Result) { $script:events++; $script:pending = $p.StandardOutput.ReadLineAsync() } }
            $errors = $p.StandardError.ReadToEndAsync()
            for ($w = 0; $w -lt $Waves; $w++) {
                for ($i = 0; $i -lt $WavePatches; $i++) {
                    $body = [Net.Http.StringContent]::new("{`"metadata`":{`"labels`":{`"wave`":`"$name-$w`"}}}", [Text.Encoding]::UTF8, 'application/merge-patch+json')
                    $response = $http.PatchAsync("$($fake.Url)/api/v1/namespaces/ns-$($i % 10)/services/svc-$i", $body).GetAwaiter().GetResult()
                    if (-not $response.IsSuccessStatusCode) { throw "PATCH svc-$i answered $([int]$response.StatusCode)" }
                    $response.Dispose()
                }
                # Settled: the generator has synced after the wave's last change (a label changes no route: Changed False),
                # and then nothing more for a second and a half (the longest a burst is held back is one second).
                $deadline = [DateTime]::UtcNow.AddSeconds(30)
                Update-Events
                $seen = $script:events
                do { Start-Sleep -Milliseconds 100; Update-Events } while ($script:events -eq $seen -and [DateTime]::UtcNow -lt $deadline -and -not $p.HasExited)
                do { $before = $script:events; Start-Sleep -Milliseconds 1500; Update-Events } while ($script:events -ne $before -and [DateTime]::UtcNow -lt $deadline)
            }
            if ($p.HasExited) { throw "$name watch exited with $($p.ExitCode): $($errors.GetAwaiter().GetResult())" }
            $status = Get-Content "/proc/$($p.Id)/status"
            $kb = { param($key) [double](($status | Where-Object { $_ -like "${key}:*" }) -replace '\D', '') }
            $rss = (& $kb 'VmRSS') / 1024
            $hwm = (& $kb 'VmHWM') / 1024
        } finally {
            if (-not $p.HasExited) { & kill -TERM $p.Id; if (-not $p.WaitForExit(10000)) { $p.Kill() } }
            $p.Dispose()
        }
        $results[$name] = [pscustomobject]@{
            Size      = $builds[$name].Size
            OnceMs    = Get-Median ($runs | ForEach-Object Ms)
            OnceCpuMs = Get-Median ($runs | ForEach-Object CpuMs)
            OncePeak  = Get-Median ($runs | ForEach-Object PeakMb)
            OnceNoTestMs = Get-Median ($untested | ForEach-Object Ms)
            WatchRss  = $rss
            WatchPeak = $hwm
        }
        Write-Host ("      once p50 {0:N0} ms (CPU {1:N0} ms, peak RSS {2:N1} MB; {6:N0} ms without nginx -t); watch RSS {3:N1} MB (peak {4:N1} MB); size {5:N1} MB" -f
            $results[$name].OnceMs, $results[$name].OnceCpuMs, $results[$name].OncePeak, $rss, $hwm, ($builds[$name].Size / 1MB), $results[$name].OnceNoTestMs)
    }
} finally {
    if ($fake) { Stop-FakeKubeApi $fake }
    $http.Dispose()
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
}

# The image, beside its base.
$image = $null
if (-not $SkipImage) {
    $daemon = $null
    try {
        $daemon = Start-PrivateDockerd
        if (-not $daemon) { throw 'dockerd is not installed.' }
        $base = Get-EntryTestBase -Daemon $daemon
        $tag = Build-EntryImage -Daemon $daemon -Base $base -Tag 'nginxkit:bench'
        $size = { param($name) [double](Invoke-Docker -Daemon $daemon -Arguments @('image', 'inspect', '-f', '{{.Size}}', $name)).Output }
        $image = [ordered]@{ base = $base; base_mb = Round ((& $size $base) / 1MB); image_mb = Round ((& $size $tag) / 1MB) }
        $image.added_mb = Round ($image.image_mb - $image.base_mb)
        Write-Host ("    image: {0:N1} MB on a {1:N1} MB base ({2}), +{3:N1} MB" -f $image.image_mb, $image.base_mb, $base, $image.added_mb)
    } catch {
        Write-Host "    image not measured: $_"
        $image = [ordered]@{ error = "$_" }
    } finally {
        Stop-PrivateDockerd $daemon
    }
}

$a = $results.NativeAOT
$t = $results.Trimmed
# The goals hold for the peak under watch, and for the whole once as a pod's init container runs it.
$met = [ordered]@{
    watch_rss_within_50mb = $a.WatchPeak -le $goal.watch_rss_mb
    once_within_300ms     = $a.OnceMs -le $goal.once_ms
}
$rows = foreach ($name in $results.Keys) {
    $r = $results[$name]
    [ordered]@{
        build = $name; size_mb = Round ($r.Size / 1MB); once_ms = Round $r.OnceMs; once_no_nginx_t_ms = Round $r.OnceNoTestMs; once_cpu_ms = Round $r.OnceCpuMs; once_peak_rss_mb = Round $r.OncePeak
        watch_rss_mb = Round $r.WatchRss; watch_peak_rss_mb = Round $r.WatchPeak
        ratio = if ($name -eq 'NativeAOT') { $null } else { Round ($r.WatchPeak / $a.WatchPeak) 2 }
        goal = if ($name -eq 'NativeAOT') { "watch RSS <= $($goal.watch_rss_mb) MB, once <= $($goal.once_ms) ms" } else { '' }
        met = if ($name -eq 'NativeAOT') { -not ($met.Values -contains $false) } else { $null }
    }
}
[ordered]@{
    goal     = "at $Services Services: nginxkit-sync watch RSS <= $($goal.watch_rss_mb) MB and once <= $($goal.once_ms) ms from process start to written config; image size beside its base"
    services = $Services
    shipped  = 'NativeAOT'
    builds   = [ordered]@{
        NativeAOT = [ordered]@{ size_mb = Round ($a.Size / 1MB); once_ms = Round $a.OnceMs; once_no_nginx_t_ms = Round $a.OnceNoTestMs; once_cpu_ms = Round $a.OnceCpuMs; watch_rss_mb = Round $a.WatchRss; watch_peak_rss_mb = Round $a.WatchPeak }
        Trimmed   = [ordered]@{ size_mb = Round ($t.Size / 1MB); once_ms = Round $t.OnceMs; once_no_nginx_t_ms = Round $t.OnceNoTestMs; once_cpu_ms = Round $t.OnceCpuMs; watch_rss_mb = Round $t.WatchRss; watch_peak_rss_mb = Round $t.WatchPeak }
    }
    fake_list_ms = Round $listMs
    ratios   = [ordered]@{ trimmed_over_aot_once_ms = Round ($t.OnceMs / $a.OnceMs) 2; trimmed_over_aot_once_cpu = Round ($t.OnceCpuMs / $a.OnceCpuMs) 2; trimmed_over_aot_watch_peak = Round ($t.WatchPeak / $a.WatchPeak) 2; trimmed_over_aot_size = Round ($t.Size / $a.Size) 2 }
    image    = $image
    legend   = 'once = wall time from process start to exit with the config written (median), which includes the fake answering the list (fake_list_ms, measured alone in the same run) and nginx -t (once_no_nginx_t_ms leaves it out); CPU (nginx -t included) and peak RSS from rusage; watch RSS = VmRSS after three waves of patches settled, its peak = VmHWM, which the goal is judged on; ratio = trimmed / NativeAOT watch RSS; the image base is the Debian bookworm + nginx-light base the tests build, since the official nginx image cannot be pulled here'
    met      = $met
    all_met  = -not ($met.Values -contains $false)
    table    = @($rows)
} | ConvertTo-Json -Compress -Depth 6
