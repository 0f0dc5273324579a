namespace NginxKit.HelpBuilder.Pages;

/// <summary>A related link. Uri is empty for links to other pages of the module, which Get-Help shows by name.</summary>
internal sealed record HelpLink(string Text, string Uri);
