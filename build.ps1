#Requires -Version 7.6
<#
.SYNOPSIS
    Builds, tests, benchmarks and packages NginxKit.
.DESCRIPTION
    Tasks (each runs alone and can be re-run):
      Build    dotnet publish into out/NginxKit/<version>/, engine in Dependencies/, help compiled from docs/;
               nginxkit-sync (NativeAOT) into out/nginxkit-sync/.
      Image    the entry image (src/Container/Dockerfile) with the docker engine, tagged nginxkit:<version>.
      Test     xunit for the core, the cmdlets in-process and the help builder, then Pester through Import-Module; ends with "N passed, N failed, N skipped".
      Bench    runs bench/*.Bench.ps1, writes bench/results.json and prints a table; -BenchName runs only the
               benches named and replaces only their entries in bench/results.json.
      Package  a .nupkg in out/packages that Install-PSResource/Save-PSResource accept from a folder repository.
      Demo     the main job on examples/: Services to routes to a validated nginx config; then live, a Service
               change synced into a local nginx (the fake API server and an echo backend as stand-ins).
      Install  copies the built module into the current user's module path, so Import-Module NginxKit works by name.
      Clean    removes out/ and every bin/ and obj/.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Image', 'Test', 'Bench', 'Package', 'Demo', 'Install', 'Clean')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Pester tag filter, e.g. -Tag Nginx; by default every test runs.
    [string[]] $Tag,

    # Bench: only these benches, by name (bench/<Name>.Bench.ps1), wildcards allowed, e.g. -BenchName NginxConf; by default all.
    [string[]] $BenchName,

    # Skip installing test prerequisites with apt-get.
    [switch] $NoInstall,

    # Image: the nginx image to build on (the Dockerfile's BASE); by default its pinned official nginx.
    [string] $Base
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

$Root = $PSScriptRoot
$Manifest = Import-PowerShellDataFile (Join-Path $Root 'NginxKit.psd1')
$Version = $Manifest.ModuleVersion
$ModuleDir = Join-Path $Root "out/NginxKit/$Version"
$ModuleManifest = Join-Path $ModuleDir 'NginxKit.psd1'
# The help builder is a build tool: it and Markdig stay out of the module folder.
$HelpBuilderDir = Join-Path $Root 'out/HelpBuilder'
$HelpBuilder = Join-Path $HelpBuilderDir 'NginxKit.HelpBuilder.dll'
$ResultsDir = Join-Path $Root 'out/test-results'
$SyncDir = Join-Path $Root 'out/nginxkit-sync'
$ImageName = "nginxkit:$Version"
# This pwsh, as a command line: under `dotnet pwsh` the process is dotnet running pwsh.dll.
[string[]] $PwshHost = if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') {
    @([Environment]::ProcessPath, [Reflection.Assembly]::GetEntryAssembly().Location)
} else { @([Environment]::ProcessPath) }

function Invoke-Native {
    # Runs a native command, failing the task on a non-zero exit.
    param([Parameter(Mandatory)] [string] $File, [string[]] $Arguments = @())
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') exited with $LASTEXITCODE" }
}

function Invoke-ChildPwsh {
    # Runs a script in a fresh pwsh, so the built DLLs never load (and lock) in this process.
    param([Parameter(Mandatory)] [string] $Script, [switch] $AllowFailure)
    & $PwshHost[0] @($PwshHost | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $Script
    if (-not $AllowFailure -and $LASTEXITCODE -ne 0) { throw "child pwsh exited with $LASTEXITCODE" }
}

function Invoke-Build {
    Invoke-ModuleBuild
    Invoke-SyncBuild
}

function Invoke-ModuleBuild {
    # The module and its help: all the cmdlets need, and no native linker.
    Write-Host "==> Build NginxKit $Version ($Configuration)"
    if (Test-Path $ModuleDir) { Remove-Item $ModuleDir -Recurse -Force }
    $common = @('-c', $Configuration, "-p:Version=$Version", '--nologo', '-v', 'quiet')
    Invoke-Native dotnet (@('publish', "$Root/src/NginxKit/NginxKit.csproj", '-o', $ModuleDir) + $common)
    Invoke-Native dotnet (@('publish', "$Root/src/NginxKit.Engine/NginxKit.Engine.csproj", '-o', "$ModuleDir/Dependencies") + $common)
    # The engine is reached only through the load context; a stray copy beside NginxKit.dll would defeat it.
    Remove-Item "$ModuleDir/NginxKit.Engine.*", "$ModuleDir/*.deps.json", "$ModuleDir/Dependencies/*.deps.json" -ErrorAction Ignore
    Copy-Item (Join-Path $Root 'NginxKit.psd1') $ModuleDir
    Invoke-HelpBuild
    Write-Host "    module ready: $ModuleManifest"
}

function Get-NativeLinker {
    # NativeAOT links with clang by default; gcc does the same job where clang is missing.
    foreach ($linker in 'clang', 'gcc') { if (Get-Command $linker -CommandType Application -ErrorAction Ignore) { return $linker } }
    if ((id -u) -eq '0' -and (Get-Command apt-get -ErrorAction Ignore)) {
        Write-Host '==> apt-get install clang (NativeAOT links nginxkit-sync with it)'
        $env:DEBIAN_FRONTEND = 'noninteractive'
        Invoke-Native apt-get @('update', '-qq')
        Invoke-Native apt-get @('install', '-y', '-qq', '--no-install-recommends', 'clang')
        return 'clang'
    }
    throw 'nginxkit-sync is linked natively: install clang (apt-get install clang) or gcc.'
}

function Invoke-SyncBuild {
    Write-Host "==> nginxkit-sync $Version (NativeAOT)"
    $linker = Get-NativeLinker
    Invoke-Native dotnet @('publish', "$Root/src/NginxKit.SyncHost/NginxKit.SyncHost.csproj", '-c', $Configuration, "-p:Version=$Version",
        "-p:CppCompilerAndLinker=$linker", '-o', $SyncDir, '--nologo', '-v', 'quiet')
    Remove-Item "$SyncDir/*.dbg", "$SyncDir/*.pdb" -ErrorAction Ignore
    Write-Host "    $SyncDir/nginxkit-sync"
}

function Invoke-Image {
    # The entry image: the Dockerfile's pinned nginx (or -Base) plus nginxkit-sync, built by the docker
    # engine $env:DOCKER_HOST (or the default socket) names.
    if (-not (Test-Path "$SyncDir/nginxkit-sync")) { Invoke-SyncBuild }
    $docker = Get-Command docker -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if (-not $docker) { throw 'The docker CLI is not installed; the image is built with the docker engine (apt-get install docker.io).' }
    $arguments = @('build', '-f', "$Root/src/Container/Dockerfile", '-t', $ImageName)
    if ($Base) { $arguments += @('--build-arg', "BASE=$Base") }
    Write-Host "==> docker build $ImageName$(if ($Base) { " on $Base" })"
    Invoke-Native $docker.Source ($arguments + @($Root))
    Write-Host "    $ImageName; push it with: docker tag $ImageName REGISTRY/nginxkit:$Version; docker push REGISTRY/nginxkit:$Version"
}

function Invoke-HelpBuild {
    Write-Host '==> Help: docs/*.md to MAML'
    Invoke-Native dotnet @('publish', "$Root/src/NginxKit.HelpBuilder/NginxKit.HelpBuilder.csproj", '-c', $Configuration, '-o', $HelpBuilderDir, '--nologo', '-v', 'quiet')
    # Syntax and parameter attributes come from the loaded cmdlets, prose from the pages.
    $commands = Join-Path $HelpBuilderDir 'NginxKit.commands.json'
    Invoke-ChildPwsh @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModuleManifest'
Import-Module '$Root/src/Help/CommandHelpData.psm1'
Get-CommandHelpData -ModuleName NginxKit | ConvertTo-Json -Depth 6 | Set-Content '$commands'
"@
    Invoke-Native dotnet @($HelpBuilder, 'build', '--docs', "$Root/docs", '--commands', $commands, '--out', "$ModuleDir/en-US") | Out-Null
}

function Assert-Built {
    if (-not (Test-Path $ModuleManifest)) { Invoke-Build }
}

function Install-TestPrerequisites {
    # Real components the tests drive. Installed only as root, through the ordinary apt-get.
    $wanted = [ordered]@{
        nginx                    = 'nginx'
        'systemd-journal-remote' = '/lib/systemd/systemd-journal-remote'
        'docker.io'              = '/usr/sbin/dockerd'       # the real engine under the systemd harness
        'busybox-static'         = '/bin/busybox'            # a rootfs to docker import: no registry here
        debootstrap              = 'debootstrap'             # the entry image's base, from Debian's packages
        xxhash                   = 'xxh128sum'               # checks the hash in a config's header
        acl                      = 'setfacl'                 # sets the ACLs a rewrite must keep (getfacl reads them)
    }
    $missing = @($wanted.GetEnumerator() | Where-Object {
            -not (Get-Command $_.Value -ErrorAction Ignore) -and -not (Test-Path "/usr/sbin/$($_.Value)") -and -not (Test-Path $_.Value)
        } | ForEach-Object Key)
    if (-not $missing) { return }
    if ($NoInstall -or (id -u) -ne '0' -or -not (Get-Command apt-get -ErrorAction Ignore)) {
        Write-Warning "Missing test prerequisites: $($missing -join ', '). Tests that need them will skip (or fail under NGINXKIT_REQUIRE_REAL=1)."
        return
    }
    Write-Host "==> apt-get install $($missing -join ' ')"
    $env:DEBIAN_FRONTEND = 'noninteractive'
    # The tests run their own nginx and dockerd; packages must not start the host's.
    $policy = '/usr/sbin/policy-rc.d'
    $ownPolicy = -not (Test-Path $policy)
    if ($ownPolicy) { Set-Content $policy "#!/bin/sh`nexit 101"; chmod 755 $policy }
    try {
        Invoke-Native apt-get @('update', '-qq')
        Invoke-Native apt-get (@('install', '-y', '-qq', '--no-install-recommends') + $missing)
    }
    finally { if ($ownPolicy) { Remove-Item $policy } }
}

function Restore-TestTools {
    Invoke-Native dotnet @('restore', "$Root/tests/Dependencies/TestDependencies.csproj", '--nologo', '-v', 'quiet')
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    $pester = Get-ChildItem (Join-Path $packages 'pester') -Directory | Where-Object Name -like '5.7.*' |
        Sort-Object { [version]$_.Name } | Select-Object -Last 1
    if (-not $pester) { throw "Pester 5.7.x was not restored under $packages" }
    Join-Path $pester.FullName 'tools/Pester.psd1'
}

function Build-TestFixtures {
    # What the Pester suites (and the demo) run or load: each is built once here and named by an environment variable.
    param([string[]] $Name = @('EchoBackend', 'FakeKubeApi', 'JournalFixture'))
    $fixtures = [ordered]@{ EchoBackend = 'NGINXKIT_ECHO_BACKEND'; FakeKubeApi = 'NGINXKIT_FAKE_KUBE_API'; JournalFixture = 'NGINXKIT_JOURNAL_FIXTURE' }
    foreach ($name in $fixtures.Keys | Where-Object { $_ -in $Name }) {
        $out = Join-Path $Root "out/fixtures/$name"
        # Quiet: dotnet's output is shown only when the build fails.
        $output = & dotnet build "$Root/tests/Fixtures/$name/$name.csproj" -c $Configuration -o $out --nologo -v quiet 2>&1
        if ($LASTEXITCODE -ne 0) { $output | Out-Host; throw "dotnet build tests/Fixtures/$name exited with $LASTEXITCODE" }
        Set-Item "env:$($fixtures[$name])" (Join-Path $out "$name.dll")
    }
}

function Invoke-XunitTests {
    # One result for the xunit suite, summed over its projects.
    Write-Host '==> xunit: the pure core, the cmdlets in-process and the help builder'
    $coverageDir = Join-Path $ResultsDir 'coverage'
    Remove-Item $coverageDir -Recurse -ErrorAction Ignore
    # coverlet measures one product assembly per project: the tests and fixtures would only dilute the figure.
    function Get-CoverageArgument([string] $Name, [string] $Include, [string] $IncludeDirectory) {
        $setting = 'DataCollectionRunSettings.DataCollectors.DataCollector.Configuration'
        @('--collect', 'XPlat Code Coverage', '--results-directory', (Join-Path $coverageDir $Name), '--',
            "$setting.Format=cobertura", "$setting.Include=$Include", "$setting.ExcludeByFile=**/obj/**") +
            @(if ($IncludeDirectory) { "$setting.IncludeDirectory=$IncludeDirectory" })
    }
    # The cmdlet tests import their own copy of the built module; coverlet instruments that copy, never out/.
    $cmdletModule = "$Root/tests/NginxKit.Cmdlets.Tests/bin/$Configuration/net10.0/NginxKit"
    $projects = [ordered]@{
        'NginxKit.Engine.Tests'      = Get-CoverageArgument engine '[NginxKit.Engine]*'
        'NginxKit.Cmdlets.Tests'     = Get-CoverageArgument cmdlets '[NginxKit]*' $cmdletModule
        'NginxKit.HelpBuilder.Tests' = @()
    }
    $total = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0; ProductPassed = 0 }
    foreach ($name in $projects.Keys) {
        $trx = Join-Path $ResultsDir "$name.trx"
        Remove-Item $trx -ErrorAction Ignore
        & dotnet test "$Root/tests/$name/$name.csproj" -c $Configuration --nologo `
            --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal' @($projects[$name]) | Out-Host
        $exit = $LASTEXITCODE
        if (-not (Test-Path $trx)) { $total.Failed++; continue }
        $counters = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
        $failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        if ($exit -ne 0 -and $failed -eq 0) { $failed = 1 } # the runner itself failed
        # A project that passes nothing must not hide behind the other's passes.
        if ([int]$counters.passed -eq 0) { Write-Host "$name passed no test."; $failed++ }
        $total.Passed += [int]$counters.passed
        $total.Failed += $failed
        $total.Skipped += [int]$counters.notExecuted
        # The help builder's tests check the help tooling, not what NginxKit does.
        if ($name -ne 'NginxKit.HelpBuilder.Tests') { $total.ProductPassed += [int]$counters.passed }
    }
    $total
}

function Get-Coverage {
    # Line and branch rates of one measured assembly (engine, cmdlets) from the xunit run's cobertura report.
    param([string] $Name)
    $report = Get-ChildItem (Join-Path $ResultsDir "coverage/$Name") -Recurse -Filter 'coverage.cobertura.xml' -ErrorAction Ignore | Select-Object -First 1
    if (-not $report) { return $null }
    # Only that assembly is measured (see Invoke-XunitTests), so the report's totals are its own.
    $totals = ([xml](Get-Content $report.FullName -Raw)).coverage
    [pscustomobject]@{
        LinePercent   = [math]::Round(100 * [double]$totals.'line-rate', 1)
        BranchPercent = [math]::Round(100 * [double]$totals.'branch-rate', 1)
        Lines         = [int]$totals.'lines-valid'
    }
}

function Invoke-PesterTests {
    param([string] $PesterPath)
    Write-Host '==> Pester: the cmdlets through Import-Module'
    $summary = Join-Path $ResultsDir 'pester-summary.json'
    Remove-Item $summary -ErrorAction Ignore
    $env:NGINXKIT_PESTER_TAG = $Tag -join ','
    $env:NGINXKIT_MODULE_PATH = $ModuleManifest
    $env:NGINXKIT_REPO_ROOT = $Root
    $env:NGINXKIT_HELP_BUILDER = $HelpBuilder
    $env:NO_COLOR = '1'
    Invoke-ChildPwsh -AllowFailure -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$PesterPath' -MinimumVersion 5.7
`$c = New-PesterConfiguration
`$c.Run.Path = '$Root/tests/Pester'
`$c.Run.PassThru = `$true
`$c.Output.Verbosity = 'Detailed'
`$c.TestResult.Enabled = `$true
`$c.TestResult.OutputFormat = 'JUnitXml'
`$c.TestResult.OutputPath = '$ResultsDir/pester.xml'
if (`$env:NGINXKIT_PESTER_TAG) { `$c.Filter.Tag = `$env:NGINXKIT_PESTER_TAG -split ',' }
`$r = Invoke-Pester -Configuration `$c
# Suites about the test fixtures and the help text, not about what the cmdlets do.
`$aside = 'FakeKubeApi.Tests.ps1', 'SystemdHarness.Tests.ps1', 'Help.Tests.ps1'
`$product = @(`$r.Passed | Where-Object { (Split-Path -Leaf `$_.ScriptBlock.File) -notin `$aside }).Count
[pscustomobject]@{ Passed = `$r.PassedCount; Failed = `$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount; Skipped = `$r.SkippedCount; ProductPassed = `$product } |
    ConvertTo-Json | Set-Content '$summary'
"@ | Out-Host
    if (-not (Test-Path $summary)) { return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0; ProductPassed = 0 } }
    Get-Content $summary -Raw | ConvertFrom-Json
}

function Invoke-Test {
    Invoke-Build # always from the current sources: a stale out/ would test old code
    Invoke-Package # the package test installs it from a folder repository
    New-Item -ItemType Directory -Force $ResultsDir | Out-Null
    Install-TestPrerequisites
    $pester = Restore-TestTools
    Build-TestFixtures
    $results = [ordered]@{ xunit = Invoke-XunitTests; Pester = Invoke-PesterTests -PesterPath $pester }
    $passed = ($results.Values | Measure-Object Passed -Sum).Sum
    $failed = ($results.Values | Measure-Object Failed -Sum).Sum
    $skipped = ($results.Values | Measure-Object Skipped -Sum).Sum
    # Each suite must pass tests of its own: an empty Pester run must not hide behind xunit's passes.
    $empty = @($results.Keys | Where-Object { $results[$_].Passed -eq 0 })
    # Where every real component is required, a skipped test is a component that was not there.
    $requireReal = $env:NGINXKIT_REQUIRE_REAL -eq '1'
    Write-Host ''
    foreach ($suite in $empty) { Write-Host "The $suite suite passed no test." }
    if ($requireReal -and $skipped -gt 0) { Write-Host "NGINXKIT_REQUIRE_REAL=1, yet $skipped tests skipped: each one lacked a real component." }
    $coverage = Get-Coverage engine
    $cmdletCoverage = Get-Coverage cmdlets
    $floor = (Get-Content (Join-Path $Root 'tests/coverage-floor.json') -Raw | ConvertFrom-Json).EngineLinePercent
    $product = $results.xunit.ProductPassed + $results.Pester.ProductPassed
    [ordered]@{ engine = $coverage; engineLineFloor = $floor; cmdlets = $cmdletCoverage; testsPassed = $passed; productTestsPassed = $product } |
        ConvertTo-Json | Set-Content (Join-Path $ResultsDir 'coverage.json')
    $belowFloor = -not $coverage -or $coverage.LinePercent -lt $floor
    if ($coverage) {
        Write-Host "Engine coverage: $($coverage.LinePercent)% of $($coverage.Lines) lines (floor $floor%), $($coverage.BranchPercent)% of branches"
    } else { Write-Host 'Engine coverage: no report was written.' }
    # The cmdlets are measured in-process (tests/NginxKit.Cmdlets.Tests) only; Pester's runs in child pwsh processes are not. No floor yet.
    if ($cmdletCoverage) {
        Write-Host "Cmdlet coverage: $($cmdletCoverage.LinePercent)% of $($cmdletCoverage.Lines) lines, $($cmdletCoverage.BranchPercent)% of branches (in-process tests only)"
    } else { Write-Host 'Cmdlet coverage: no report was written.' }
    Write-Host "$product of the $passed passing tests exercise NginxKit itself; the rest check the fixtures and the help text."
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0 -or $empty -or ($requireReal -and $skipped -gt 0) -or $belowFloor) { exit 1 }
}

function Get-BenchMachine {
    # Ratios are measured within one run, but they still differ between machines: say which one.
    $cpu = Get-Content /proc/cpuinfo -ErrorAction Ignore | Where-Object { $_ -like 'model name*' } | Select-Object -First 1
    [ordered]@{
        cores  = [Environment]::ProcessorCount
        cpu    = if ($cpu) { ($cpu -replace '^model name\s*:\s*').Trim() } else { $null }
        os     = [Environment]::OSVersion.VersionString
        dotnet = [Environment]::Version.ToString()
        pwsh   = $PSVersionTable.PSVersion.ToString()
    }
}

function Invoke-Bench {
    Assert-Built
    $env:NGINXKIT_MODULE_PATH = $ModuleManifest
    $env:NGINXKIT_REPO_ROOT = $Root
    $out = Join-Path $Root 'bench/results.json'
    $scripts = @(Get-ChildItem "$Root/bench" -Filter '*.Bench.ps1' | Sort-Object Name |
        Where-Object { $n = $_.Name -replace '\.Bench\.ps1$'; -not $BenchName -or @($BenchName | Where-Object { $n -like $_ }).Count })
    if (-not $scripts) { throw "No bench is named $($BenchName -join ', '): bench/ has $((Get-ChildItem "$Root/bench" -Filter '*.Bench.ps1').Name -replace '\.Bench\.ps1$' -join ', ')." }
    # A subset replaces only its own entries: the others keep the numbers of the run that made them.
    $results = if ($BenchName -and (Test-Path $out)) { Get-Content $out -Raw | ConvertFrom-Json -AsHashtable } else { [ordered]@{} }
    $results.machine = Get-BenchMachine
    $results.timestamp = [DateTime]::UtcNow.ToString('o')
    $results.version = $Version
    foreach ($script in $scripts) {
        $name = $script.Name -replace '\.Bench\.ps1$'
        Write-Host "==> Bench $name"
        # Progress lines go to the console as they come; the last JSON line is the result.
        $lines = Invoke-ChildPwsh -AllowFailure ". '$($script.FullName)'" | ForEach-Object { if ("$_" -notlike '{*') { Write-Host $_ }; "$_" }
        $json = @($lines | Where-Object { $_ -like '{*' }) | Select-Object -Last 1
        $results[$name] = if ($json) { $json | ConvertFrom-Json -AsHashtable } else { @{ error = "bench script failed (exit $LASTEXITCODE)" } }
        $results[$name].timestamp = $results.timestamp
    }
    $results | ConvertTo-Json -Depth 8 | Set-Content $out
    $ran = $scripts.Name -replace '\.Bench\.ps1$'
    foreach ($name in $ran | Where-Object { $results[$_] -is [System.Collections.IDictionary] -and $results[$_].Contains('table') }) {
        Write-Host "`n$name"
        $results[$name].table | ForEach-Object { [pscustomobject]$_ } | Format-Table -AutoSize | Out-String -Width 250 | Write-Host
    }
    Write-Host "results: $out"
}

function Invoke-Package {
    Assert-Built
    $dest = Join-Path $Root 'out/packages'
    New-Item -ItemType Directory -Force $dest | Out-Null
    Remove-Item "$dest/NginxKit.*.nupkg" -ErrorAction Ignore
    Write-Host "==> Package NginxKit $Version"
    # PSResourceGet writes the package itself, so the nupkg is exactly what Install-PSResource expects.
    Invoke-ChildPwsh @"
`$ErrorActionPreference = 'Stop'
`$name = 'NginxKitBuild' + [guid]::NewGuid().ToString('N')
Register-PSResourceRepository -Name `$name -Uri '$dest' -Trusted
try { Publish-PSResource -Path '$ModuleDir' -Repository `$name -SkipDependenciesCheck }
finally { Unregister-PSResourceRepository -Name `$name }
"@
    Get-ChildItem "$dest/NginxKit.$Version.nupkg" | ForEach-Object { Write-Host "    $($_.FullName)" }
}

function Invoke-Demo {
    # Needs no root and no native linker: the module (not nginxkit-sync), the fake API server and the echo backend.
    if (-not (Test-Path $ModuleManifest)) { Invoke-ModuleBuild }
    Write-Host '==> Demo fixtures: the fake API server and the echo backend'
    Build-TestFixtures -Name FakeKubeApi, EchoBackend
    Invoke-ChildPwsh "& '$Root/examples/Demo.ps1' -ModulePath '$ModuleManifest'"
}

function Get-UserModulePath {
    # The current user's module folder: the first PSModulePath entry under the home directory.
    $home_ = [Environment]::GetFolderPath('UserProfile')
    $entry = $env:PSModulePath -split [IO.Path]::PathSeparator | Where-Object { $_ -and $_.StartsWith($home_) } | Select-Object -First 1
    if ($entry) { return $entry }
    if ($IsWindows) { Join-Path ([Environment]::GetFolderPath('MyDocuments')) 'PowerShell/Modules' }
    else { Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'powershell/Modules' }
}

function Invoke-Install {
    Assert-Built
    $dest = Join-Path (Get-UserModulePath) "NginxKit/$Version"
    Write-Host "==> Install NginxKit $Version into $dest"
    if (Test-Path $dest) { Remove-Item $dest -Recurse -Force }
    New-Item -ItemType Directory -Force $dest | Out-Null
    Copy-Item "$ModuleDir/*" $dest -Recurse
    Write-Host "    Import-Module NginxKit now loads it by name in a new session."
}

function Invoke-Clean {
    Write-Host '==> Clean'
    Remove-Item (Join-Path $Root 'out') -Recurse -Force -ErrorAction Ignore
    Get-ChildItem $Root -Directory -Recurse -Include bin, obj -ErrorAction Ignore |
        Where-Object FullName -notmatch '[\\/]\.git[\\/]' | Remove-Item -Recurse -Force -ErrorAction Ignore
}

foreach ($t in $Task) { & "Invoke-$t" }
