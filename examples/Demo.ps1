<#
.SYNOPSIS
    NginxKit's main job on the bundled examples. Offline: Services to routes to a validated nginx
    config, the entry's manifests, and Docker's environment file and drop-in under a temporary root.
    Live: a cluster change reaching a serving nginx, through Sync-NginxConf -Watch.
.DESCRIPTION
    The live part needs no cluster and no root. It starts two stand-ins from tests/Fixtures: the fake
    API server (it speaks the Kubernetes wire protocol), loaded with examples/services.yaml, and an echo
    backend (it answers every request with its name and the request line). Where nginx is installed, a
    real nginx runs on a loopback port in a prefix of its own; where it is not, the demo says so and
    shows the sync writing the config file instead. Everything it starts is stopped at the end, on
    failure and on Ctrl+C too.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath
)
$ErrorActionPreference = 'Stop'
# A path (the built NginxKit.psd1) or a name; the sync's runspace imports it again.
if (Test-Path -LiteralPath $ModulePath) { $ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path }
Import-Module $ModulePath
$repo = Split-Path -Parent $PSScriptRoot
# The suites' own drivers of the stand-ins: the fake API server, the echo backend and a private nginx.
Import-Module (Join-Path $repo 'tests/Pester/FakeKubeApi.psm1'), (Join-Path $repo 'tests/Pester/NginxHarness.psm1')

function Show([string] $Title) { Write-Host "`n== $Title" -ForegroundColor Cyan }
function Say([string] $Label, [string] $Text) {
    $color = @{ 'stand-in' = 'Yellow'; 'real' = 'Green'; 'skipped' = 'Magenta'; 'change' = 'Cyan' }[$Label]
    # In the live part, each line says when it happened.
    if ($script:live) { Write-Host ('{0,5:0.0}s ' -f $script:live.Elapsed.TotalSeconds) -NoNewline }
    Write-Host "[$Label] " -ForegroundColor $color -NoNewline
    Write-Host $Text
}

function Find-Nginx {
    # nginx where it is installed (PATH, then the sbin folders a non-root PATH leaves out), if it runs.
    $candidates = @(Get-Command nginx -CommandType Application -All -ErrorAction Ignore | ForEach-Object Source) +
        @('/usr/sbin/nginx', '/usr/local/sbin/nginx', '/sbin/nginx')
    foreach ($path in $candidates | Where-Object { Test-Path -LiteralPath $_ -PathType Leaf } | Select-Object -Unique) {
        try { $version = & $path -v 2>&1 } catch { continue }
        if ($LASTEXITCODE -eq 0) { return [pscustomobject]@{ Path = $path; Version = ("$version" -replace '^nginx version:\s*nginx/') } }
    }
    $null
}

$nginx = Find-Nginx
$howToGetNginx = 'install it with "apt-get install nginx-light" (as root), or run "dotnet pwsh ./build.ps1 Test" as root, which installs it'

# ---------------------------------------------------------------------------------------------------
# Offline: the example Services as a file
# ---------------------------------------------------------------------------------------------------
$services = Join-Path $PSScriptRoot 'services.yaml'
Show "Routes from ${services}: only the Services that opt in (each skipped one says why with -Verbose)"
$routes = Get-NginxRoute -Path $services -WarningAction Continue -Verbose 4>&1 | ForEach-Object {
    if ($_ -is [System.Management.Automation.VerboseRecord]) { Write-Host "  $($_.Message)" -ForegroundColor DarkGray } else { $_ }
}
$routes | Format-Table | Out-Host

Show 'With -ExposeAll, every other Service too, at /<service-name>; still never the system namespaces, the API server or the entry'
Get-NginxRoute -Path $services -ExposeAll | Where-Object { $_.Service -notin $routes.Service } | Format-Table | Out-Host

Show 'default.conf'
$conf = $routes | New-NginxConf
$conf | Out-Host

if ($nginx) {
    $test = Test-NginxConf -Text $conf -NginxPath $nginx.Path
    Show "nginx -t ($($nginx.Version)): $(if ($test.Valid) { 'valid' } else { 'INVALID' })"
    $test.Messages | Format-Table | Out-Host
    if (-not $test.Valid) { exit 1 }
}
else {
    Show 'nginx -t'
    Say skipped "nginx -t: nginx is not installed (or does not run); $howToGetNginx."
}

