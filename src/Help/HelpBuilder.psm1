#Requires -Version 7.0
<#
    Builds PowerShell help for a binary module from platyPS 0.14-style markdown, without platyPS.

    Prose (synopsis, description, examples, parameter descriptions, inputs, outputs, notes,
    links) is read from the markdown. Syntax and parameter metadata (types, parameter sets,
    mandatory, position, pipeline input, aliases, wildcards) are read from the cmdlets of the
    module as loaded in the calling session, so the help cannot drift from the code.
#>

Set-StrictMode -Version Latest

$script:MamlNs = 'http://schemas.microsoft.com/maml/2004/10'
$script:CommandNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$script:DevNs = 'http://schemas.microsoft.com/maml/dev/2004/10'
$script:HelpItemsNs = 'http://msh'
$script:AboutWidth = 80

# platyPS leaves "{{ Fill Foo Description }}" placeholders in generated pages; they count as empty.
$script:PlaceholderPattern = '^\s*\{\{.*\}\}\s*$'

#region Markdown parsing

function Test-FenceOpen {
    param([string] $Line)
    if ($Line -match '^(?<indent> {0,3})(?<fence>`{3,}|~{3,})\s*(?<info>[^`]*)$') {
        return [pscustomobject]@{
            Indent   = $Matches.indent.Length
            Fence    = $Matches.fence
            Language = ($Matches.info.Trim() -split '\s+')[0]
        }
    }
    return $null
}

function Test-FenceClose {
    param([string] $Line, $Open)
    $char = [regex]::Escape($Open.Fence[0])
    return $Line -match "^ {0,3}$char{$($Open.Fence.Length),}\s*$"
}

function Read-MarkdownFile {
    # Returns the front matter (ordered dictionary) and the body lines of a markdown file.
    param([string] $Path)

    $lines = [IO.File]::ReadAllText($Path) -split '\r?\n'
    $frontMatter = [ordered]@{}
    $start = 0
    if ($lines.Count -gt 0 -and $lines[0].Trim() -eq '---') {
        for ($i = 1; $i -lt $lines.Count; $i++) {
            if ($lines[$i].Trim() -eq '---') {
                $start = $i + 1
                break
            }
        }
        for ($i = 1; $i -lt $start - 1; $i++) {
            if ($lines[$i] -match '^\s*(?<key>[^:#]+?)\s*:\s*(?<value>.*?)\s*$') {
                $frontMatter[$Matches.key] = $Matches.value
            }
        }
    }
    [pscustomobject]@{
        FrontMatter = $frontMatter
        Lines       = [string[]]@($lines | Select-Object -Skip $start)
    }
}

function Split-MarkdownHeading {
    <#
        Splits lines at headings of exactly the given level, ignoring '#' lines inside code
        fences. Returns one object (Title, Lines) per heading; lines before the first are dropped.
    #>
    param([string[]] $Lines, [int] $Level)

    $sections = [Collections.Generic.List[object]]::new()
    $current = $null
    $fence = $null
    $pattern = '^ {0,3}#{' + $Level + '}\s+(?<title>.*?)(\s+#+)?\s*$'

    foreach ($line in $Lines) {
        if ($fence) {
            if (Test-FenceClose $line $fence) { $fence = $null }
        }
        elseif ($open = Test-FenceOpen $line) {
            $fence = $open
        }
        elseif ($line -match $pattern) {
            $current = [pscustomobject]@{
                Title = $Matches.title
                Lines = [Collections.Generic.List[string]]::new()
            }
            $sections.Add($current)
            continue
        }

        if ($current) { $current.Lines.Add($line) }
    }

    , $sections.ToArray()
}

