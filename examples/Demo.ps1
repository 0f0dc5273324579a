<#
.SYNOPSIS
    NginxKit's main job on the bundled example: Services to routes to a validated nginx config.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath

$services = Join-Path $PSScriptRoot 'services.yaml'
Write-Host "== Routes from $services" -ForegroundColor Cyan
$routes = Get-NginxRoute -Path $services -WarningAction Continue
$routes | Format-Table | Out-Host

Write-Host '== default.conf' -ForegroundColor Cyan
$conf = $routes | New-NginxConf
$conf | Out-Host

$test = Test-NginxConf -Text $conf -ErrorAction SilentlyContinue -ErrorVariable notTested
if ($notTested) {
    Write-Host "== nginx -t skipped: $($notTested[0].Exception.Message)" -ForegroundColor Yellow
}
else {
    Write-Host "== nginx -t: $(if ($test.Valid) { 'valid' } else { 'INVALID' })" -ForegroundColor Cyan
    $test.Messages | Format-Table | Out-Host
    if (-not $test.Valid) { exit 1 }
}
