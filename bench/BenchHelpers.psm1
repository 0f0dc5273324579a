# Shared by the bench/*.Bench.ps1 scripts. build.ps1 Bench runs only *.Bench.ps1, never this module.

function Get-BenchRepoRoot {
    if ($env:NGINXKIT_REPO_ROOT) { $env:NGINXKIT_REPO_ROOT } else { Split-Path $PSScriptRoot }
}

function Get-BenchModulePath {
    # The built module build.ps1 Bench names, or else the one in out/.
    $module = if ($env:NGINXKIT_MODULE_PATH) { $env:NGINXKIT_MODULE_PATH } else {
        Get-ChildItem "$(Get-BenchRepoRoot)/out/NginxKit/*/NginxKit.psd1" | Select-Object -First 1 -ExpandProperty FullName
    }
    if (-not $module -or -not (Test-Path $module)) { throw 'Built module not found; run build.ps1 Build first.' }
    $module
}

function Get-Median([double[]] $Values) {
    $s = [double[]]($Values | Sort-Object)
    $m = [int][math]::Floor($s.Count / 2)
    if ($s.Count % 2) { $s[$m] } else { ($s[$m - 1] + $s[$m]) / 2 }
}

Export-ModuleMember -Function Get-BenchRepoRoot, Get-BenchModulePath, Get-Median
