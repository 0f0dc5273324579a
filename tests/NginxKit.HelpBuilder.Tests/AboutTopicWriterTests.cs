using NginxKit.HelpBuilder.Markdown;
using NginxKit.HelpBuilder.Output;
using Xunit;

namespace NginxKit.HelpBuilder.Tests;

public class AboutTopicWriterTests
{
    [Fact]
    public void Lays_out_headings_text_lists_code_and_tables_as_about_topics_are()
    {
        const string markdown = """
            # about_Test

            ## SHORT DESCRIPTION
            Cmdlets for *things*.

            ## LONG DESCRIPTION
            Things are kept in a store, and the cmdlets of this module read, write and remove them, one pipeline at a time.

            ### Reading
            - Get-Thing reads things by name, or every thing with -All, and writes one object per thing found.
              - nested

            ```powershell
            Get-Thing -All

              indented   
            ```

            | name | kind |
            | --- | --- |
            | `a` | small |

            #### Deeper
            Text.
            """;

        Assert.Equal(
            """
            TOPIC
                about_Test

            SHORT DESCRIPTION
                Cmdlets for things.

            LONG DESCRIPTION
                Things are kept in a store, and the cmdlets of this module read, write and
                remove them, one pipeline at a time.

              Reading
                - Get-Thing reads things by name, or every thing with -All, and writes one
                  object per thing found.
                  - nested

                    Get-Thing -All

                      indented

                name  kind
                ----  -----
                a     small

                Deeper
                Text.

            """.Replace("\r\n", "\n"),
            AboutTopicWriter.Render(markdown));
    }

    [Fact]
    public void A_hard_break_starts_a_new_line_at_the_hanging_indent()
    {
        Assert.Equal(["    one", "    two"], AboutTopicWriter.Wrap("one\ntwo", 4, 4));
    }

    [Fact]
    public void A_word_longer_than_the_line_stands_alone_rather_than_being_cut()
    {
        var word = new string('x', 90);

        Assert.Equal(["    short", "      " + word, "      tail"], AboutTopicWriter.Wrap($"short {word} tail", 4, 6));
    }

    [Fact]
    public void The_page_needs_a_title()
    {
        var error = Assert.Throws<HelpFormatException>(() => AboutTopicWriter.Render("## SHORT DESCRIPTION\nWords.\n"));

        Assert.Equal(1, error.Line);
    }
}
