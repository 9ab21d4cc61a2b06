"""Reading configuration files: comments as prose and settings one a line (postgresql.conf.sample,
sensors3.conf, YAML, TOML, INI, /etc/default/useradd), "[section]" lines as headings, XML whatever
its suffix, and a setting named in camel case."""

from __future__ import annotations

from rag.ingest.chunker import readable_sentences
from tests.reading import ask_one_file, chunks_of, sentences_by_section


SETTINGS_SAMPLE = """\
# -----------------------------
# Server configuration file
# -----------------------------
#
# The commented-out settings shown in this file represent the default values.
# Re-commenting a setting is NOT sufficient to revert it to the default value;
# you need to reload the server.

#------------------------------------------------------------------------------
# CONNECTIONS
#------------------------------------------------------------------------------

#listen_addresses = 'localhost'\t\t# what IP address(es) to listen on;
#port = 5432\t\t\t\t# (change requires restart)
#max_connections = 100\t\t\t# (change requires restart)
"""


def test_a_configuration_file_of_commented_defaults_quotes_its_settings_and_comments(tmp_path):
    _, chunks = chunks_of(tmp_path, "server.conf.sample.txt", SETTINGS_SAMPLE)
    sections = sentences_by_section(chunks)
    assert "max_connections = 100 # (change requires restart)" in sections["CONNECTIONS"], \
        "each setting is a line of its own, quoted without its comment mark"
    assert "Re-commenting a setting is NOT sufficient to revert it to the default value; " \
           "you need to reload the server." in sections["Server configuration file"], \
        "a comment wrapped over lines is one sentence"
    answer = ask_one_file(tmp_path, "server.conf.sample.txt", SETTINGS_SAMPLE,
                          "what is the default max_connections")
    assert "max_connections = 100" in answer.text


SENSORS_SAMPLE = """\
# libsensors configuration file
# -----------------------------
#
# Only label, compute and set statements for internal voltage and
# temperature sensors are included. Configuration files for specific
# mainboards can be found in "configs" directory of lm-sensors package.

chip "lm78-*" "lm79-*"

    label temp1 "M/B Temp"

chip "w83792d-*"

    label in0 "VcoreA"
    label in1 "VcoreB"
    set in6_min 5.0 * 0.90
    set in6_max 5.0 * 1.10

chip "fscsyl-*"
# Fujitsu Technology Solutions, "Syleus"-Chip

    label temp1 "CPU Temp"
    label temp4 "Super I/O Temp"
    label fan1 "CPU Fan"
"""


def test_a_comment_block_among_many_statements_is_read_as_text(tmp_path):
    """sensors3.conf comments on far fewer lines than it states "chip" and "label": its opening
    comment was read as headings and lost, and "Syleus" (a chip's comment) was no sentence."""
    _, chunks = chunks_of(tmp_path, "sensors3.conf", SENSORS_SAMPLE)
    said = [s for piece in chunks for s in readable_sentences(piece)]
    assert any('can be found in "configs" directory of lm-sensors package.' in s for s in said), said
    assert any("Syleus" in s for s in said), said


APP_YAML = """\
# Example configuration for the frobnicator service.

server:
  # The address the HTTP API listens on. Use 0.0.0.0 to listen on all interfaces.
  host: 127.0.0.1
  # TCP port of the HTTP API.
  port: 8088
  # Seconds to wait for a client before closing an idle connection.
  idle_timeout: 75

storage:
  # Maximum size of one upload, in megabytes.
  max_upload_mb: 512
"""

WIDGET_TOML = """\
[tool.widget]
# How many worker processes to start; 0 means one per CPU core.
workers = 4
# Retry a failed job this many times before giving up.
retries = 3
"""


def test_comments_that_explain_settings_are_read_as_text(tmp_path):
    """A YAML or TOML file comments each setting on the line above it, on too few lines to count
    as mostly comments: its comments were read as Markdown headings and lost, leaving
    "port: 8088" with nothing to say what it is the port of. Each setting is a line of its own."""
    _, chunks = chunks_of(tmp_path, "app-config.yaml", APP_YAML)
    said = [s for piece in chunks for s in readable_sentences(piece)]
    assert "TCP port of the HTTP API." in said and "port: 8088" in said, said
    assert "Seconds to wait for a client before closing an idle connection." in said, said
    _, chunks = chunks_of(tmp_path, "widget.toml", WIDGET_TOML)
    said = [s for piece in chunks for s in readable_sentences(piece)]
    assert "Retry a failed job this many times before giving up." in said and "retries = 3" in said, said


USERADD_DEFAULTS = """\
# Default values for useradd(8)
#
# The SHELL variable specifies the default login shell on your
# system.
# However, we use "sh" here because useradd is a low level utility
# and should be as general as possible.
SHELL=/bin/sh
#
# The default home directory.
# HOME=/home
"""

PLAIN_PYPROJECT = """\
[build-system]
requires = ["flit_core >=3.2,<4"]
build-backend = "flit_core.buildapi"

[project]
name = "idna"
requires-python = ">=3.6"
"""


