<#
.SYNOPSIS
    NginxKit's main job on the bundled examples: Services to routes to a validated nginx config,
    the entry's manifests, and Docker's environment file and drop-in under a temporary root.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath

function Show([string] $Title) { Write-Host "`n== $Title" -ForegroundColor Cyan }

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

$test = Test-NginxConf -Text $conf -ErrorAction SilentlyContinue -ErrorVariable notTested
if ($notTested) {
    Show "nginx -t skipped: $($notTested[0].Exception.Message)"
}
else {
    Show "nginx -t: $(if ($test.Valid) { 'valid' } else { 'INVALID' })"
    $test.Messages | Format-Table | Out-Host
    if (-not $test.Valid) { exit 1 }
}

Show 'The entry deployment (New-NginxKitManifest), with Roles in two namespaces instead of a ClusterRole'
New-NginxKitManifest -WatchNamespace storage, platform | Format-Table | Out-Host
$deployment = New-NginxKitManifest | Where-Object Kind -eq Deployment
$deployment.Spec.Template.Spec.InitContainers + $deployment.Spec.Template.Spec.Containers |
    Select-Object Name, Image, @{ n = 'Command'; e = { $_.Command[-1] } } | Format-Table -Wrap | Out-Host

$root = Join-Path ([IO.Path]::GetTempPath()) ('nginxkit-demo-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
try {
    New-Item -ItemType Directory "$root/lib/systemd/system", "$root/etc/default" | Out-Null
    Copy-Item (Join-Path $PSScriptRoot 'docker.service') "$root/lib/systemd/system/docker.service"
    Set-Content "$root/etc/default/docker" "# Docker's options`nexport http_proxy=http://proxy.example:3128"

    Show "Docker's environment under $root (Set-DockerEnvironmentFile -Root)"
    $result = Set-DockerEnvironmentFile -Root $root -Dns 10.96.0.10, 1.1.1.1 -HttpsProxy 'http://ops:s3cret@proxy.example:3128' -NoProxy 'localhost,.cluster.local' -WarningAction Continue
    $result | Format-Table | Out-Host
    Write-Host "-- /etc/default/docker"
    Get-Content "$root/etc/default/docker" | ForEach-Object { $_ -replace '://([^:/@]+):[^@/]+@', '://$1:***@' } | Out-Host
    Write-Host "-- /etc/systemd/system/docker.service.d/nginxkit-environment.conf"
    Get-Content "$root/etc/systemd/system/docker.service.d/nginxkit-environment.conf" | Out-Host
    Show 'Get-DockerEnvironmentFile -Root'
    (Get-DockerEnvironmentFile -Root $root).DockerOpts -join ' ' | Out-Host
}
finally {
    Remove-Item $root -Recurse -Force -ErrorAction Ignore
}