function ConvertTo-MarkdownBlock {
    <#
        Parses markdown lines into blocks: Paragraph (Lines), Code (Lines, Language),
        List (Items with Indent/Marker/Text), Table (Rows, HasHeader), Heading (Level, Text).
    #>
    param([string[]] $Lines)

    $blocks = [Collections.Generic.List[object]]::new()
    $paragraph = $null
    $list = $null
    $i = 0

    $listItemPattern = '^(?<indent>\s*)(?<marker>[-*+]|\d+[.)])\s+(?<text>.*)$'

    while ($i -lt $Lines.Count) {
        $line = $Lines[$i]

        if ($open = Test-FenceOpen $line) {
            $paragraph = $null; $list = $null
            $code = [Collections.Generic.List[string]]::new()
            $i++
            while ($i -lt $Lines.Count -and -not (Test-FenceClose $Lines[$i] $open)) {
                # Content may be indented up to the fence's own indentation; strip that much.
                $code.Add(($Lines[$i] -replace "^ {0,$($open.Indent)}", ''))
                $i++
            }
            $i++
            $blocks.Add([pscustomobject]@{ Kind = 'Code'; Language = $open.Language; Lines = [string[]]$code.ToArray() })
            continue
        }

        if ($line -match '^\s*$') {
            $paragraph = $null
            if ($list) {
                # A blank line inside a loose list does not end it when the list goes on.
                $next = $i + 1
                while ($next -lt $Lines.Count -and $Lines[$next] -match '^\s*$') { $next++ }
                if ($next -ge $Lines.Count -or ($Lines[$next] -notmatch $listItemPattern -and $Lines[$next] -notmatch '^\s{2,}\S')) {
                    $list = $null
                }
            }
            $i++
            continue
        }

        if ($line -match '^ {0,3}(?<hashes>#{1,6})\s+(?<text>.*?)(\s+#+)?\s*$') {
            $paragraph = $null; $list = $null
            $blocks.Add([pscustomobject]@{ Kind = 'Heading'; Level = $Matches.hashes.Length; Text = $Matches.text })
            $i++
            continue
        }

        if ($line -match $listItemPattern) {
            $paragraph = $null
            $item = [pscustomobject]@{
                Indent = $Matches.indent.Length
                Marker = $Matches.marker
                Text   = $Matches.text.Trim()
            }
            # Switching between bullets and numbers at the top level starts a new list.
            if ($list -and $item.Indent -le $list.Items[0].Indent -and
                ($item.Marker -match '^\d') -ne ($list.Items[0].Marker -match '^\d')) {
                $list = $null
            }
            if (-not $list) {
                $list = [pscustomobject]@{ Kind = 'List'; Items = [Collections.Generic.List[object]]::new() }
                $blocks.Add($list)
            }
            $list.Items.Add($item)
            $i++
            continue
        }

        if ($list) {
            # Continuation line of the last list item.
            $item = $list.Items[$list.Items.Count - 1]
            $item.Text = "$($item.Text) $($line.Trim())"
            $i++
            continue
        }

        if ($line -match '^\s*\|') {
            $paragraph = $null
            $rows = [Collections.Generic.List[object]]::new()
            $hasHeader = $false
            while ($i -lt $Lines.Count -and $Lines[$i] -match '^\s*\|') {
                if ($Lines[$i] -match '^\s*\|?(\s*:?-+:?\s*\|)+\s*(:?-+:?\s*)?$') {
                    $hasHeader = $rows.Count -eq 1
                }
                else {
                    $cells = $Lines[$i].Trim() -replace '^\|', '' -replace '(?<!\\)\|$', '' -split '(?<!\\)\|'
                    $rows.Add([string[]]@($cells | ForEach-Object { $_.Trim() }))
                }
                $i++
            }
            $blocks.Add([pscustomobject]@{ Kind = 'Table'; Rows = $rows.ToArray(); HasHeader = $hasHeader })
            continue
        }

        if (-not $paragraph -and $line -match '^(    |\t)') {
            $code = [Collections.Generic.List[string]]::new()
            while ($i -lt $Lines.Count -and ($Lines[$i] -match '^(    |\t)' -or $Lines[$i] -match '^\s*$')) {
                $code.Add(($Lines[$i] -replace '^(    |\t)', ''))
                $i++
            }
            while ($code.Count -gt 0 -and $code[$code.Count - 1] -match '^\s*$') { $code.RemoveAt($code.Count - 1) }
            $blocks.Add([pscustomobject]@{ Kind = 'Code'; Language = ''; Lines = [string[]]$code.ToArray() })
            continue
        }

        if (-not $paragraph) {
            $paragraph = [pscustomobject]@{ Kind = 'Paragraph'; Lines = [Collections.Generic.List[string]]::new() }
            $blocks.Add($paragraph)
        }
        $paragraph.Lines.Add(($line -replace '^\s*>\s?', ''))
        $i++
    }

    , $blocks.ToArray()
}

function ConvertFrom-MarkdownInline {
    # Reduces inline markdown (code spans, emphasis, links, escapes) to plain text.
    param([string] $Text)

    if ([string]::IsNullOrEmpty($Text)) { return '' }

    # Code spans are taken out first so nothing inside them is interpreted.
    $codeSpans = [Collections.Generic.List[string]]::new()
    $Text = [regex]::Replace($Text, '(?<ticks>`+)(?<code>.+?)\k<ticks>(?!`)', {
            param($m)
            $codeSpans.Add($m.Groups['code'].Value.Trim())
            "`u{E000}$($codeSpans.Count - 1)`u{E001}"
        })

    $Text = $Text -replace '!\[(?<alt>[^\]]*)\]\([^)]*\)', '${alt}'
    $Text = [regex]::Replace($Text, '\[(?<text>[^\]]+)\]\((?<url>[^)\s]*)(\s+"[^"]*")?\)', {
            param($m)
            $linkText = $m.Groups['text'].Value
            $url = $m.Groups['url'].Value
            if ($url -match '^[a-z][a-z0-9+.-]*://' -and $url -ne $linkText) { "$linkText ($url)" } else { $linkText }
        })
    $Text = $Text -replace '\[(?<text>[^\]]+)\]\[[^\]]*\]', '${text}'
    $Text = $Text -replace '<(?<url>[a-z][a-z0-9+.-]*://[^>\s]+)>', '${url}'
    $Text = $Text -replace '(\*\*|__)(?=\S)(?<t>.+?)(?<=\S)\1', '${t}'
    $Text = $Text -replace '(?<![\w*\\])\*(?=\S)(?<t>[^*]+?)(?<=\S)\*(?![\w*])', '${t}'
    $Text = $Text -replace '(?<![\w\\])_(?=\S)(?<t>[^_]+?)(?<=\S)_(?!\w)', '${t}'
    $Text = $Text -replace '\\(?<c>[\\`*_{}\[\]()#+\-.!<>|~"])', '${c}'

    [regex]::Replace($Text, "`u{E000}(\d+)`u{E001}", { param($m) $codeSpans[[int]$m.Groups[1].Value] })
}

