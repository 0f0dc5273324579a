#Requires -Version 7.6
<#
.SYNOPSIS
    Goals for rendering 10,000 routes, against what users write by hand today.
.DESCRIPTION
    (a) The C# core (RouteSet.Build + NginxConf.Render, hash included) takes < 5 ms for 10,000 typed
        routes, and is >= 10x faster than a hand-written PowerShell loop over a here-string.
        The harness runs twice, before and after the pwsh rounds, and the goal is judged on the
        median of both runs' samples. For reference, the same calls are also timed in this pwsh
        process, interleaved with the loops, on the module's own engine: the cost in a session's
        first renders, before .NET has optimized the code that is not NginxKit's own.
        From 2,048 routes on, RouteSet.Build checks the two halves on two threads; the rest of the
        core runs on one.
    (b) New-NginxConf adds little to a pipeline: `Get-NginxRoute -Path <10k Services> | New-NginxConf`
        is <= 1.2x the same pipeline into Out-Null. `$typedRoutes | New-NginxConf`, with NginxRoute
        objects already in memory, is reported for reference only: PowerShell drops
        `$typedRoutes | Out-Null` without running a pipeline, so it is no baseline.
    (c) `$pscustomobjects | New-NginxConf` is no slower than the hand-written loop (ratio <= 1.0).
    (d) nginx's own parse of the rendered config (`nginx -t`, Debian's nginx) for 100, 1,000 and
        10,000 routes over 50 namespaces, some nested under others: the locations layout (a location
        block per route) against the maps layout (-Layout Maps), time and peak memory (max RSS from
        /usr/bin/time), samples interleaved. Goal: at 10,000 routes the maps layout parses in at most
        a fifth of the locations layout's time. The C# core is also timed rendering each layout.

    The machines are noisy and have 2 cores, so nothing here asserts a time: every goal is judged on
    medians taken in this one run, after warm-up, with the compared cases interleaved so drift in
    load touches them alike. A garbage collection before each sample keeps one case's garbage from
    being collected on the next case's clock; the C# harness samples the same way, so the speedup
    in (a) compares like with like (it also reports back-to-back iterations, GC on the clock).
    The hand-written loop comes in two common shapes (StringBuilder, -join); the faster is the
    reference, so each goal is judged against the best a user gets by hand.

    When a goal is missed, the breakdown rows say where the time goes: the same pipelines into two
    no-op compiled cmdlets that declare New-NginxConf's exact parameters, one a plain PSCmdlet (the
    cost of PowerShell's parameter binding alone) and one on NginxKit's AsyncCmdlet base (binding
    plus the per-record async plumbing). What New-NginxConf takes beyond that is its own work. A
    third no-op cmdlet with a single ValueFromPipeline parameter is the floor for any pipeline cmdlet.
    `New-NginxConf -Route $typedRoutes` (one bind for all routes) is timed for the same reason.

    Run by `build.ps1 Bench` with NGINXKIT_MODULE_PATH and NGINXKIT_REPO_ROOT set; prints progress
    with Write-Host and one compact JSON object as the last line of stdout.