def test_a_comment_wrapped_between_settings_is_one_sentence(tmp_path):
    """/etc/default/useradd explains each setting in a comment wrapped over lines: read as code,
    line by line, the sentence was cut at "login shell on your". A commented-out setting is
    still a setting of its own, and a .toml file with no comment at all is read setting by
    setting, not unwrapped into one sentence."""
    _, chunks = chunks_of(tmp_path, "default-useradd", USERADD_DEFAULTS)
    said = [s for c in chunks for s in readable_sentences(c)]
    assert "The SHELL variable specifies the default login shell on your system." in said, said
    assert "SHELL=/bin/sh" in said and "HOME=/home" in said, said
    _, chunks = chunks_of(tmp_path, "idna-pyproject.toml", PLAIN_PYPROJECT)
    said = [s for c in chunks for s in readable_sentences(c)]
    assert 'build-backend = "flit_core.buildapi"' in said and 'requires-python = ">=3.6"' in said, said


UNITTEST_CFG = """\
[unittest]
plugins =
    unittest2.plugins.junitxml
excluded-plugins =

# true or false
catch =

[junit-xml]
always-on = False
path = junit.xml

[coverage]
# defaults to './htmlcov/'
html-directory =
"""


def test_a_section_line_heads_the_settings_under_it(tmp_path):
    """An INI file's "[junit-xml]" says whose "path = junit.xml" it is: read as a line of code, the
    setting stood alone. A setting left empty ("excluded-plugins =") is a setting, not a heading."""
    _, chunks = chunks_of(tmp_path, "unittest.cfg", UNITTEST_CFG)
    sections = sentences_by_section(chunks)
    assert sections["junit-xml"] == ["always-on = False", "path = junit.xml"], sections
    assert "excluded-plugins =" in sections["unittest"], sections
    assert sections["coverage"] == ["defaults to './htmlcov/'", "html-directory ="], sections


APPSTREAM_CONF = """\
# Configuration file for AppStream
[ubuntu]
FreeRepos=ubuntu-*-main;ubuntu-*-universe
ScreenshotUrl=http://screenshots.ubuntu.com
"""


def test_a_setting_keeps_its_stars(tmp_path):
    """A setting is quoted as written: "ubuntu-*-main;ubuntu-*-universe" read as Markdown lost its
    stars as emphasis marks, and "which repos count as free for ubuntu" was answered "ubuntu--main"."""
    _, chunks = chunks_of(tmp_path, "appstream.conf", APPSTREAM_CONF)
    assert "FreeRepos=ubuntu-*-main;ubuntu-*-universe" in sentences_by_section(chunks)["ubuntu"]


DRICONF = """\
<?xml version="1.0" standalone="yes"?>
<driconf>
    <device>
        <!-- Needed otherwise the app doesn't try to use OpenCL -->
        <application name="Maya" executable="maya.bin">
            <option name="force_gl_vendor" value="ATI Technologies Inc." />
        </application>
    </device>
</driconf>
"""


def test_an_xml_file_is_read_as_xml_whatever_its_suffix(tmp_path):
    """Mesa's driconf is XML named 00-mesa-defaults.conf: its explanations are comments, and its
    settings are elements named "option", which HTML calls markup. Both are text to read."""
    _, chunks = chunks_of(tmp_path, "00-mesa-defaults.conf", DRICONF)
    text = " ".join(" ".join(readable_sentences(c)) for c in chunks)
    assert "Needed otherwise the app doesn't try to use OpenCL" in text
    assert 'name="force_gl_vendor" value="ATI Technologies Inc."' in text
    assert "<!--" not in text


POWER_CONF = ("# Power daemon configuration\n#\n# Only the options below are read.\n\n[Power]\n\n"
              "# Whether the battery percentage based policy should be used. The default is to use\n"
              "# the time left, change to true to use the percentage, which should work around broken\n"
              "# firmwares.\n#\n# default=true\nUsePercentageForPolicy=true\n\n"
              "# When UsePercentageForPolicy is true, the levels at which the daemon will consider the\n"
              "# battery low, critical, or take action for the critical battery level.\n#\n"
              "# If any value is invalid, the defaults will be used.\n\nPercentageLow=20\nPercentageCritical=5\n"
              "PercentageAction=2\n\n# The action to take when the battery level reaches the critical action level.\n"
              "CriticalPowerAction=HybridSleep\n")


def test_a_setting_named_in_camel_case_answers_in_its_words(tmp_path):
    """"PercentageLow=20" is the answer to "default low battery percentage": its name is words run
    together, which the comment lines around it beat while they were one word (UPower.conf)."""
    answer = ask_one_file(tmp_path, "power.conf", POWER_CONF, "default low battery percentage in the power daemon?")
    assert "PercentageLow=20" in answer.text, answer.text
    (tmp_path / "again").mkdir()
    answer = ask_one_file(tmp_path / "again", "power.conf", POWER_CONF,
                          "what does the power daemon do at the critical action level")
    assert "CriticalPowerAction=HybridSleep" in answer.text, answer.text
