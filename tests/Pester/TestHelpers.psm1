# Shared by every NginxKit Pester suite and by the harness modules: the one place for locating the
# built module, the repository, real tools and this pwsh, for fixtures, for waiting and for stopping
# process trees. Tests import the BUILT module named by $env:NGINXKIT_MODULE_PATH, never the source tree.
#
# The environment every suite reads (build.ps1 Test sets each; a suite run by hand needs only the first):
#   NGINXKIT_MODULE_PATH      the built NginxKit.psd1 (build.ps1 Build also makes out/nginxkit-sync beside it)
#   NGINXKIT_REPO_ROOT        the repository root; by default two folders above this one
#   NGINXKIT_FAKE_KUBE_API    the built FakeKubeApi.dll      }  when unset, Get-TestFixture builds
#   NGINXKIT_ECHO_BACKEND     the built EchoBackend.dll      }  each once into out/fixtures/<Name>
#   NGINXKIT_JOURNAL_FIXTURE  the built JournalFixture.dll   }
#   NGINXKIT_HELP_BUILDER     the built NginxKit.HelpBuilder.dll; by default out/HelpBuilder/ under the root
#   NGINXKIT_TEST_KUBECONFIG  a real cluster for the Kubernetes suites instead of the fake (FakeKubeApi.psm1)
#   NGINXKIT_CONTAINER_CACHE  where the entry pod's base image is kept between runs (ContainerHarness.psm1)
#   NGINXKIT_REQUIRE_REAL     1 to fail instead of skipping when a real component (nginx, kubectl,
#                             systemd, docker, journal-remote, root) is missing

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

function Import-TestModule {
    <#
    .SYNOPSIS
        What every suite's BeforeAll starts with: the harness modules it names (FakeKubeApi,
        NginxHarness, SystemdHarness, ContainerHarness, JournalFixture), then the built NginxKit.
        Imported into the global session state, where a test script's own imports go.
    #>
    param(
        [Parameter(Position = 0)]
        [ValidateSet('FakeKubeApi', 'NginxHarness', 'SystemdHarness', 'ContainerHarness', 'JournalFixture')]
        [string[]] $Harness = @(),
        # For the suites about the fixtures themselves.
        [switch] $WithoutNginxKit
    )
    foreach ($name in $Harness) { Import-Module (Join-Path $PSScriptRoot "$name.psm1") -Force -Global }
    if (-not $WithoutNginxKit) { Import-Module (Get-NginxKitModulePath) -Force -Global }
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

function Write-UnixText {
    # A text file as an editor on Linux leaves it: LF line ends, a final newline, no BOM.
    param([Parameter(Mandatory)] [string] $Path, [string[]] $Line)
    [void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($Path))
    [IO.File]::WriteAllText($Path, (($Line -join "`n") + "`n"))
}

function Wait-Until {
    <#
    .SYNOPSIS
        Polls a condition every 50 ms until it holds: how every test and harness waits (never a bare
        Start-Sleep). The bound is generous; it is never a measure of speed.
    .DESCRIPTION
        With -Because: returns the condition's value once it holds; on the timeout it throws, naming
        what was awaited, with the lines -Diagnostics writes. Without -Because: returns $true or $false,
        for the caller to assert (Should -BeTrue) or act on.
        -Process is one that must keep running meanwhile (a watcher): when it exits, the wait ends at once.
    #>
    param(
        [Parameter(Mandatory, Position = 0)] [scriptblock] $Condition,
        [double] $TimeoutSec = 30,
        [string] $Because,
        [scriptblock] $Diagnostics,
        [Diagnostics.Process] $Process
    )
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while ($true) {
        $result = & $Condition
        if ($result) { if ($Because) { return $result } else { return $true } }
        $exited = $Process -and $Process.HasExited
        if ($exited -or [DateTime]::UtcNow -gt $deadline) {
            if (-not $Because) { return $false }
            $more = if ($Diagnostics) { "`n" + ((& $Diagnostics) -join "`n") } else { '' }
            if ($exited) { throw "The process $($Process.Id) exited with $($Process.ExitCode) while waiting for $Because.$more" }
            throw "Timed out after $TimeoutSec s waiting for $Because.$more"
        }
        Start-Sleep -Milliseconds 50
    }
}

function Stop-ProcessTree {
    <#
    .SYNOPSIS
        Ends a process and its children, and waits up to 5 s for it. With -CloseInput it is asked first,
        by closing its stdin (the fixtures' signal to stop), and killed only when still there 5 s later.
    #>
    param([Parameter(Mandatory, Position = 0)] [AllowNull()] [Diagnostics.Process] $Process, [switch] $CloseInput)
    if (-not $Process) { return }
    try {
        if ($Process.HasExited) { return }
        if ($CloseInput) {
            try { $Process.StandardInput.Close() } catch { Write-Verbose "closing stdin: $_" }
            if ($Process.WaitForExit(5000)) { return }
        }
        $Process.Kill($true)
        $null = $Process.WaitForExit(5000)
    } catch [InvalidOperationException] { <# already gone #> }
}

Export-ModuleMember -Function Get-NginxKitModulePath, Get-RepoRoot, Find-RealTool, Get-PwshCommand, Import-TestModule, Invoke-FreshPwsh,
    New-TestDirectory, Get-TestFixture, Write-UnixText, Wait-Until, Stop-ProcessTree
