#Requires -Version 7.0
<#
    Keeps docs/*.md in step with the cmdlets of a loaded module. The help builder reads the pages
    (with Markdig); this compares what it read with the cmdlets, which only a PowerShell session
    that has imported the module can see.
#>

Set-StrictMode -Version Latest

Import-Module (Join-Path $PSScriptRoot 'CommandHelpData.psm1')

function Test-HelpMarkdown {
    <#
    .SYNOPSIS
        Reports gaps between the markdown help pages and the cmdlets of a loaded module.
    .DESCRIPTION
        Returns one [pscustomobject]@{ Command; Problem } per problem; no output means the docs
        are complete. The module must already be imported in this session. A page the help
        builder cannot read is one problem, naming the file and line.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)] [string] $DocsPath,
        [Parameter(Mandatory)] [string] $ModuleName,
        # The built help builder, NginxKit.HelpBuilder.dll (build.ps1 Build puts it in out/HelpBuilder).
        [Parameter(Mandatory)] [string] $HelpBuilderPath
    )
    $ErrorActionPreference = 'Stop'

    $data = Get-CommandHelpData -ModuleName $ModuleName
    $module = Get-Module -Name $ModuleName | Select-Object -First 1
    $DocsPath = (Resolve-Path -LiteralPath $DocsPath).ProviderPath
    $json = & dotnet $HelpBuilderPath pages --docs $DocsPath
    if ($LASTEXITCODE -ne 0) { throw "The help builder could not read '$DocsPath' (exit $LASTEXITCODE)." }
    $report = ($json -join "`n") | ConvertFrom-Json

    $problem = { param($Command, $Problem) [pscustomobject]@{ Command = $Command; Problem = $Problem } }
    $pages = @{}
    foreach ($page in $report.pages) { $pages[$page.command] = $page }
    $unreadable = @{}
    foreach ($e in $report.errors) { $unreadable[[IO.Path]::GetFileNameWithoutExtension($e.file)] = $e.message }

    foreach ($command in $data.Commands) {
        $name = $command.Name
        if ($unreadable.ContainsKey($name)) { & $problem $name $unreadable[$name]; continue }
        if (-not $pages.ContainsKey($name)) { & $problem $name "Missing help page '$name.md'."; continue }

        $page = $pages[$name]
        if ($page.title -ne $name) { & $problem $name "Page title is '$($page.title)', expected '# $name'." }
        foreach ($section in 'SYNOPSIS', 'DESCRIPTION') {
            $text = if ($section -eq 'SYNOPSIS') { $page.synopsis } else { $page.description }
            if ($page.sections -notcontains $section) { & $problem $name "$section section is missing." }
            elseif (-not $text) { & $problem $name "$section is empty." }
        }
        if (-not ($page.examples | Where-Object { $_.code -match '\S' })) {
            & $problem $name 'No example with a code block under EXAMPLES.'
        }

        $documented = @($command.Parameters | ForEach-Object Name)
        foreach ($parameter in $documented) {
            $prose = @($page.parameters | Where-Object name -EQ $parameter)
            if (-not $prose) { & $problem $name "Parameter -$parameter has no '### -$parameter' section." }
            elseif (-not $prose[0].description) { & $problem $name "Parameter -$parameter has an empty description." }
        }
        foreach ($prose in $page.parameters) {
            if ($documented -contains $prose.name) { continue }
            if ($module.ExportedCmdlets[$name].Parameters.ContainsKey($prose.name)) {
                & $problem $name "Documented parameter -$($prose.name) is a common or hidden parameter and gets no section of its own."
            }
            else {
                & $problem $name "Documented parameter -$($prose.name) does not exist on the cmdlet."
            }
        }
    }

    foreach ($documentedCommand in (@($pages.Keys) + @($unreadable.Keys) | Sort-Object -Unique)) {
        if (-not $module.ExportedCmdlets.ContainsKey($documentedCommand)) {
            & $problem $documentedCommand "Page '$documentedCommand.md' documents a command that $($module.Name) does not export."
        }
    }

    $topicName = "about_$($module.Name)"
    if (-not (Test-Path -LiteralPath (Join-Path $DocsPath "$topicName.md") -PathType Leaf)) {
        & $problem $topicName "Missing about topic page '$topicName.md'."
    }
}

Export-ModuleMember -Function Test-HelpMarkdown
