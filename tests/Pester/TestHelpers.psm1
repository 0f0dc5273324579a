# Shared by every NginxKit Pester suite. Tests import the BUILT module named by
# $env:NGINXKIT_MODULE_PATH (build.ps1 Test sets it), never the source tree.

function Get-NginxKitModulePath {
    if (-not $env:NGINXKIT_MODULE_PATH) { throw 'Set NGINXKIT_MODULE_PATH to the built NginxKit.psd1 (build.ps1 Test does this).' }
    $env:NGINXKIT_MODULE_PATH
}

function Get-RepoRoot {
    if ($env:NGINXKIT_REPO_ROOT) { return $env:NGINXKIT_REPO_ROOT }
    (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
}

function Find-RealTool {
    <#
    .SYNOPSIS
        Finds a real component a test needs. Returns its path, or $null when the test should skip.
        Under NGINXKIT_REQUIRE_REAL=1 a missing component throws, so CI fails instead of skipping.
    #>
    param([Parameter(Mandatory)] [string] $Name, [string[]] $Candidates = @())
    foreach ($candidate in @($Candidates) + @("/usr/sbin/$Name", "/usr/bin/$Name", "/lib/systemd/$Name")) {
        if ($candidate -and (Test-Path $candidate)) { return $candidate }
    }
    $cmd = Get-Command $Name -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if ($cmd) { return $cmd.Source }
    if ($env:NGINXKIT_REQUIRE_REAL -eq '1') { throw "NGINXKIT_REQUIRE_REAL=1 but '$Name' is not installed." }
    $null
}

function Get-PwshCommand {
    # This pwsh as a command line: its executable, and the entry assembly when it runs as `dotnet pwsh`.
    if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') {
        @([Environment]::ProcessPath, [Reflection.Assembly]::GetEntryAssembly().Location)
    } else { @([Environment]::ProcessPath) }
}

function Invoke-FreshPwsh {
    <#
    .SYNOPSIS
        Runs a script in a new pwsh process (the same pwsh as this one) and returns its output lines.
        For tests about process-wide state: assembly load contexts, import time.
    #>
    param([Parameter(Mandatory)] [string] $Script)
    $pwsh = Get-PwshCommand
    $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $Script 2>&1
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = @($output | ForEach-Object { "$_" }) }
}

$script:FixtureDlls = @{}

function Get-TestFixture {
    <#
    .SYNOPSIS
        The built DLL of a program under tests/Fixtures: the path in the given environment variable
        (build.ps1 Test sets it), or else a build made once per session into out/fixtures/<Name>.
    #>
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string] $EnvironmentVariable)
    $given = [Environment]::GetEnvironmentVariable($EnvironmentVariable)
    if ($given) {
        if (-not (Test-Path -LiteralPath $given)) { throw "$EnvironmentVariable is '$given', which does not exist. Build tests/Fixtures/$Name first." }
        return $given
    }
    if ($script:FixtureDlls[$Name]) { return $script:FixtureDlls[$Name] }
    $root = Get-RepoRoot
    $project = Join-Path $root "tests/Fixtures/$Name/$Name.csproj"
    $outDir = Join-Path $root "out/fixtures/$Name"
    $output = & dotnet build $project -c Release -o $outDir --nologo -v quiet 2>&1
    if ($LASTEXITCODE -ne 0) { throw "dotnet build $project failed:`n$($output -join "`n")" }
    $script:FixtureDlls[$Name] = Join-Path $outDir "$Name.dll"
    $script:FixtureDlls[$Name]
}

function New-TestDirectory {
    # A fresh directory under the system temp folder; the caller removes it.
    $path = Join-Path ([IO.Path]::GetTempPath()) ("nginxkit-test-" + [guid]::NewGuid().ToString('N').Substring(0, 12))
    New-Item -ItemType Directory -Path $path | Select-Object -ExpandProperty FullName
}

Export-ModuleMember -Function Get-NginxKitModulePath, Get-RepoRoot, Find-RealTool, Get-PwshCommand, Invoke-FreshPwsh, New-TestDirectory, Get-TestFixture
