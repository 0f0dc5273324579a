# Real journal files for the Get-DockerJournal tests and bench: entries in journal *export format*
# piped into `systemd-journal-remote --output=DIR/x.journal -`, which writes genuine journal files
# (with the timestamps, boot IDs and fields we give it) that journalctl and sd-journal read like any other.
#
#   New-JournalFixture      builds a directory: the standard test set, or the bench's N dockerd lines
#   Start-JournalAppender   a journal-remote kept running on a pipe, for -Follow: Add-JournalEntry, Stop-JournalAppender
#   New-FollowEntry         dockerd lines to append
#   Invoke-JournalctlJson   the real journalctl -o json --all, as objects, the oracle every test compares with
#   ConvertTo-JournalKey    one line per entry (cursor, µs, priority, pid, unit, host, boot, identifier,
#                           message bytes), from a JournalEntry, or from journalctl's JSON with the unit
#                           and priority each entry was declared with (FIXTURE_UNIT, FIXTURE_PRIORITY)
#   Get-JournalctlChild     journalctl processes a reader left behind (for the -Follow stop tests)
#   [NginxKitTests.Journal.LineCollector]  a child process's stdout lines, collected off the pipeline thread
#   [NginxKitTests.Journal.JournalFileDamage]  damaged copies of a journal file

Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')

# The generator is a project of its own (tests/Fixtures/JournalFixture): a million entries take
# seconds there and minutes in a PowerShell loop, and it streams straight into journal-remote's
# stdin, so no export text is held in memory.
if (-not ('NginxKitTests.Journal.Scenarios' -as [type])) {
    Add-Type -Path (Get-TestFixture -Name JournalFixture -EnvironmentVariable NGINXKIT_JOURNAL_FIXTURE)
}

function Find-JournalRemote {
    # systemd-journal-remote (package systemd-journal-remote); $null when missing.
    [NginxKitTests.Journal.JournalRemote]::Find()
}

function New-JournalFixture {
    <#
    .SYNOPSIS
        Builds real journal files in -Path with systemd-journal-remote and describes them.
    .PARAMETER Scenario
        Standard: the test set (several boots, every shape of entry, rotated into several files).
        Bench: -Count dockerd lines, one boot, rotating naturally every ~175k entries.
    .OUTPUTS
        Directory, Files, Entries (the FixtureEntry list; Standard only), Count, Boots (oldest first),
        EdgeSecond (Standard: a whole second with entries at s-1µs, s, s+1µs, … s+1s), First/Last (µs).
    #>
    param(
        [Parameter(Mandatory)] [string] $Path,
        [ValidateSet('Standard', 'Bench')] [string] $Scenario = 'Standard',
        [int] $Count = 1000000,
        [int] $Seed = 42,
        # 2026-11-21 08:00:00 UTC
        [uint64] $StartUsec = 1795248000000000,
        [int] $Boots = 3,
        [int] $PerBoot = 4000,
        [int] $Pads = 30,
        [uint64] $StepUsec = 100000
    )
    $remote = Find-JournalRemote
    if (-not $remote) { throw 'systemd-journal-remote is not installed (apt-get install systemd-journal-remote).' }
    New-Item -ItemType Directory -Force $Path | Out-Null
    $out = Join-Path $Path 'docker.journal'
    $writer = [NginxKitTests.Journal.JournalRemote]::new($remote, $out)
    try {
        if ($Scenario -eq 'Standard') {
            $edge = [uint64]0
            $entries = [NginxKitTests.Journal.Scenarios]::Standard($Seed, $StartUsec, $Boots, $PerBoot, $Pads, [ref] $edge)
            $writer.AddRange($entries)
        } else {
            $writer.AddRange([NginxKitTests.Journal.Scenarios]::Bench($Seed, $StartUsec, $Count, $StepUsec))
            $entries = $null
        }
        $writer.Complete()
    } finally { $writer.Dispose() }
    $written = $writer.Written
    [pscustomobject]@{
        Directory  = (Resolve-Path $Path).Path
        Files      = @(Get-ChildItem $Path -Filter '*.journal' | Sort-Object Name | ForEach-Object FullName)
        Entries    = $entries
        Count      = $written
        Boots      = @(0..($(if ($Scenario -eq 'Standard') { $Boots } else { 1 }) - 1) | ForEach-Object { [NginxKitTests.Journal.Scenarios]::BootId($Seed, $_) })
        EdgeSecond = if ($Scenario -eq 'Standard') { $edge } else { $null }
        First      = if ($entries) { $entries[0].Realtime } else { $StartUsec + $StepUsec }
        Last       = if ($entries) { $entries[$entries.Count - 1].Realtime } else { $StartUsec + [uint64]$Count * $StepUsec }
    }
}

function New-FollowEntry {
    # dockerd lines for -Follow tests: $Count entries from $StartUsec, 1 ms apart, with a $Tag in the message.
    param([uint64] $StartUsec, [int] $Count, [string] $Tag, [string] $BootId = ([NginxKitTests.Journal.Scenarios]::BootId(7, 0)))
    [NginxKitTests.Journal.Scenarios]::Follow($StartUsec, $Count, $Tag, $BootId)
}

function Start-JournalAppender {
    # A journal-remote that stays up on a pipe, writing -Path/docker.journal as entries come (for -Follow).
    param([Parameter(Mandatory)] [string] $Path)
    New-Item -ItemType Directory -Force $Path | Out-Null
    [NginxKitTests.Journal.JournalRemote]::new((Find-JournalRemote), (Join-Path $Path 'docker.journal'))
}

