"""Where plain text's sentences start and end (issue 11): a wrapped line that opens with an
option or is indented with no-break spaces continues its sentence; a dotted name or a macro's "!"
ends none; the lines under a "#" heading, the options of a --help text and a list with one item a
line are sentences each."""

from __future__ import annotations

from rag.ingest.chunker import plain, readable_sentences
from tests.reading import chunks_of, sentences_by_section


def test_a_wrapped_line_that_starts_with_an_option_is_the_same_sentence():
    assert plain("As of 3.4.0, try using the\n--track-origins=yes option.") == \
        "As of 3.4.0, try using the --track-origins=yes option."
    assert plain("Items:\n- one\n- two") == "Items:\n- one\n- two"


def test_a_dotted_name_is_not_cut_into_sentences(tmp_path):
    """sentencex ends a sentence at every "." before a capital, also inside "java.util.List":
    "replaced by org.apache.commons.cli.Option.builder()" was shown as "Option.builder()
    org.apache.commons.cli." (corpus19)."""
    notes = ("DEPRECATIONS\n============\n\nThe class org.apache.commons.cli.OptionBuilder is\nreplaced by "
             "org.apache.commons.cli.Option.builder() in this release. Custom functions in jmespath.py are "
             "experimental.\n")
    _, chunks = chunks_of(tmp_path, "RELEASE-NOTES.txt", notes)
    sentences = [s for section in sentences_by_section(chunks).values() for s in section]
    assert "The class org.apache.commons.cli.OptionBuilder is replaced by org.apache.commons.cli.Option.builder() " \
           "in this release." in sentences, sentences
    assert "Custom functions in jmespath.py are experimental." in sentences, sentences


def test_a_macros_bang_ends_no_sentence(tmp_path):
    """The Rust Reference's "it controls the behavior of the standard library's debug_assert!
    macro." was cut before "macro.", which an answer then showed as a sentence of its own."""
    text = ("debug_assertions\n\nEnabled by default when compiling without optimizations. For example, it "
            "controls the behavior of the standard library's debug_assert! macro. Use it well!\n")
    _, chunks = chunks_of(tmp_path, "conditional-compilation.txt", text)
    sentences = [s for section in sentences_by_section(chunks).values() for s in section]
    assert "For example, it controls the behavior of the standard library's debug_assert! macro." in sentences, \
        sentences
    assert "Use it well!" in sentences, sentences


def test_a_sentence_wrapped_onto_a_line_indented_with_no_break_spaces_reads_as_one_line(tmp_path):
    """DocBook's text output indents wrapped lines with U+00A0; the sentence still unwraps."""
    text = ("Timeout policy:\n\n      An exponential backoff should be used here. Start\n"
            "\u00a0  \u00a0  at 2 seconds, and discontinue retransmit after 126 seconds.\n")
    _, chunks = chunks_of(tmp_path, "spec.txt", text)
    found = [s for piece in chunks for s in readable_sentences(piece)]
    assert "Start at 2 seconds, and discontinue retransmit after 126 seconds." in found


def test_the_lines_under_a_hash_heading_inside_a_paragraph_are_sentences(tmp_path):
    """A README without a suffix whose "## Usage" line follows its text without a blank line:
    the heading is one line, and the lines after it were dropped with it as one heading."""
    text = ("frob\n\nfrob fetches files.\n\nSome intro text here that is long enough to be prose.\n"
            "## Usage\nRun frob --fast to go fast.\nIt is quick.\n")
    _, chunks = chunks_of(tmp_path, "frob-README", text)
    said = [s for piece in chunks for s in readable_sentences(piece)]
    assert "Run frob --fast to go fast." in said and "It is quick." in said, said
    assert not any("Usage" in s for s in said)  # the heading itself is no sentence


TICKETS = """\
Changes by ticket ID
--------------------

7707    Credential cache API does not support atomic reinitialization
8010    gss_store_cred should initialize ccache and work with collections
8977    Allow kprop over more types of NATs
8978    Support host-based GSS initiator names

You should have received a copy of the GNU Lesser General Public
License along with this library; if not, write to the Free Software
Foundation, Inc., 51 Franklin Street, Fifth Floor, Boston, MA  02110-1301  USA
"""


HELP_TEXT = """\
usage: frob [-h] [-j JOBS] [--cache DIR] target

Build targets fast, with a shared cache.

options:
  -h, --help            show this help message and exit
  -j JOBS, --jobs JOBS  number of parallel jobs (default: 4)
  --cache DIR           cache directory (default: ~/.cache/frob)
  --retries N           retry a failed step N times before giving up (default:
                        2)

Tell your users which options to use.  The option string
-j 8 is recommended on a laptop.  Test it first.
"""


def test_options_laid_out_in_columns_are_each_a_sentence(tmp_path):
    """A --help text lists an option a line, its description in a column beside it: unwrapped, the
    whole list was one "sentence". A wrapped description stays with its option, and a sentence
    that wraps onto an option ("... The option string\n-j 8 is recommended.") stays whole."""
    _, chunks = chunks_of(tmp_path, "frob-usage.txt", HELP_TEXT)
    said = [s for c in chunks for s in readable_sentences(c)]
    assert "-j JOBS, --jobs JOBS number of parallel jobs (default: 4)" in said, said
    assert "--retries N retry a failed step N times before giving up (default: 2)" in said, said
    assert "The option string -j 8 is recommended on a laptop." in said, said


def test_lines_that_each_hold_an_item_are_not_unwrapped_into_one_sentence(tmp_path):
    """A list with no markers, one ticket a line, is read a line at a time (unwrapped, forty
    tickets were one "sentence"); a wrapped sentence whose lines open with capitals is still one."""
    _, chunks = chunks_of(tmp_path, "tool-README", TICKETS)
    sentences = [s for c in chunks for s in readable_sentences(c)]
    assert "8977 Allow kprop over more types of NATs" in sentences, sentences
    assert any(s.startswith("You should have received") and s.endswith("USA") for s in sentences), sentences