#>
param(
    [int] $RouteCount = 10000,
    # Samples per in-memory case, and per Get-NginxRoute case (those take about a second each).
    [int] $Repeat = 9,
    [int] $YamlRepeat = 5,
    [int] $CoreIterations = 50
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

Import-Module "$PSScriptRoot/BenchHelpers.psm1"
$repo = Get-BenchRepoRoot
$module = Get-BenchModulePath
$work = Join-Path $repo 'out/bench'

$goal = [ordered]@{ core_ms = 5.0; core_speedup = 10.0; pipeline_ratio = 1.2; objects_ratio = 1.0; parse_ratio = 0.2 }


function Measure-Interleaved {
    # Times each case $Repeat times, round-robin, after $Warmup untimed rounds; returns name -> median ms.
    param([System.Collections.Specialized.OrderedDictionary] $Cases, [int] $Repeat, [int] $Warmup = 2)
    $samples = @{}
    foreach ($name in $Cases.Keys) { $samples[$name] = [Collections.Generic.List[double]]::new() }
    for ($round = -$Warmup; $round -lt $Repeat; $round++) {
        foreach ($name in $Cases.Keys) {
            [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $null = & $Cases[$name]
            $sw.Stop()
            if ($round -ge 0) { $samples[$name].Add($sw.Elapsed.TotalMilliseconds) }
        }
    }
    $medians = [ordered]@{}
    foreach ($name in $Cases.Keys) {
        $medians[$name] = Get-Median $samples[$name]
        Write-Host ("    {0,-24} median {1,9:N2} ms  (min {2:N2}, max {3:N2})" -f $name, $medians[$name],
            ($samples[$name] | Measure-Object -Minimum).Minimum, ($samples[$name] | Measure-Object -Maximum).Maximum)
    }
    $medians
}

function Get-ConfHash([string] $Text) {
    # The hash New-NginxConf writes in the config's first line; equal hashes mean equal work was done.
    if ($Text -match '^# nginxkit-hash: (\S+)') { $Matches[1] } else { $null }
}

# C# source for attributes and types read by reflection, for the breakdown's no-op cmdlets.
function ConvertTo-CSharpType([type] $Type) {
    if ($Type.IsArray) { return (ConvertTo-CSharpType $Type.GetElementType()) + '[]' }
    if ($Type.IsGenericType) {
        $name = $Type.GetGenericTypeDefinition().FullName -replace '`\d+$'
        return "global::$name<$(($Type.GetGenericArguments() | ForEach-Object { ConvertTo-CSharpType $_ }) -join ', ')>"
    }
    'global::' + ($Type.FullName -replace '\+', '.')
}
function ConvertTo-CSharpLiteral([Reflection.CustomAttributeTypedArgument] $Argument) {
    $value = $Argument.Value
    if ($value -is [System.Collections.ObjectModel.ReadOnlyCollection[Reflection.CustomAttributeTypedArgument]]) {
        return "new $(ConvertTo-CSharpType $Argument.ArgumentType.GetElementType())[] { $(($value | ForEach-Object { ConvertTo-CSharpLiteral $_ }) -join ', ') }"
    }
    if ($null -eq $value) { return 'null' }
    if ($Argument.ArgumentType.IsEnum) { return "($(ConvertTo-CSharpType $Argument.ArgumentType))$value" }
    if ($value -is [string]) { return '@"' + ($value -replace '"', '""') + '"' }
    if ($value -is [bool]) { return $value.ToString().ToLowerInvariant() }
    if ($value -is [type]) { return "typeof($(ConvertTo-CSharpType $value))" }
    [string]::Format([cultureinfo]::InvariantCulture, '{0}', $value)
}
function ConvertTo-CSharpAttribute([Reflection.CustomAttributeData] $Attribute) {
    $arguments = @($Attribute.ConstructorArguments | ForEach-Object { ConvertTo-CSharpLiteral $_ }) +
        @($Attribute.NamedArguments | ForEach-Object { "$($_.MemberName) = $(ConvertTo-CSharpLiteral $_.TypedValue)" })
    "[$(ConvertTo-CSharpType $Attribute.AttributeType)($($arguments -join ', '))]"
}

# ---------------------------------------------------------------------------------------------
# (a, part 1) The C# core, in its own process.
# ---------------------------------------------------------------------------------------------
Write-Host '    building the C# harness (bench/NginxKit.Bench, Release)'
$harnessDir = Join-Path $work 'harness'
# The module's version, as build.ps1 gives it: the harness builds the engine project too, and a
# different version would make the next build.ps1 Build compile the engine all over again.
$version = (Import-PowerShellDataFile (Join-Path $repo 'NginxKit.psd1')).ModuleVersion
$buildLog = & dotnet build (Join-Path $PSScriptRoot 'NginxKit.Bench/NginxKit.Bench.csproj') -c Release -o $harnessDir "-p:Version=$version" --nologo -v quiet 2>&1
if ($LASTEXITCODE -ne 0) {
    $buildLog | ForEach-Object { Write-Host "    $_" }
    throw "dotnet build of bench/NginxKit.Bench failed ($LASTEXITCODE)"
}
function Invoke-CoreHarness([string] $Layout = 'Auto') {
    Write-Host "    timing the C# core: $RouteCount routes ($Layout layout), $CoreIterations iterations after warm-up"
    # The harness reports progress on stderr; only its last stdout line is the result.
    $json = & dotnet (Join-Path $harnessDir 'NginxKit.Bench.dll') --routes $RouteCount --iterations $CoreIterations --layout $Layout 2>$null
    if ($LASTEXITCODE -ne 0) { throw "the C# harness exited with $LASTEXITCODE" }
    ($json | Select-Object -Last 1) | ConvertFrom-Json -AsHashtable
}
# Run twice, before and after the pwsh rounds, and judged on the samples of both: a noisy spell
# on a shared machine then weighs on the core much as it does on the loops timed in between.
$core = Invoke-CoreHarness
Write-Host ("    C# core median {0:N2} ms (RouteSet.Build {1:N2} + Render {2:N2}; hash alone {3:N2}); min {4:N2}, max {5:N2}; {6} gen2 GCs on the clock in {7} iterations" -f
    $core.median_ms, $core.build_median_ms, $core.render_median_ms, $core.hash_only_median_ms, $core.min_ms, $core.max_ms, $core.gen2_during_timed, $CoreIterations)
Write-Host ("    C# core back-to-back (no GC between iterations) median {0:N2} ms, {1} gen2 GCs on the clock" -f $core.back_to_back_median_ms, $core.back_to_back_gen2)

# ---------------------------------------------------------------------------------------------
# Inputs, the same routes as the harness: /svc<i> -> 10.96.<i/250>.<i%250+1>:<8000+i%1000>.
# ---------------------------------------------------------------------------------------------
Import-Module $module
Write-Host "    generating $RouteCount PSCustomObjects and a $RouteCount-Service manifest"
$objects = foreach ($i in 0..($RouteCount - 1)) {
    [pscustomobject]@{
        Path      = "/svc$i"
        Backend   = "10.96.$([math]::Floor($i / 250)).$($i % 250 + 1)"
        Port      = 8000 + $i % 1000
        Service   = "svc$i"
        Namespace = "ns$($i % 10)"
    }
}

# What `kubectl get svc -A -o yaml` prints, trimmed to what Get-NginxRoute reads.
$yamlDir = Join-Path $work "yaml-$PID"
New-Item -ItemType Directory -Force $yamlDir | Out-Null
try {
    $yamlPath = Join-Path $yamlDir 'services.yaml'
    $yaml = [Text.StringBuilder]::new("apiVersion: v1`nkind: List`nmetadata:`n  resourceVersion: `"`"`nitems:`n")
    foreach ($o in $objects) {
        $null = $yaml.Append(@"
- apiVersion: v1
  kind: Service
  metadata:
    name: $($o.Service)
    namespace: $($o.Namespace)
    annotations:
      nginxkit.io/path: $($o.Path)
  spec:
    clusterIP: $($o.Backend)
    ports:
    - port: $($o.Port)
      protocol: TCP
      targetPort: 8080
    type: ClusterIP

"@)
    }
    [IO.File]::WriteAllText($yamlPath, $yaml.ToString())
    $yaml = $null

    $typedRoutes = @(Get-NginxRoute -Path $yamlPath)
    if ($typedRoutes.Count -ne $RouteCount) { throw "Get-NginxRoute returned $($typedRoutes.Count) routes, expected $RouteCount" }

    # -----------------------------------------------------------------------------------------
    # The hand-written loops: what users write today. No validation, no ordering, no hash; the
    # same directives per location as New-NginxConf, so both produce a config of the same size.
    # Two common shapes; the faster one is the reference, so the goals compare against the best
    # a user would get by hand.
    # -----------------------------------------------------------------------------------------
    $handStringBuilder = {
        $sb = [System.Text.StringBuilder]::new()
        [void]$sb.Append(@"
server {
    listen 80;
    server_name _;
    absolute_redirect off;

"@)
        foreach ($r in $objects) {
            [void]$sb.Append(@"
    # $($r.Namespace)/$($r.Service)
    location $($r.Path)/ {
        proxy_pass http://$($r.Backend):$($r.Port)/;
        proxy_redirect off;
        proxy_set_header Host `$host;
        proxy_set_header X-Real-IP `$remote_addr;
        proxy_set_header X-Forwarded-For `$proxy_add_x_forwarded_for;
    }

"@)
        }
        [void]$sb.Append(@"
    error_page 500 502 503 504 /50x.html;
    location = /50x.html {
        root /usr/share/nginx/html;
    }
}

"@)
        $sb.ToString()
    }
    $handJoin = {
        $locations = foreach ($r in $objects) {
            @"
    # $($r.Namespace)/$($r.Service)
    location $($r.Path)/ {
        proxy_pass http://$($r.Backend):$($r.Port)/;
        proxy_redirect off;
        proxy_set_header Host `$host;
        proxy_set_header X-Real-IP `$remote_addr;
        proxy_set_header X-Forwarded-For `$proxy_add_x_forwarded_for;
    }
"@
        }
        @"
server {
    listen 80;
    server_name _;
    absolute_redirect off;

$($locations -join "`n`n")

    error_page 500 502 503 504 /50x.html;
    location = /50x.html {
        root /usr/share/nginx/html;
    }
}

"@
    }

    # -----------------------------------------------------------------------------------------
    # The core again, in this process, on the module's own engine (for reference): NginxKit's hot
    # paths run optimized from the first call, the hash and BCL code they call only once .NET
    # has tiered them up, which a session that renders a few times may never see.
    # -----------------------------------------------------------------------------------------
    $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'NginxKit.Engine' } | Select-Object -First 1
    $routeType = $engine.GetType('NginxKit.Engine.Nginx.Route', $true)
    $routeArray = [Array]::CreateInstance($routeType, $RouteCount)
    for ($i = 0; $i -lt $RouteCount; $i++) {
        $o = $objects[$i]
        $r = [Activator]::CreateInstance($routeType, @([string]$o.Path, [string]$o.Backend, [int]$o.Port))
        $routeType.GetProperty('Service').SetValue($r, $o.Service)
        $routeType.GetProperty('Namespace').SetValue($r, $o.Namespace)
        $routeArray[$i] = $r
    }
    $buildMethod = $engine.GetType('NginxKit.Engine.Nginx.RouteSet', $true).GetMethod('Build')
    $renderMethod = $engine.GetType('NginxKit.Engine.Nginx.NginxConf', $true).GetMethod('Render')
    $coreOptions = [Activator]::CreateInstance($engine.GetType('NginxKit.Engine.Nginx.NginxConfOptions', $true))
    $coreInProcess = {
        $set = $buildMethod.Invoke($null, @($routeArray, '_'))
        $renderMethod.Invoke($null, @($set.Accepted, $coreOptions, $null))
    }
    for ($i = 0; $i -lt 20; $i++) { $null = & $coreInProcess }

    # Every form must render the very config the harness timed, or the comparison is not like for like.
    $hashes = [ordered]@{
        core    = $core.hash
        coreInProcess = (& $coreInProcess).Hash
        objects = Get-ConfHash ($objects | New-NginxConf)
        typed   = Get-ConfHash ($typedRoutes | New-NginxConf)
        route   = Get-ConfHash (New-NginxConf -Route $typedRoutes)
        yaml    = Get-ConfHash (Get-NginxRoute -Path $yamlPath | New-NginxConf)
    }
    $outputsMatch = @($hashes.Values | Select-Object -Unique).Count -eq 1
    if (-not $outputsMatch) { Write-Warning "The forms rendered different configs: $(($hashes.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ', ')" }
    $handChars = (& $handStringBuilder).Length
    Write-Host ("    config size: New-NginxConf {0:N0} chars, hand-written {1:N0} chars" -f $core.conf_chars, $handChars)

    # -----------------------------------------------------------------------------------------
    # For the breakdown: no-op cmdlets that declare New-NginxConf's parameters. The declarations
    # are read from the loaded cmdlet by reflection, so they follow New-NginxConf as it changes.
    # -----------------------------------------------------------------------------------------
    $newConfType = (Get-Command New-NginxConf).ImplementingType
    $nginxKitDll = $newConfType.Assembly.Location
    $engineDll = Join-Path (Split-Path $nginxKitDll) 'Dependencies/NginxKit.Engine.dll'
    $cmdletAttribute = [Reflection.CustomAttributeData]::GetCustomAttributes($newConfType) |
        Where-Object { $_.AttributeType -eq [System.Management.Automation.CmdletAttribute] }
    $parameters = ($newConfType.GetProperties() | Where-Object { $_.IsDefined([System.Management.Automation.ParameterAttribute], $true) } |
        ForEach-Object {
            $attributes = [Reflection.CustomAttributeData]::GetCustomAttributes($_) | Where-Object {
                # Compiler-emitted nullability markers are not visible to C#, and mean nothing to binding.
                $_.AttributeType.Namespace -ne 'System.Runtime.CompilerServices'
            } | ForEach-Object {
                if (-not $_.AttributeType.IsPublic) { throw "New-NginxConf uses the non-public attribute $($_.AttributeType); the breakdown cannot mirror it." }
                ConvertTo-CSharpAttribute $_
            }
            "        $($attributes -join ' ') public $(ConvertTo-CSharpType $_.PropertyType) $($_.Name) { get; set; }"
        }) -join "`n"
    $cmdletArguments = ($cmdletAttribute.NamedArguments | ForEach-Object { "$($_.MemberName) = $(ConvertTo-CSharpLiteral $_.TypedValue)" }) -join ', '
    $noopSource = @"
using System.Management.Automation;
namespace NginxKitBench
{
    // Binding only: PowerShell binds every record; ProcessRecord does nothing.
    [Cmdlet("Invoke", "BenchBindOnly", $cmdletArguments)]
    public sealed class BindOnlyCommand : PSCmdlet
    {
$parameters
    }

    // Binding plus NginxKit's AsyncCmdlet base, which runs each record through its synchronization context.
    [Cmdlet("Invoke", "BenchBindAsync", $cmdletArguments)]
    public sealed class BindAsyncCommand : NginxKit.Infrastructure.AsyncCmdlet
    {
$parameters
    }

    // The floor for any pipeline cmdlet: one parameter, bound by value, no parameter sets.
    [Cmdlet("Invoke", "BenchPipelineFloor")]
    public sealed class PipelineFloorCommand : PSCmdlet
    {
        [Parameter(ValueFromPipeline = true)] public object InputObject { get; set; }
    }
}
"@
    Write-Host '    compiling the no-op cmdlets for the breakdown'
    # Kept on disk so a surprising breakdown can be checked against what was actually compiled.
    Set-Content (Join-Path $work 'BenchNoopCmdlets.cs') $noopSource
    $noopTypes = Add-Type -TypeDefinition $noopSource -ReferencedAssemblies $nginxKitDll, $engineDll, ([PSObject].Assembly.Location) -PassThru -WarningAction Ignore
    Import-Module -Assembly $noopTypes[0].Assembly

    # -----------------------------------------------------------------------------------------
    # (a, part 2) and (c): in-memory input. All in one interleaved set so the ratios share conditions.
    # -----------------------------------------------------------------------------------------
    Write-Host "    timing in-memory pipelines: $Repeat samples each, interleaved"
    $memory = Measure-Interleaved -Repeat $Repeat -Cases ([ordered]@{
            'hand: StringBuilder'      = $handStringBuilder
            'hand: -join'              = $handJoin
            'core (in process)'        = $coreInProcess
            'objects | New-NginxConf'  = { $objects | New-NginxConf }
            'typed | New-NginxConf'    = { $typedRoutes | New-NginxConf }
            # PowerShell rewrites `<expression> | Out-Null` to run nothing at all (PowerShell PR #2629,
            # MiscOps.cs), so this baseline is the cost of reading a variable, not of a pipeline.
            'typed | Out-Null'         = { $typedRoutes | Out-Null }
            'New-NginxConf -Route'     = { New-NginxConf -Route $typedRoutes }
            'objects | BindOnly'       = { $objects | Invoke-BenchBindOnly }
            'objects | Floor'          = { $objects | Invoke-BenchPipelineFloor }
            'objects | BindAsync'      = { $objects | Invoke-BenchBindAsync }
            'typed | BindOnly'         = { $typedRoutes | Invoke-BenchBindOnly }
            'typed | BindAsync'        = { $typedRoutes | Invoke-BenchBindAsync }
        })

    # -----------------------------------------------------------------------------------------
    # (b) From manifests on disk: Get-NginxRoute reads and checks 10,000 Services in both cases.
    # -----------------------------------------------------------------------------------------
    # Here PowerShell drops the Out-Null and gives Get-NginxRoute a null pipe: the baseline is
    # Get-NginxRoute's own work, which both cases share.
    $coreAfter = Invoke-CoreHarness
    Write-Host ("    C# core, second run: median {0:N2} ms (RouteSet.Build {1:N2} + Render {2:N2})" -f $coreAfter.median_ms, $coreAfter.build_median_ms, $coreAfter.render_median_ms)

    Write-Host "    timing Get-NginxRoute pipelines: $YamlRepeat samples each, interleaved"
    $disk = Measure-Interleaved -Repeat $YamlRepeat -Warmup 1 -Cases ([ordered]@{
            'yaml | New-NginxConf' = { Get-NginxRoute -Path $yamlPath | New-NginxConf }
            'yaml | Out-Null'      = { Get-NginxRoute -Path $yamlPath | Out-Null }
        })
}
finally {
    Remove-Item $yamlDir -Recurse -Force -ErrorAction Ignore
}

# ---------------------------------------------------------------------------------------------
# (d) nginx -t on each layout, and the core rendering each.
# ---------------------------------------------------------------------------------------------
function New-ScaleRoutes([int] $Count) {
    # 50 namespaces, each with a route at /<ns>; every fifth Service has another nested under its own path.
    $list = [Collections.Generic.List[object]]::new()
    foreach ($n in 0..49) { $list.Add([pscustomobject]@{ Path = "/ns$n"; Backend = "10.97.0.$($n + 1)"; Port = 80; Service = 'home'; Namespace = "ns$n" }) }
    for ($i = 0; $list.Count -lt $Count; $i++) {
        $ns = $i % 50
        $path = "/ns$ns/svc$i"
        $list.Add([pscustomobject]@{ Path = $path; Backend = "10.96.$([math]::Floor($i / 250) % 256).$($i % 250 + 1)"; Port = 8000 + $i % 1000; Service = "svc$i"; Namespace = "ns$ns"; StripPrefix = ($i % 3 -ne 0) })
        if ($i % 5 -eq 0 -and $list.Count -lt $Count) {
            $list.Add([pscustomobject]@{ Path = "$path/v2"; Backend = "10.98.$([math]::Floor($i / 250) % 256).$($i % 250 + 1)"; Port = 9000; Service = "svc$i-v2"; Namespace = "ns$ns" })
        }
    }
    $list
}

function Measure-NginxParse([int[]] $Counts, [int] $Samples) {
    $nginx = (Get-Command nginx -CommandType Application -ErrorAction Ignore | Select-Object -First 1).Source
    if (-not $nginx -and (Test-Path /usr/sbin/nginx)) { $nginx = '/usr/sbin/nginx' }
    if (-not $nginx) { throw 'nginx is not installed: apt-get install nginx-light (or build.ps1 Test, which installs it).' }
    $prefix = Join-Path $work "nginx-t-$PID"
    New-Item -ItemType Directory -Force $prefix | Out-Null
    $cases = [ordered]@{}
    try {
        foreach ($count in $Counts) {
            $routes = New-ScaleRoutes $count
            foreach ($layout in 'Locations', 'Maps') {
                $name = "$layout $count"
                $dir = Join-Path $prefix "$layout-$count"
                New-Item -ItemType Directory -Force $dir | Out-Null
                $conf = $routes | New-NginxConf -Layout $layout -Listen '127.0.0.1:18080'
                [IO.File]::WriteAllText((Join-Path $dir 'default.conf'), $conf)
                [IO.File]::WriteAllText((Join-Path $dir 'nginx.conf'), @"
pid $dir/nginx.pid;
error_log $dir/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $dir/body; proxy_temp_path $dir/proxy; fastcgi_temp_path $dir/fastcgi; uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
    include $dir/default.conf;
}
"@)
                $cases[$name] = [ordered]@{ layout = $layout; routes = $count; dir = $dir; bytes = [Text.Encoding]::UTF8.GetByteCount($conf); ms = [Collections.Generic.List[double]]::new(); kb = [Collections.Generic.List[double]]::new() }
            }
        }
        # One untimed round, then the samples, round-robin so load drifts touch every case alike.
        for ($round = -1; $round -lt $Samples; $round++) {
            foreach ($case in $cases.Values) {
                # time(1) gives the peak memory; its own clock counts in 10 ms steps, so the stopwatch times it.
                $sw = [Diagnostics.Stopwatch]::StartNew()
                $out = & /usr/bin/time -f 'nginxkit-bench %M' $nginx -t -q -p $case.dir -c (Join-Path $case.dir 'nginx.conf') 2>&1
                $sw.Stop()
                if ($LASTEXITCODE -ne 0) { throw "nginx -t failed on the $($case.layout) layout of $($case.routes) routes: $out" }
                $line = @($out | Where-Object { "$_" -like 'nginxkit-bench *' })[-1] -split ' '
                if ($round -ge 0) { $case.ms.Add($sw.Elapsed.TotalMilliseconds); $case.kb.Add([double]$line[1]) }
            }
        }
    } finally {
        Remove-Item $prefix -Recurse -Force -ErrorAction Ignore
    }
    $parse = [ordered]@{}
    foreach ($name in $cases.Keys) {
        $case = $cases[$name]
        $parse[$name] = [ordered]@{ layout = $case.layout; routes = $case.routes; conf_bytes = $case.bytes; median_ms = Get-Median $case.ms; max_rss_mb = [math]::Round((Get-Median $case.kb) / 1024, 1) }
        Write-Host ("    nginx -t {0,-16} {1,8:N1} ms  {2,6:N1} MB peak  ({3:N0} bytes of config)" -f $name, $parse[$name].median_ms, $parse[$name].max_rss_mb, $case.bytes)
    }
    $parse
}

Write-Host '    timing nginx -t on both layouts: 100, 1,000 and 10,000 routes over 50 namespaces'
$parse = Measure-NginxParse -Counts 100, 1000, 10000 -Samples 5
$coreLocations = Invoke-CoreHarness -Layout Locations
$coreMaps = Invoke-CoreHarness -Layout Maps
Write-Host ("    C# core, locations layout: median {0:N2} ms (Render {1:N2}); maps layout: median {2:N2} ms (Render {3:N2})" -f
    $coreLocations.median_ms, $coreLocations.render_median_ms, $coreMaps.median_ms, $coreMaps.render_median_ms)

# ---------------------------------------------------------------------------------------------
# Ratios and goals.
# ---------------------------------------------------------------------------------------------
function Round([double] $x, [int] $Digits = 3) { [math]::Round($x, $Digits) }

$handMs = [math]::Min($memory['hand: StringBuilder'], $memory['hand: -join'])
$handName = if ($memory['hand: StringBuilder'] -le $memory['hand: -join']) { 'StringBuilder' } else { '-join' }
$coreMs = Get-Median ([double[]]@($core.samples_ms) + [double[]]@($coreAfter.samples_ms))
$coreSpeedup = $handMs / $coreMs
$yamlRatio = $disk['yaml | New-NginxConf'] / $disk['yaml | Out-Null']
$typedRatio = $memory['typed | New-NginxConf'] / $memory['typed | Out-Null']
$objectsRatio = $memory['objects | New-NginxConf'] / $handMs

$parseRatio = $parse['Maps 10000'].median_ms / $parse['Locations 10000'].median_ms

$met = [ordered]@{
    a_core_under_5ms       = $coreMs -lt $goal.core_ms
    a_core_10x_faster      = $coreSpeedup -ge $goal.core_speedup
    b_yaml_pipeline_ratio  = $yamlRatio -le $goal.pipeline_ratio
    c_objects_vs_hand      = $objectsRatio -le $goal.objects_ratio
    d_maps_parse_ratio     = $parseRatio -le $goal.parse_ratio
}

function Share([string] $Part, [string] $Whole) { Round ($memory[$Part] / $memory[$Whole]) 2 }
# Names stay short: build.ps1 prints this table at the console's width. "ratio" is the row's
# median over the thing named after the slash; for the "share" rows, over New-NginxConf's own median
# on the same input (1-param no-op: the floor for any pipeline cmdlet; no-op PSCmdlet: New-NginxConf's
# parameters, binding only; no-op AsyncCmdlet: the same on NginxKit's base class).
$rows = @(
    [ordered]@{ measure = 'C# core: Build+Render+hash'; median_ms = Round $coreMs 2; ratio = $null; goal = "< $($goal.core_ms) ms"; met = $met.a_core_under_5ms }
    [ordered]@{ measure = '  C# core, first run (ref)'; median_ms = Round $core.median_ms 2; ratio = $null; goal = ''; met = $null }
    [ordered]@{ measure = '  C# core, second run (ref)'; median_ms = Round $coreAfter.median_ms 2; ratio = $null; goal = ''; met = $null }
    [ordered]@{ measure = '  C# core called in pwsh (ref)'; median_ms = Round $memory['core (in process)'] 2; ratio = $null; goal = ''; met = $null }
    [ordered]@{ measure = '  C# core, GC on the clock (ref)'; median_ms = Round $core.back_to_back_median_ms 2; ratio = $null; goal = ''; met = $null }
    [ordered]@{ measure = "hand loop ($handName) / C# core"; median_ms = Round $handMs 2; ratio = Round $coreSpeedup 2; goal = ">= $($goal.core_speedup)"; met = $met.a_core_10x_faster }
    [ordered]@{ measure = 'yaml | New-NginxConf / Out-Null'; median_ms = Round $disk['yaml | New-NginxConf'] 1; ratio = Round $yamlRatio 2; goal = "<= $($goal.pipeline_ratio)"; met = $met.b_yaml_pipeline_ratio }
    [ordered]@{ measure = '  yaml | Out-Null (ref)'; median_ms = Round $disk['yaml | Out-Null'] 1; ratio = $null; goal = ''; met = $null }
    # Not goal (b): PowerShell drops `$typedRoutes | Out-Null` altogether, so this baseline is no pipeline.
    [ordered]@{ measure = '  typed | New-NginxConf (ref)'; median_ms = Round $memory['typed | New-NginxConf'] 2; ratio = $null; goal = ''; met = $null }
    [ordered]@{ measure = '  New-NginxConf -Route typed (ref)'; median_ms = Round $memory['New-NginxConf -Route'] 2; ratio = $null; goal = ''; met = $null }
    [ordered]@{ measure = 'objects | New-NginxConf / hand loop'; median_ms = Round $memory['objects | New-NginxConf'] 2; ratio = Round $objectsRatio 2; goal = "<= $($goal.objects_ratio)"; met = $met.c_objects_vs_hand }
    [ordered]@{ measure = '  hand loop: StringBuilder (ref)'; median_ms = Round $memory['hand: StringBuilder'] 2; ratio = $null; goal = ''; met = $null }
    [ordered]@{ measure = '  hand loop: -join (ref)'; median_ms = Round $memory['hand: -join'] 2; ratio = $null; goal = ''; met = $null }
    [ordered]@{ measure = 'share: objects | 1-param no-op'; median_ms = Round $memory['objects | Floor'] 2; ratio = Share 'objects | Floor' 'objects | New-NginxConf'; goal = ''; met = $null }
    [ordered]@{ measure = 'share: objects | no-op PSCmdlet'; median_ms = Round $memory['objects | BindOnly'] 2; ratio = Share 'objects | BindOnly' 'objects | New-NginxConf'; goal = ''; met = $null }
    [ordered]@{ measure = 'share: objects | no-op AsyncCmdlet'; median_ms = Round $memory['objects | BindAsync'] 2; ratio = Share 'objects | BindAsync' 'objects | New-NginxConf'; goal = ''; met = $null }
    [ordered]@{ measure = 'share: typed | no-op PSCmdlet'; median_ms = Round $memory['typed | BindOnly'] 2; ratio = Share 'typed | BindOnly' 'typed | New-NginxConf'; goal = ''; met = $null }
    [ordered]@{ measure = 'share: typed | no-op AsyncCmdlet'; median_ms = Round $memory['typed | BindAsync'] 2; ratio = Share 'typed | BindAsync' 'typed | New-NginxConf'; goal = ''; met = $null }
    [ordered]@{ measure = 'nginx -t 10k: maps / locations'; median_ms = Round $parse['Maps 10000'].median_ms 1; ratio = Round $parseRatio 3; goal = "<= $($goal.parse_ratio)"; met = $met.d_maps_parse_ratio }
    foreach ($name in $parse.Keys) {
        [ordered]@{ measure = "  nginx -t $name (ref)"; median_ms = Round $parse[$name].median_ms 1; ratio = $null; goal = "$($parse[$name].max_rss_mb) MB"; met = $null }
    }
    [ordered]@{ measure = '  C# core, locations layout (ref)'; median_ms = Round $coreLocations.median_ms 2; ratio = $null; goal = ''; met = $null }
    [ordered]@{ measure = '  C# core, maps layout (ref)'; median_ms = Round $coreMaps.median_ms 2; ratio = $null; goal = ''; met = $null }
)

$result = [ordered]@{
    goal          = "10k routes: C# core < $($goal.core_ms) ms and >= $($goal.core_speedup)x the hand-written loop; New-NginxConf <= $($goal.pipeline_ratio)x the same pipeline into Out-Null; PSCustomObjects | New-NginxConf <= $($goal.objects_ratio)x the hand-written loop; nginx -t on the maps layout <= $($goal.parse_ratio)x the locations layout"
    routes        = $RouteCount
    repeat        = $Repeat
    yaml_repeat   = $YamlRepeat
    outputs_match = $outputsMatch
    core          = $core
    medians_ms    = [ordered]@{
        core                    = $coreMs
        core_first_run          = $core.median_ms
        core_second_run         = $coreAfter.median_ms
        core_in_pwsh            = Round $memory['core (in process)']
        hand_stringbuilder      = Round $memory['hand: StringBuilder']
        hand_join               = Round $memory['hand: -join']
        hand_reference          = Round $handMs
        objects_new_nginxconf   = Round $memory['objects | New-NginxConf']
        typed_new_nginxconf     = Round $memory['typed | New-NginxConf']
        typed_out_null          = Round $memory['typed | Out-Null']
        typed_route_parameter   = Round $memory['New-NginxConf -Route']
        yaml_new_nginxconf      = Round $disk['yaml | New-NginxConf']
        yaml_out_null           = Round $disk['yaml | Out-Null']
        objects_pipeline_floor  = Round $memory['objects | Floor']
        objects_bind_only       = Round $memory['objects | BindOnly']
        objects_bind_async      = Round $memory['objects | BindAsync']
        typed_bind_only         = Round $memory['typed | BindOnly']
        typed_bind_async        = Round $memory['typed | BindAsync']
    }
    ratios        = [ordered]@{
        core_speedup_vs_hand  = Round $coreSpeedup
        yaml_pipeline         = Round $yamlRatio
        typed_pipeline        = Round $typedRatio
        objects_vs_hand       = Round $objectsRatio
        maps_parse_vs_locations = Round $parseRatio
    }
    nginx_parse   = $parse
    core_by_layout = [ordered]@{ locations = $coreLocations; maps = $coreMaps }
    legend        = 'yaml = Get-NginxRoute -Path <10k Services>; typed = NginxRoute objects in memory; objects = PSCustomObjects; ratio = median / the thing after the slash; share = no-op cmdlet median / New-NginxConf median on the same input; typed | Out-Null runs no pipeline at all (PowerShell skips a lone Out-Null)'
    met           = $met
    all_met       = -not ($met.Values -contains $false)
    table         = $rows
}
Write-Host '    rows: yaml = Get-NginxRoute -Path <10k Services>, typed = NginxRoute objects in memory, objects = PSCustomObjects;'
Write-Host '    ratio = median / the thing after the slash; share = no-op cmdlet median / New-NginxConf median, same input'
Write-Host ("    goals met: {0} of {1}" -f @($met.Values | Where-Object { $_ }).Count, $met.Count)
$result | ConvertTo-Json -Compress -Depth 6
