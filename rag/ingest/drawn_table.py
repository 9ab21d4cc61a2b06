"""A table drawn in plain text with pipes: org-mode's "|-----+-----|" rules under its header row,
or a man page's grid of "+--------+" rules. `plaintext` reads such a paragraph as a table, each cell
with its column's header and its row's label, as a Markdown pipe table is read.
"""

from __future__ import annotations

# A table drawn with pipes: its rules ("|------+-----|", a grid table's "+--------+--------+") and
# its rows ("|  1024 | ipc | ipc |"). Read with string methods: a pattern with two runs of the same
# characters took quadratic time on a long line of dashes.
_RULE_CHARS = "-=:+| "


def _is_rule(line: str) -> bool:
    drawn = line.strip(" \t\r\n")
    return len(drawn) > 1 and drawn[0] in "|+" and drawn[-1] in "|+" and not drawn.strip(_RULE_CHARS) \
        and ("-" in drawn or "=" in drawn)


def _is_row(line: str) -> bool:
    """A line between pipes (a rule is one too: `start` reads rules first)."""
    drawn = line.strip(" \t\r\n")
    return len(drawn) > 1 and drawn[0] == "|" and drawn[-1] == "|"


def start(paragraph: str) -> int | None:
    """Where a paragraph drawn as a table starts (its header row, under a grid table's top rule),
    or None: every line a row or a rule, and a rule under the header row. An org-mode table of
    debug flags or a man page's grid of sections then reads as a Markdown table does, each cell
    with its column's header and its row's label ("gpg, 1024: ipc")."""
    lines = paragraph.splitlines(keepends=True)
    rules = [_is_rule(line) for line in lines]
    rows = [not rule and _is_row(line) for line, rule in zip(lines, rules)]
    header = 1 if rules and rules[0] else 0
    if len(lines) < header + 3 or not all(r or w for r, w in zip(rules, rows)) \
            or not rows[header] or not rules[header + 1]:
        return None
    return sum(len(line) for line in lines[:header])