Show 'The entry deployment (New-NginxKitManifest), with Roles in two namespaces instead of a ClusterRole'
New-NginxKitManifest -WatchNamespace storage, platform | Format-Table | Out-Host
$deployment = New-NginxKitManifest | Where-Object Kind -eq Deployment
$containers = @($deployment.Spec.Template.Spec.InitContainers) + @($deployment.Spec.Template.Spec.Containers)
Write-Host "Its pod's containers, all from $(@($containers.Image | Select-Object -Unique) -join ', '): nginx, and nginxkit-sync once (init) and watch (sidecar)"
foreach ($c in $containers) { Write-Host ('  {0,-7} {1} {2}' -f $c.Name, ($c.Command -join ' '), ($c.Args -join ' ')) }

$root = Join-Path ([IO.Path]::GetTempPath()) ('nginxkit-demo-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
try {
    New-Item -ItemType Directory "$root/lib/systemd/system", "$root/etc/default" | Out-Null
    Copy-Item (Join-Path $PSScriptRoot 'docker.service') "$root/lib/systemd/system/docker.service"
    Set-Content "$root/etc/default/docker" "# Docker's options`nexport http_proxy=http://proxy.example:3128"

    Show "Docker's environment under $root (Set-DockerEnvironmentFile -Root)"
    $result = Set-DockerEnvironmentFile -Root $root -Dns 10.96.0.10, 1.1.1.1 -HttpsProxy 'http://ops:s3cret@proxy.example:3128' -NoProxy 'localhost,.cluster.local' -WarningAction Continue
    $result | Format-Table | Out-Host
    foreach ($file in $result.FilesTouched) {
        Write-Host "-- $($file.Substring($root.Length))"
        Get-Content -LiteralPath $file | ForEach-Object { $_ -replace '://([^:/@]+):[^@/]+@', '://$1:***@' } | Out-Host
    }
    Show 'Get-DockerEnvironmentFile -Root'
    (Get-DockerEnvironmentFile -Root $root).DockerOpts -join ' ' | Out-Host
}
finally {
    Remove-Item $root -Recurse -Force -ErrorAction Ignore
}

# ---------------------------------------------------------------------------------------------------
# Live: a cluster change reaching a serving nginx
# ---------------------------------------------------------------------------------------------------
function Test-OptsIn([object] $Service) {
    $annotations = $Service.metadata.PSObject.Properties['annotations']
    if (-not $annotations) { return $false }
    $a = $annotations.Value.PSObject.Properties
    [bool]($a['nginxkit.io/path'] -or ($a['nginxkit.io/expose'] -and $a['nginxkit.io/expose'].Value -eq 'true'))
}

function Get-EchoName([object] $Service, [object] $Port) {
    $name = "$($Service.metadata.name).$($Service.metadata.namespace)"
    if (@($Service.spec.ports).Count -gt 1) { $name += ".$($Port.name)" }
    $name
}

function Test-TlsPort([object] $Port) {
    # nginx speaks https to a port named https (see services.yaml); the echo backend must then speak TLS.
    $Port.PSObject.Properties['name'] -and $Port.name -eq 'https'
}

function Get-SyncEvent([object] $Watch, [int] $From) {
    # The events so far, by index: enumerating a PSDataCollection would wait for it to be completed.
    $events = $Watch.Events
    @(for ($i = $From; $i -lt $events.Count; $i++) { $events[$i] })
}

function Wait-For([string] $What, [scriptblock] $Condition, [int] $TimeoutSec = 15) {
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while ($true) {
        $result = & $Condition
        if ($result) { return $result }
        if ($watch -and $watch.PowerShell.InvocationStateInfo.State -in 'Completed', 'Failed', 'Stopped') {
            throw "Sync-NginxConf -Watch ended while waiting for ${What}: $($watch.PowerShell.InvocationStateInfo.Reason) $(@($watch.PowerShell.Streams.Error) -join '; ')"
        }
        if ($server -and $server.Process.HasExited) { throw "nginx exited (code $($server.Process.ExitCode)) while waiting for $What." }
        if ([DateTime]::UtcNow -gt $deadline) { throw "Gave up after $TimeoutSec s waiting for $What." }
        Start-Sleep -Milliseconds 50
    }
}

function Show-SyncEvent([object] $SyncEvent) {
    Say real ("Sync-NginxConf: trigger {0}, {1} routes, written {2}, nginx -t {3}, reloaded {4}, added {5}" -f $SyncEvent.Trigger, $SyncEvent.Routes,
        $SyncEvent.Written, $SyncEvent.Validated, $SyncEvent.Reloaded, (@($SyncEvent.Added) -join ' '))
    if ($SyncEvent.Error) { throw "The sync failed: $($SyncEvent.Error)" }
}

function Get-Served([int] $Port, [string] $Path) {
    try { Invoke-RawHttp -Port $Port -Path $Path -TimeoutSec 5 } catch { $null }
}

function Show-Request([int] $Port, [string] $Path, [string] $Expected) {
    # Polled: nginx's new workers take over some 100 ms after the reload.
    $answer = Wait-For "GET $Path to reach the echo backend" {
        $r = Get-Served -Port $Port -Path $Path
        if ($r -and $r.StatusCode -eq 200 -and $r.Body.StartsWith("$Expected ")) { $r }
    }
    Say real "GET http://127.0.0.1:$Port$Path through nginx: $($answer.StatusCode)"
    Say stand-in "  answered by the echo backend: $($answer.Body.Trim())"
}

function Show-Locations([string] $Path, [string] $Service) {
    # Each route's comment, location and proxy_pass; with -Service, that Service's whole block.
    $lines = @(Get-Content -LiteralPath $Path)
    if ($Service) {
        $at = [array]::FindIndex($lines, [Predicate[string]] { param($l) $l.Trim() -eq "# $Service" })
        if ($at -lt 0) { throw "$Path has no route for $Service." }
        $end = [array]::FindIndex($lines, $at, [Predicate[string]] { param($l) $l -match '^\s*\}\s*$' })
        $lines = $lines[$at..$end]
    }
    else { $lines = $lines | Where-Object { $_ -match '^\s*(# \S+/\S+|location /\S+/ \{|proxy_pass )' } }
    $lines | ForEach-Object { "          $($_.Trim())" } | Out-Host
}

Show 'Live: the cluster changes, the sync rewrites the config and reloads nginx, the new route serves'
$live = [Diagnostics.Stopwatch]::StartNew()
$dir = Join-Path ([IO.Path]::GetTempPath()) ('nginxkit-demo-live-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
$fake = $null; $backends = @(); $server = $null; $watch = $null; $finished = $false
try {
    $null = New-Item -ItemType Directory (Join-Path $dir 'conf.d')
    $fake = Start-FakeKubeApi
    Say stand-in "fake API server (tests/Fixtures/FakeKubeApi, the Kubernetes wire protocol on loopback; not a real cluster): $($fake.Url)"
    $loaded = @(Add-FakeKubeObject -Server $fake -LiteralPath $services)
    Say stand-in "  loaded with examples/services.yaml: $(@($loaded | Where-Object kind -eq Service).Count) Services"

    # Each opted-in Service's ports, and the Service the demo adds later, get an echo backend port of their own.
    $routed = @($loaded | Where-Object { $_.kind -eq 'Service' -and (Test-OptsIn $_) })
    $hello = New-FakeKubeService -Name hello -Namespace demo -Port 0 -Annotations @{ 'nginxkit.io/path' = '/hello' }
    $hello = $hello | ConvertTo-Json -Depth 16 | ConvertFrom-Json
    $ports = foreach ($s in @($routed) + $hello) { foreach ($p in @($s.spec.ports)) { [pscustomobject]@{ Service = $s; Port = $p; Echo = Get-EchoName $s $p } } }
    $plain = @($ports | Where-Object { -not (Test-TlsPort $_.Port) })
    $tls = @($ports | Where-Object { Test-TlsPort $_.Port })
    if ($plain) { $backends += Start-EchoBackend -Name $plain.Echo }
    if ($tls) { $backends += Start-EchoBackend -Name $tls.Echo -Tls }
    foreach ($p in $ports) { $p.Port.port = ($backends | Where-Object Name -eq $p.Echo).Port }
    Say stand-in "echo backend (tests/Fixtures/EchoBackend): answers every request with its name and the request line, on $(@($backends).Count) loopback ports$(if ($tls) { " ($(@($tls).Count) over TLS)" })"

    # A cluster's Service IPs do not exist here: point the opted-in Services at the echo backend instead.
    foreach ($s in $routed) {
        $s.spec.clusterIP = '127.0.0.1'
        if ($s.spec.PSObject.Properties['clusterIPs']) { $s.spec.clusterIPs = @('127.0.0.1') }
    }
    $null = Add-FakeKubeObject -Server $fake -Object $routed
    Say stand-in "  rewrote the $($routed.Count) opted-in Services in the fake: clusterIP 127.0.0.1, ports the echo backend's ($(($routed | ForEach-Object { "$($_.metadata.namespace)/$($_.metadata.name)" }) -join ', '))"

    $listen = "127.0.0.1:$(Get-FreeTcpPort)"
    $sync = @{ KubeConfig = $fake.KubeConfig; Listen = $listen; DebounceMs = 50 }
    if ($nginx) {
        $port = [int]($listen -split ':')[1]
        $server = Start-NginxServer -NginxPath $nginx.Path -Port $port -Config "server {`n    listen $listen default_server;`n    return 503;`n}`n"
        Say real "nginx $($nginx.Version) ($($nginx.Path)) on $listen, unprivileged, in its own prefix $($server.Prefix)"
        $sync.OutFile = $server.ConfPath
        $sync.NginxPath = $nginx.Path
        $sync.ReloadPidFile = Join-Path $server.Prefix 'nginx.pid'
    }
    else {
        Say skipped "nginx: not installed (or does not run), so nothing serves the routes; $howToGetNginx. The sync still writes the config, without nginx -t."
        $sync.OutFile = Join-Path $dir 'conf.d/default.conf'
        $sync.SkipNginxTest = $true
    }

    # Sync-NginxConf -Watch as the entry's sidecar runs it, in a runspace of this session until the demo stops it.
    $ps = [powershell]::Create()
    $null = $ps.AddScript({
            param($Module, $Sync)
            Import-Module $Module
            Sync-NginxConf -Watch @Sync
        }).AddArgument($ModulePath).AddArgument($sync)
    $none = [Management.Automation.PSDataCollection[psobject]]::new()
    $none.Complete()
    $watch = [pscustomobject]@{ PowerShell = $ps; Events = [Management.Automation.PSDataCollection[psobject]]::new() }
    $null = $ps.BeginInvoke($none, $watch.Events)
    Say real "Sync-NginxConf -Watch -OutFile $($sync.OutFile)$(if ($nginx) { ' -ReloadPidFile (nginx''s pid file)' }): lists the Services, then watches them"

    $first = Wait-For 'the first sync' { Get-SyncEvent $watch 0 | Select-Object -First 1 }
    Show-SyncEvent $first
    if ($server) { Show-Request -Port $server.Port -Path '/volume/api/v1/pools' -Expected 'volume.storage' }
    else {
        Say real "$($sync.OutFile) now routes:"
        Show-Locations $sync.OutFile
    }

    # The change: a new Service that opts in, created through the API as kubectl would.
    Say change 'a new Service, demo/hello, annotated nginxkit.io/path: /hello, created through the API as kubectl apply creates it'
    Say stand-in "  its clusterIP 127.0.0.1 and port $($hello.spec.ports[0].port) are the echo backend's"
    $null = Invoke-RestMethod -Method Post -Uri "$($fake.Url)/api/v1/namespaces" -ContentType 'application/json' -Body '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"demo"}}'
    $null = Invoke-RestMethod -Method Post -Uri "$($fake.Url)/api/v1/namespaces/demo/services" -ContentType 'application/json' -Body ($hello | ConvertTo-Json -Depth 16 -Compress)
    $added = Wait-For 'the sync of the new Service' { Get-SyncEvent $watch 1 | Where-Object { @($_.Added) -contains '_/hello/' } | Select-Object -First 1 }
    Show-SyncEvent $added
    if ($server) {
        Show-Request -Port $server.Port -Path '/hello/' -Expected 'hello.demo'
        Show-Request -Port $server.Port -Path '/volume/api/v1/pools' -Expected 'volume.storage'
    }
    else {
        Say real "$($sync.OutFile) now routes the new Service too:"
        Show-Locations $sync.OutFile -Service demo/hello
    }
    $finished = $true
}
finally {
    if (-not $finished) { Write-Host "`nThe live part stopped before its end; stopping everything it started." }
    # Stopped in reverse order, whatever happened above (Ctrl+C included).
    if ($watch) { $watch.PowerShell.Stop(); $watch.PowerShell.Dispose() }
    if ($server) { Stop-NginxServer $server }
    if ($backends) { $backends | Stop-EchoBackend }
    if ($fake) { Stop-FakeKubeApi $fake }
    Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore
    $live.Stop()
    Write-Host ("`nLive part: {0:0.0} s, from starting the stand-ins to stopping everything it started." -f $live.Elapsed.TotalSeconds)
}