function Add-JournalEntry {
    param([Parameter(Mandatory)] $Appender, [Parameter(Mandatory)] [object[]] $Entry)
    foreach ($e in $Entry) { $Appender.Add($e) }
    $Appender.Flush()
}

function Stop-JournalAppender {
    param([Parameter(Mandatory)] $Appender)
    try { $Appender.Complete(30000) } finally { $Appender.Dispose() }
}

function Invoke-JournalctlJson {
    <#
    .SYNOPSIS
        The real journalctl's answer: `journalctl <source> -o json --all <Argument>` as objects.
        --all, or journalctl prints null for any field over 4096 bytes. Throws on a non-zero exit.
    #>
    param([string] $Directory, [string[]] $File, [string[]] $Argument = @())
    [string[]] $source = if ($File) { $File | ForEach-Object { "--file=$_" } } else { "--directory=$Directory" }
    $lines = & journalctl --no-pager --quiet -o json --all @source @Argument 2>&1
    if ($LASTEXITCODE -ne 0) { throw "journalctl $($source -join ' ') $($Argument -join ' ') exited $LASTEXITCODE`: $($lines -join "`n")" }
    foreach ($line in $lines) { if ("$line".StartsWith('{')) { $line | ConvertFrom-Json -AsHashtable } }
}

function ConvertTo-JournalKey {
    <#
    .SYNOPSIS
        One comparable line per entry, from a JournalEntry (-Entry) or from journalctl's JSON (-Json):
        cursor, realtime µs, priority, pid, unit, hostname, boot, identifier, message bytes (base64).
        From JSON every value is journalctl's, except the unit and priority: those are what the
        fixture declared the entry must read as (FIXTURE_UNIT, FIXTURE_PRIORITY), never derived
        from its other fields.
    #>
    param([Parameter(ValueFromPipeline)] $InputObject, [switch] $Json)
    process {
        if ($null -eq $InputObject) { return }
        if ($Json) {
            $j = $InputObject
            if ($null -eq $j['FIXTURE_UNIT'] -or $null -eq $j['FIXTURE_PRIORITY']) {
                throw "journalctl's entry $($j['__CURSOR']) carries no FIXTURE_UNIT or FIXTURE_PRIORITY: every fixture entry declares what it must read as."
            }
            $msg = $j['MESSAGE']
            # (An empty byte[] out of an if would unroll to $null, so the base64 is taken in each branch.)
            $message = if ($null -eq $msg) { '' } elseif ($msg -is [string]) { [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($msg)) } else { [Convert]::ToBase64String([byte[]]@($msg | ForEach-Object { [byte]$_ })) }
            $pidValue = if ($j['_PID']) { [int]$j['_PID'] } else { $null }
            @($j['__CURSOR'], $j['__REALTIME_TIMESTAMP'], [int]$j['FIXTURE_PRIORITY'], $pidValue, $j['FIXTURE_UNIT'], $j['_HOSTNAME'], $j['_BOOT_ID'], $j['SYSLOG_IDENTIFIER'], $message) -join '|'
        } else {
            $e = $InputObject
            $usec = [uint64](($e.TimeCreated.UtcTicks - [DateTimeOffset]::UnixEpoch.UtcTicks) / 10)
            $message = if ($null -ne $e.MessageBytes) { [Convert]::ToBase64String($e.MessageBytes) } else { [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($e.Message)) }
            @($e.Cursor, $usec, [int]$e.Priority, $e.Pid, $e.Unit, $e.Hostname, $e.BootId, $e.Identifier, $message) -join '|'
        }
    }
}

function Get-JournalctlChild {
    <#
    .SYNOPSIS
        What a reader left behind: journalctl processes whose command line mentions -Needle (a
        fixture path), and journalctl zombies of this process (exited, never reaped: their command
        line is empty, so they are found by parent instead).
    #>
    param([Parameter(Mandatory)] [string] $Needle)
    foreach ($d in [IO.Directory]::GetDirectories('/proc')) {
        $procId = Split-Path $d -Leaf
        if ($procId -notmatch '^\d+$') { continue }
        try {
            $stat = [IO.File]::ReadAllText("$d/stat")
            $cmd = [IO.File]::ReadAllText("$d/cmdline") -replace "`0", ' '
        } catch { continue }
        # /proc/<pid>/stat: pid (comm) state ppid …; comm may hold spaces, so split after the last ')'.
        $open = $stat.IndexOf('('); $close = $stat.LastIndexOf(')')
        if ($open -lt 0 -or $close -lt $open) { continue }
        if ($stat.Substring($open + 1, $close - $open - 1) -ne 'journalctl') { continue }
        $rest = $stat.Substring($close + 2).Split(' ')
        $state = $rest[0]; $parent = [int]$rest[1]
        if ($cmd.Contains($Needle) -or ($state -eq 'Z' -and $parent -eq $PID)) {
            [pscustomobject]@{ Id = [int]$procId; State = $state; Parent = $parent; CommandLine = $cmd.Trim() }
        }
    }
}

Export-ModuleMember -Function Find-JournalRemote, New-JournalFixture, New-FollowEntry, Start-JournalAppender, Add-JournalEntry,
    Stop-JournalAppender, Invoke-JournalctlJson, ConvertTo-JournalKey, Get-JournalctlChild