function Join-ParagraphLine {
    # Joins the source lines of a paragraph: soft breaks become spaces, hard breaks newlines.
    param([string[]] $Lines)

    $sb = [Text.StringBuilder]::new()
    for ($i = 0; $i -lt $Lines.Count; $i++) {
        $line = $Lines[$i]
        $hardBreak = $line -match '(  |\\)$'
        $text = $line.Trim()
        if ($hardBreak -and $text.EndsWith('\')) { $text = $text.Substring(0, $text.Length - 1).TrimEnd() }
        [void]$sb.Append($text)
        if ($i -lt $Lines.Count - 1) { [void]$sb.Append($(if ($hardBreak) { "`n" } else { ' ' })) }
    }
    $sb.ToString()
}

function Format-PlainTable {
    # Lays a markdown table out as space-aligned columns, with a dashed rule under the header.
    param($Block)

    $rows = @($Block.Rows | ForEach-Object { , [string[]]@($_ | ForEach-Object { ConvertFrom-MarkdownInline $_ }) })
    $columns = ($rows | ForEach-Object { $_.Count } | Measure-Object -Maximum).Maximum
    $widths = @(foreach ($c in 0..($columns - 1)) {
            ($rows | ForEach-Object { if ($c -lt $_.Count) { $_[$c].Length } else { 0 } } | Measure-Object -Maximum).Maximum
        })

    function Format-Row([string[]] $Cells) {
        $padded = for ($c = 0; $c -lt $columns; $c++) {
            $cell = if ($c -lt $Cells.Count) { $Cells[$c] } else { '' }
            $cell.PadRight($widths[$c])
        }
        ($padded -join '  ').TrimEnd()
    }

    for ($r = 0; $r -lt $rows.Count; $r++) {
        Format-Row $rows[$r]
        if ($r -eq 0 -and $Block.HasHeader) { Format-Row @($widths | ForEach-Object { '-' * $_ }) }
    }
}

function Format-ListItemPrefix {
    param($Item)
    if ($Item.Marker -match '^\d') { "$($Item.Marker) " } else { '- ' }
}

function ConvertTo-PlainParagraph {
    <#
        Turns markdown lines, or already parsed blocks, into plain-text paragraphs (one string
        per block) for maml:para. Code blocks, lists and tables keep their line structure.
    #>
    param([string[]] $Lines, [object[]] $Blocks = (ConvertTo-MarkdownBlock $Lines))

    $paragraphs = foreach ($block in $Blocks) {
        switch ($block.Kind) {
            'Paragraph' { ConvertFrom-MarkdownInline (Join-ParagraphLine $block.Lines) }
            'Heading' { ConvertFrom-MarkdownInline $block.Text }
            'Code' { ($block.Lines | ForEach-Object TrimEnd) -join "`n" }
            'Table' { (Format-PlainTable $block) -join "`n" }
            'List' {
                $baseIndent = ($block.Items | Measure-Object -Property Indent -Minimum).Minimum
                ($block.Items | ForEach-Object {
                    (' ' * [Math]::Min($_.Indent - $baseIndent, 8)) + (Format-ListItemPrefix $_) + (ConvertFrom-MarkdownInline $_.Text)
                }) -join "`n"
            }
        }
    }
    [string[]]@($paragraphs | Where-Object { $_ -notmatch '^\s*$' -and $_ -notmatch $script:PlaceholderPattern })
}

#endregion

#region Help page model

function Get-MarkdownSection {
    # Finds a level-2 section by title (case-insensitive); returns its lines, or none if absent.
    param($Sections, [string] $Title)
    $section = $Sections | Where-Object { $_.Title.Trim() -eq $Title } | Select-Object -First 1
    if ($section) { return , [string[]]$section.Lines.ToArray() }
    return , [string[]]@()
}

function Get-TypedEntry {
    # INPUTS / OUTPUTS: one '### TypeName' subsection per type, followed by its description.
    param([string[]] $Lines)
    @(foreach ($section in (Split-MarkdownHeading $Lines 3)) {
            [pscustomobject]@{
                TypeName    = ConvertFrom-MarkdownInline $section.Title.Trim()
                Description = @(ConvertTo-PlainParagraph $section.Lines.ToArray())
            }
        })
}

function Read-CommandHelpPage {
    <#
        Reads a platyPS 0.14 cmdlet page into a prose model. Missing sections come back empty;
        Test-HelpMarkdown is responsible for reporting them.
    #>
    param([string] $Path)

    $file = Read-MarkdownFile $Path
    $top = Split-MarkdownHeading $file.Lines 1
    $title = if ($top) { $top[0].Title.Trim() } else { $null }
    $body = if ($top) { [string[]]$top[0].Lines.ToArray() } else { $file.Lines }
    $sections = Split-MarkdownHeading $body 2

    $synopsisLines = Get-MarkdownSection $sections 'SYNOPSIS'
    $synopsis = (ConvertTo-PlainParagraph $synopsisLines) -join ' '

    $examples = [Collections.Generic.List[object]]::new()
    $exampleLines = Get-MarkdownSection $sections 'EXAMPLES'
    if ($exampleLines) {
        foreach ($example in (Split-MarkdownHeading $exampleLines 3)) {
            # The code is the first run of code blocks; everything else is remarks, in order.
            $codeParts = [Collections.Generic.List[string]]::new()
            $remarkBlocks = [Collections.Generic.List[object]]::new()
            $state = 'BeforeCode'
            foreach ($block in (ConvertTo-MarkdownBlock $example.Lines.ToArray())) {
                if ($block.Kind -eq 'Code' -and $state -ne 'AfterCode') {
                    $state = 'InCode'
                    $codeParts.Add(($block.Lines -join "`n").TrimEnd())
                    continue
                }
                if ($state -eq 'InCode') { $state = 'AfterCode' }
                $remarkBlocks.Add($block)
            }
            $examples.Add([pscustomobject]@{
                    Title   = ConvertFrom-MarkdownInline $example.Title.Trim()
                    Code    = $codeParts -join "`n`n"
                    Remarks = @(ConvertTo-PlainParagraph -Blocks $remarkBlocks.ToArray())
                })
        }
    }

    $parameters = [ordered]@{}
    $parameterLines = Get-MarkdownSection $sections 'PARAMETERS'
    if ($parameterLines) {
        foreach ($parameter in (Split-MarkdownHeading $parameterLines 3)) {
            if ($parameter.Title -notmatch '^-(?<name>\S+)') { continue }   # e.g. CommonParameters
            $parameterName = $Matches.name
            $descriptionBlocks = [Collections.Generic.List[object]]::new()
            $defaultValue = $null
            foreach ($block in (ConvertTo-MarkdownBlock $parameter.Lines.ToArray())) {
                if ($block.Kind -eq 'Code' -and $block.Language -eq 'yaml') {
                    $default = $block.Lines | Where-Object { $_ -match '^\s*Default value\s*:' } | Select-Object -First 1
                    if ($null -eq $defaultValue -and $default) { $defaultValue = ($default -replace '^\s*Default value\s*:', '').Trim() }
                    continue
                }
                $descriptionBlocks.Add($block)
            }
            $parameters[$parameterName] = [pscustomobject]@{
                Name         = $parameterName
                Description  = @(ConvertTo-PlainParagraph -Blocks $descriptionBlocks.ToArray())
                DefaultValue = $defaultValue
            }
        }
    }

    $links = [Collections.Generic.List[object]]::new()
    $online = if ($file.FrontMatter.Contains('online version')) { $file.FrontMatter['online version'] } else { '' }
    if ($online) { $links.Add([pscustomobject]@{ Text = 'Online Version:'; Uri = $online }) }
    $linkLines = Get-MarkdownSection $sections 'RELATED LINKS'
    foreach ($line in @($linkLines | Where-Object { $_ -match '\S' })) {
        if ($line -match '^\s*[-*+]?\s*\[(?<text>[^\]]+)\]\((?<url>[^)\s]*)[^)]*\)\s*$') {
            $text = ConvertFrom-MarkdownInline $Matches.text
            $url = $Matches.url
            # Relative links point at other markdown pages; Get-Help shows just their text.
            $uri = if ($url -match '^[a-z][a-z0-9+.-]*://') { $url } else { '' }
            $links.Add([pscustomobject]@{ Text = $text; Uri = $uri })
        }
        elseif ($line -match '^\s*[-*+]?\s*<?(?<url>[a-z][a-z0-9+.-]*://[^>\s]+)>?\s*$') {
            $links.Add([pscustomobject]@{ Text = $Matches.url; Uri = $Matches.url })
        }
        else {
            $links.Add([pscustomobject]@{ Text = ConvertFrom-MarkdownInline ($line.Trim() -replace '^[-*+]\s+', ''); Uri = '' })
        }
    }

    [pscustomobject]@{
        Path           = $Path
        Title          = $title
        SectionTitles  = [string[]]@($sections | ForEach-Object { $_.Title.Trim() })
        Synopsis       = $synopsis
        Description    = @(ConvertTo-PlainParagraph (Get-MarkdownSection $sections 'DESCRIPTION'))
        Examples       = $examples.ToArray()
        Parameters     = $parameters
        Inputs         = @(Get-TypedEntry (Get-MarkdownSection $sections 'INPUTS'))
        Outputs        = @(Get-TypedEntry (Get-MarkdownSection $sections 'OUTPUTS'))
        Notes          = @(ConvertTo-PlainParagraph (Get-MarkdownSection $sections 'NOTES'))
        Links          = $links.ToArray()
    }
}

#endregion

#region Cmdlet metadata

function Get-LoadedModule {
    param([string] $ModuleName)
    $module = Get-Module -Name $ModuleName | Select-Object -First 1
    if (-not $module) {
        throw "Module '$ModuleName' is not imported in this session. Import the built module before building or testing its help."
    }
    $module
}

function Test-UndocumentedParameter {
    # Common parameters and DontShow parameters get no help of their own. WhatIf and Confirm
    # are OptionalCommonParameters, not CommonParameters, so they stay documented.
    param([System.Management.Automation.CommandInfo] $Command, [string] $Name)
    if ([System.Management.Automation.Cmdlet]::CommonParameters.Contains($Name)) { return $true }
    $parameterAttributes = @($Command.Parameters[$Name].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
    $parameterAttributes.Count -gt 0 -and -not ($parameterAttributes | Where-Object { -not $_.DontShow })
}

function Format-HelpTypeName {
    # Short type names as in Microsoft's own help: String[], Int32, Dictionary[String, Int32].
    param([type] $Type)
    if ($Type.IsArray) { return (Format-HelpTypeName $Type.GetElementType()) + '[]' }
    $underlying = [Nullable]::GetUnderlyingType($Type)
    if ($underlying) { return Format-HelpTypeName $underlying }
    if ($Type.IsGenericType) {
        $arguments = $Type.GetGenericArguments() | ForEach-Object { Format-HelpTypeName $_ }
        return ($Type.Name -replace '`\d+$', '') + '[' + ($arguments -join ', ') + ']'
    }
    $Type.Name
}

function Get-ParameterValueSet {
    # Allowed values shown as {A | B} in syntax: ValidateSet values or enum names.
    param([System.Management.Automation.ParameterMetadata] $Parameter)
    $validateSet = $Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
    if ($validateSet) { return [string[]]$validateSet.ValidValues }
    $type = $Parameter.ParameterType
    if ($type.IsArray) { $type = $type.GetElementType() }
    $underlying = [Nullable]::GetUnderlyingType($type)
    if ($underlying) { $type = $underlying }
    if ($type.IsEnum) { return [string[]][Enum]::GetNames($type) }
    return @()
}

function Format-PipelineInput {
    param([bool] $ByValue, [bool] $ByPropertyName)
    $kinds = @(if ($ByValue) { 'ByValue' }; if ($ByPropertyName) { 'ByPropertyName' })
    if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
}

function Get-ParameterHelpData {
    <#
        Help attributes for one parameter, either within one parameter set ($SetName) or
        merged over all its sets (for the PARAMETERS section).
    #>
    param(
        [System.Management.Automation.CommandInfo] $Command,
        [string] $Name,
        [string] $SetName
    )

    $metadata = $Command.Parameters[$Name]
    $setData = if ($SetName) {
        foreach ($key in @($SetName, '__AllParameterSets')) {
            if ($metadata.ParameterSets.ContainsKey($key)) { $metadata.ParameterSets[$key]; break }
        }
    }
    else { @($metadata.ParameterSets.Values) }

    $mandatory = @($setData | ForEach-Object IsMandatory)
    $positions = @($setData | Where-Object Position -GE 0 | ForEach-Object Position | Sort-Object -Unique)

    [pscustomobject]@{
        Name           = $metadata.Name
        TypeName       = Format-HelpTypeName $metadata.ParameterType
        IsSwitch       = $metadata.SwitchParameter
        # A parameter that is mandatory in only some of its sets is shown as not required.
        Required       = ($mandatory.Count -gt 0 -and $mandatory -notcontains $false)
        Position       = if ($positions.Count -gt 0) { [string]$positions[0] } else { 'named' }
        PipelineInput  = Format-PipelineInput ([bool]($setData | Where-Object ValueFromPipeline)) ([bool]($setData | Where-Object ValueFromPipelineByPropertyName))
        Aliases        = if ($metadata.Aliases.Count) { $metadata.Aliases -join ', ' } else { 'none' }
        Globbing       = [bool]($metadata.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
        ValueSet       = @(Get-ParameterValueSet $metadata)
    }
}

function Get-SyntaxParameterOrder {
    # Same order as Get-Command -Syntax: positional by position, then mandatory named, then the rest.
    param([System.Management.Automation.CommandInfo] $Command, [System.Management.Automation.CommandParameterSetInfo] $ParameterSet)
    $parameters = @($ParameterSet.Parameters | Where-Object { -not (Test-UndocumentedParameter $Command $_.Name) })
    @($parameters | Where-Object Position -GE 0 | Sort-Object Position) +
    @($parameters | Where-Object { $_.Position -lt 0 -and $_.IsMandatory }) +
    @($parameters | Where-Object { $_.Position -lt 0 -and -not $_.IsMandatory }) |
        ForEach-Object Name
}

function Get-DocumentedParameterName {
    # Parameters that need documentation, in declaration order.
    param([System.Management.Automation.CommandInfo] $Command)
    @($Command.Parameters.Keys | Where-Object { -not (Test-UndocumentedParameter $Command $_) })
}

function Get-CommandPageFile {
    # Command pages are named Verb-Noun.md; other markdown (README.md, about_*.md) is not one.
    param([string] $DocsPath)
    Get-ChildItem -LiteralPath $DocsPath -Filter *.md -File | Where-Object BaseName -Match '^[A-Za-z]+-[A-Za-z0-9]+$'
}

function Get-HelpFileName {
    # Get-Help looks for '<assembly file name>-Help.xml' next to the cmdlet's assembly.
    param([System.Management.Automation.CmdletInfo] $Command)
    if ($Command.HelpFile) { return [IO.Path]::GetFileName($Command.HelpFile) }
    [IO.Path]::GetFileName($Command.ImplementingType.Assembly.Location) + '-Help.xml'
}

#endregion

#region MAML writing

function Write-MamlParagraph {
    param([System.Xml.XmlWriter] $Writer, [string[]] $Paragraphs)
    $Writer.WriteStartElement('maml', 'description', $script:MamlNs)
    foreach ($paragraph in $Paragraphs) {
        $Writer.WriteElementString('maml', 'para', $script:MamlNs, $paragraph)
    }
    $Writer.WriteEndElement()
}

function Write-MamlParameter {
    param(
        [System.Xml.XmlWriter] $Writer,
        $Data,
        $Prose
    )
    $Writer.WriteStartElement('command', 'parameter', $script:CommandNs)
    $Writer.WriteAttributeString('required', $Data.Required.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', 'true')
    $Writer.WriteAttributeString('globbing', $Data.Globbing.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', $Data.PipelineInput)
    $Writer.WriteAttributeString('position', $Data.Position)
    $Writer.WriteAttributeString('aliases', $Data.Aliases)

    $Writer.WriteElementString('maml', 'name', $script:MamlNs, $Data.Name)
    Write-MamlParagraph $Writer $(if ($Prose) { $Prose.Description } else { @() })

    if ($Data.ValueSet.Count -gt 0) {
        $Writer.WriteStartElement('command', 'parameterValueGroup', $script:CommandNs)
        foreach ($value in $Data.ValueSet) {
            $Writer.WriteStartElement('command', 'parameterValue', $script:CommandNs)
            $Writer.WriteAttributeString('required', 'false')
            $Writer.WriteAttributeString('variableLength', 'false')
            $Writer.WriteString($value)
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }
    if (-not $Data.IsSwitch) {
        $Writer.WriteStartElement('command', 'parameterValue', $script:CommandNs)
        $Writer.WriteAttributeString('required', 'true')
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString($Data.TypeName)
        $Writer.WriteEndElement()
    }

    $Writer.WriteStartElement('dev', 'type', $script:DevNs)
    $Writer.WriteElementString('maml', 'name', $script:MamlNs, $Data.TypeName)
    $Writer.WriteElementString('maml', 'uri', $script:MamlNs, '')
    $Writer.WriteEndElement()

    $default = if ($Prose -and $Prose.DefaultValue) { $Prose.DefaultValue } elseif ($Data.IsSwitch) { 'False' } else { 'None' }
    $Writer.WriteElementString('dev', 'defaultValue', $script:DevNs, $default)
    $Writer.WriteEndElement()
}

function Write-MamlTypeList {
    param([System.Xml.XmlWriter] $Writer, [string] $ListName, [string] $ItemName, $Entries)
    if (-not $Entries) { return }
    $Writer.WriteStartElement('command', $ListName, $script:CommandNs)
    foreach ($entry in $Entries) {
        $Writer.WriteStartElement('command', $ItemName, $script:CommandNs)
        $Writer.WriteStartElement('dev', 'type', $script:DevNs)
        $Writer.WriteElementString('maml', 'name', $script:MamlNs, $entry.TypeName)
        $Writer.WriteEndElement()
        Write-MamlParagraph $Writer $entry.Description
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-MamlCommand {
    param(
        [System.Xml.XmlWriter] $Writer,
        [System.Management.Automation.CmdletInfo] $Command,
        $Page
    )
    $Writer.WriteStartElement('command', 'command', $script:CommandNs)

    $Writer.WriteStartElement('command', 'details', $script:CommandNs)
    $Writer.WriteElementString('command', 'name', $script:CommandNs, $Command.Name)
    $Writer.WriteElementString('command', 'verb', $script:CommandNs, $Command.Verb)
    $Writer.WriteElementString('command', 'noun', $script:CommandNs, $Command.Noun)
    Write-MamlParagraph $Writer @($Page.Synopsis)
    $Writer.WriteEndElement()

    Write-MamlParagraph $Writer $Page.Description

    $Writer.WriteStartElement('command', 'syntax', $script:CommandNs)
    # Default set first, as Get-Command -Syntax shows it.
    $sets = @($Command.ParameterSets | Sort-Object { -not $_.IsDefault })
    foreach ($set in $sets) {
        $Writer.WriteStartElement('command', 'syntaxItem', $script:CommandNs)
        $Writer.WriteElementString('maml', 'name', $script:MamlNs, $Command.Name)
        foreach ($name in (Get-SyntaxParameterOrder $Command $set)) {
            Write-MamlParameter $Writer (Get-ParameterHelpData $Command $name $set.Name) $Page.Parameters[$name]
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'parameters', $script:CommandNs)
    $codeNames = @(Get-DocumentedParameterName $Command)
    # Markdown order first (the author's choice), then anything only the code knows about.
    $ordered = @(foreach ($key in $Page.Parameters.Keys) { $codeNames -eq $key }) +
    @($codeNames | Where-Object { -not $Page.Parameters.Contains($_) })
    foreach ($name in $ordered) {
        Write-MamlParameter $Writer (Get-ParameterHelpData $Command $name) $Page.Parameters[$name]
    }
    $Writer.WriteEndElement()

    Write-MamlTypeList $Writer 'inputTypes' 'inputType' $Page.Inputs
    Write-MamlTypeList $Writer 'returnValues' 'returnValue' $Page.Outputs

    if ($Page.Notes) {
        $Writer.WriteStartElement('maml', 'alertSet', $script:MamlNs)
        $Writer.WriteStartElement('maml', 'alert', $script:MamlNs)
        foreach ($paragraph in $Page.Notes) { $Writer.WriteElementString('maml', 'para', $script:MamlNs, $paragraph) }
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }

    $Writer.WriteStartElement('command', 'examples', $script:CommandNs)
    foreach ($example in $Page.Examples) {
        $Writer.WriteStartElement('command', 'example', $script:CommandNs)
        $Writer.WriteElementString('maml', 'title', $script:MamlNs, "--------- $($example.Title) ---------")
        $Writer.WriteElementString('dev', 'code', $script:DevNs, $example.Code)
        $Writer.WriteStartElement('dev', 'remarks', $script:DevNs)
        foreach ($paragraph in $example.Remarks) { $Writer.WriteElementString('maml', 'para', $script:MamlNs, $paragraph) }
        # Get-Help prints the next example's title right under the last remark otherwise.
        $Writer.WriteElementString('maml', 'para', $script:MamlNs, '')
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    if ($Page.Links) {
        $Writer.WriteStartElement('command', 'relatedLinks', $script:CommandNs)
        foreach ($link in $Page.Links) {
            $Writer.WriteStartElement('maml', 'navigationLink', $script:MamlNs)
            $Writer.WriteElementString('maml', 'linkText', $script:MamlNs, $link.Text)
            $Writer.WriteElementString('maml', 'uri', $script:MamlNs, $link.Uri)
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }

    $Writer.WriteEndElement()
}

function New-Utf8XmlWriter {
    param([string] $Path)
    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Encoding = [Text.UTF8Encoding]::new($false)
    $settings.Indent = $true
    $settings.IndentChars = '  '
    $settings.NewLineChars = "`n"
    $settings.NewLineHandling = [System.Xml.NewLineHandling]::Replace
    [System.Xml.XmlWriter]::Create($Path, $settings)
}

#endregion

#region About topic

function Format-WrappedText {
    # Word-wraps text to the about-topic width at the given indentation; keeps explicit newlines.
    param([string] $Text, [int] $Indent, [int] $HangingIndent = $Indent)
    $lines = [Collections.Generic.List[string]]::new()
    $first = $true
    foreach ($sourceLine in ($Text -split "`n")) {
        $current = ''
        $prefix = ' ' * $(if ($first) { $Indent } else { $HangingIndent })
        foreach ($word in ($sourceLine -split '\s+' | Where-Object { $_ })) {
            if ($current -and ($prefix.Length + $current.Length + 1 + $word.Length) -gt $script:AboutWidth) {
                $lines.Add($prefix + $current)
                $prefix = ' ' * $HangingIndent
                $current = $word
            }
            else {
                $current = if ($current) { "$current $word" } else { $word }
            }
        }
        $lines.Add($prefix + $current)
        $first = $false
    }
    $lines.ToArray()
}

function ConvertTo-AboutText {
    <#
        Renders an about_ markdown page in the conventional about_*.help.txt layout:
        upper-case level-2 headings at column 0, level-3 headings at 2, text at 4, code at 8.
    #>
    param([string] $Path, [string] $TopicName)

    $file = Read-MarkdownFile $Path
    $top = Split-MarkdownHeading $file.Lines 1
    $topic = if ($top) { ConvertFrom-MarkdownInline $top[0].Title.Trim() } else { $TopicName }
    $body = if ($top) { [string[]]$top[0].Lines.ToArray() } else { $file.Lines }

    $out = [Collections.Generic.List[string]]::new()
    $out.Add('TOPIC')
    $out.Add("    $topic")
    $out.Add('')

    foreach ($block in (ConvertTo-MarkdownBlock $body)) {
        switch ($block.Kind) {
            'Heading' {
                if ($out[$out.Count - 1] -ne '') { $out.Add('') }
                $text = ConvertFrom-MarkdownInline $block.Text
                if ($block.Level -le 2) { $out.Add($text.ToUpperInvariant()) }
                else { $out.Add((' ' * (2 * ($block.Level - 2))) + $text) }
            }
            'Paragraph' {
                $out.AddRange([string[]](Format-WrappedText (ConvertFrom-MarkdownInline (Join-ParagraphLine $block.Lines)) 4))
                $out.Add('')
            }
            'List' {
                $baseIndent = ($block.Items | Measure-Object -Property Indent -Minimum).Minimum
                foreach ($item in $block.Items) {
                    $indent = 4 + [Math]::Min($item.Indent - $baseIndent, 8)
                    $prefix = Format-ListItemPrefix $item
                    $wrapped = Format-WrappedText ($prefix + (ConvertFrom-MarkdownInline $item.Text)) $indent ($indent + $prefix.Length)
                    $out.AddRange([string[]]$wrapped)
                }
                $out.Add('')
            }
            'Table' {
                foreach ($line in (Format-PlainTable $block)) { $out.Add("    $line") }
                $out.Add('')
            }
            'Code' {
                foreach ($line in $block.Lines) { $out.Add(('        ' + $line).TrimEnd()) }
                $out.Add('')
            }
        }
    }

    while ($out.Count -gt 0 -and $out[$out.Count - 1] -eq '') { $out.RemoveAt($out.Count - 1) }
    ($out -join "`n") + "`n"
}

#endregion

function ConvertTo-MamlHelp {
    <#
    .SYNOPSIS
        Builds MAML help and the about topic of a loaded binary module from markdown pages.
    .DESCRIPTION
        Reads every '<Cmdlet>.md' page (platyPS 0.14 layout) and 'about_<ModuleName>.md' in
        DocsPath. Writes '<assembly>.dll-Help.xml' (one per cmdlet assembly; for a module whose
        cmdlets live in <ModuleName>.dll that is '<ModuleName>.dll-Help.xml') and
        'about_<ModuleName>.help.txt' to OutputPath, and returns the files written.

        The module must already be imported in this session: syntax and parameter metadata
        are taken from the loaded cmdlets, prose from the markdown. Exported cmdlets without a
        page, and pages of unknown commands, produce warnings; use Test-HelpMarkdown to gate.
    #>
    [CmdletBinding()]
    [OutputType([IO.FileInfo])]
    param(
        [Parameter(Mandatory)] [string] $DocsPath,
        [Parameter(Mandatory)] [string] $ModuleName,
        [Parameter(Mandatory)] [string] $OutputPath
    )
    $ErrorActionPreference = 'Stop'

    $module = Get-LoadedModule $ModuleName
    $DocsPath = (Resolve-Path -LiteralPath $DocsPath -ErrorAction Stop).ProviderPath
    $OutputPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputPath)
    [void][IO.Directory]::CreateDirectory($OutputPath)

    $cmdlets = @($module.ExportedCmdlets.Values | Sort-Object Name)
    $pages = @{}
    foreach ($file in (Get-CommandPageFile $DocsPath)) {
        if (-not $module.ExportedCmdlets.ContainsKey($file.BaseName)) {
            Write-Warning "Skipping '$($file.Name)': '$($file.BaseName)' is not a cmdlet exported by $ModuleName."
            continue
        }
        $pages[$file.BaseName] = Read-CommandHelpPage $file.FullName
    }

    foreach ($group in ($cmdlets | Group-Object { Get-HelpFileName $_ })) {
        $path = Join-Path $OutputPath $group.Name
        $writer = New-Utf8XmlWriter $path
        try {
            $writer.WriteStartDocument()
            $writer.WriteStartElement('helpItems', $script:HelpItemsNs)
            $writer.WriteAttributeString('schema', 'maml')
            $writer.WriteAttributeString('xmlns', 'maml', $null, $script:MamlNs)
            $writer.WriteAttributeString('xmlns', 'command', $null, $script:CommandNs)
            $writer.WriteAttributeString('xmlns', 'dev', $null, $script:DevNs)
            foreach ($command in $group.Group) {
                if (-not $pages.ContainsKey($command.Name)) {
                    Write-Warning "No help page '$($command.Name).md' in '$DocsPath'; $($command.Name) gets no help."
                    continue
                }
                Write-MamlCommand $writer $command $pages[$command.Name]
            }
            $writer.WriteEndElement()
            $writer.WriteEndDocument()
        }
        finally {
            $writer.Dispose()
        }
        Get-Item -LiteralPath $path
    }

    $topicName = "about_$($module.Name)"
    $aboutSource = Join-Path $DocsPath "$topicName.md"
    if (Test-Path -LiteralPath $aboutSource -PathType Leaf) {
        $aboutPath = Join-Path $OutputPath "$topicName.help.txt"
        [IO.File]::WriteAllText($aboutPath, (ConvertTo-AboutText $aboutSource $topicName), [Text.UTF8Encoding]::new($false))
        Get-Item -LiteralPath $aboutPath
    }
    else {
        Write-Warning "No about topic page '$topicName.md' in '$DocsPath'."
    }
}

function Test-HelpMarkdown {
    <#
    .SYNOPSIS
        Reports gaps between the markdown help pages and the cmdlets of a loaded module.
    .DESCRIPTION
        Returns one [pscustomobject]@{ Command; Problem } per problem; no output means the
        docs are complete. The module must already be imported in this session.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)] [string] $DocsPath,
        [Parameter(Mandatory)] [string] $ModuleName
    )
    $ErrorActionPreference = 'Stop'

    $module = Get-LoadedModule $ModuleName
    $DocsPath = (Resolve-Path -LiteralPath $DocsPath -ErrorAction Stop).ProviderPath

    $problem = { param($Command, $Problem) [pscustomobject]@{ Command = $Command; Problem = $Problem } }

    foreach ($command in ($module.ExportedCmdlets.Values | Sort-Object Name)) {
        $name = $command.Name
        $path = Join-Path $DocsPath "$name.md"
        if (-not (Test-Path -LiteralPath $path -PathType Leaf)) {
            & $problem $name "Missing help page '$name.md'."
            continue
        }

        $page = Read-CommandHelpPage $path
        if ($page.Title -ne $name) { & $problem $name "Page title is '$($page.Title)', expected '# $name'." }
        if ($page.SectionTitles -notcontains 'SYNOPSIS') { & $problem $name 'SYNOPSIS section is missing.' }
        elseif (-not $page.Synopsis) { & $problem $name 'SYNOPSIS is empty.' }
        if ($page.SectionTitles -notcontains 'DESCRIPTION') { & $problem $name 'DESCRIPTION section is missing.' }
        elseif (-not $page.Description) { & $problem $name 'DESCRIPTION is empty.' }
        if (-not ($page.Examples | Where-Object { $_.Code -match '\S' })) {
            & $problem $name 'No example with a code block under EXAMPLES.'
        }

        $codeNames = @(Get-DocumentedParameterName $command)
        foreach ($parameter in $codeNames) {
            # Keys of the ordered dictionary are case-insensitive, as parameter names are.
            if (-not $page.Parameters.Contains($parameter)) {
                & $problem $name "Parameter -$parameter has no '### -$parameter' section."
            }
            elseif (-not $page.Parameters[$parameter].Description) {
                & $problem $name "Parameter -$parameter has an empty description."
            }
        }
        foreach ($documented in $page.Parameters.Keys) {
            if ($codeNames -contains $documented) { continue }
            if ($command.Parameters.ContainsKey($documented)) {
                & $problem $name "Documented parameter -$documented is a common or hidden parameter and gets no section of its own."
            }
            else {
                & $problem $name "Documented parameter -$documented does not exist on the cmdlet."
            }
        }
    }

    foreach ($file in (Get-CommandPageFile $DocsPath)) {
        if (-not $module.ExportedCmdlets.ContainsKey($file.BaseName)) {
            & $problem $file.BaseName "Page '$($file.Name)' documents a command that $($module.Name) does not export."
        }
    }

    $topicName = "about_$($module.Name)"
    if (-not (Test-Path -LiteralPath (Join-Path $DocsPath "$topicName.md") -PathType Leaf)) {
        & $problem $topicName "Missing about topic page '$topicName.md'."
    }
}

Export-ModuleMember -Function ConvertTo-MamlHelp, Test-HelpMarkdown
