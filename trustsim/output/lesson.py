"""The lesson of a teaching scenario: the comment at the top of its YAML file.

A teaching scenario (``scenarios/trust_repair.yaml`` and the others) starts with a comment
in this shape::

    # Lesson: trust collapses after a data breach and comes back slowly ...
    #
    # What happens: on day 60 the data of 60% of the customers leaks. ...
    #
    # What to look at: figures/trust.png — the integrity line ...
    #
    #   trustsim run scenarios/trust_repair.yaml
    #   trustsim compare scenarios/trust_repair.yaml      # hidden vs disclosed

:func:`read_lesson` returns its parts; the report of a run, comparison or sweep of such a
file carries them as an educator's handout (through the manifest's ``lesson`` entry), and
the classroom view shows them next to the model. A file whose comment does not start
with ``Lesson:`` has no lesson.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

#: Paragraph headings of a lesson, and the attribute each fills.
HEADINGS: dict[str, str] = {
    "lesson": "title",
    "what happens": "what_happens",
    "what it shows": "what_happens",
    "what to look at": "what_to_look_at",
}


@dataclass(frozen=True)
class Lesson:
    """A teaching scenario's lesson, in the words of its header comment.

    Attributes:
        title: the lesson in one sentence (after "Lesson:").
        what_happens: what the scenario makes happen.
        what_to_look_at: where to see it.
        commands: the command lines the comment suggests, as written.
    """

    title: str
    what_happens: str = ""
    what_to_look_at: str = ""
    commands: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the manifest."""
        data = asdict(self)
        data["commands"] = list(self.commands)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Lesson:
        """Back from :meth:`as_dict` (a manifest's ``lesson`` entry)."""
        return cls(
            title=str(data.get("title", "")),
            what_happens=str(data.get("what_happens", "")),
            what_to_look_at=str(data.get("what_to_look_at", "")),
            commands=tuple(str(c) for c in data.get("commands", [])),
        )


def header_comment(text: str) -> list[str]:
    """The lines of the comment a YAML text starts with, without the ``#`` (and one space)."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[2:] if line.startswith("# ") else line[1:])
    return lines


def parse_lesson(text: str) -> Lesson | None:
    """The lesson in the header comment of a scenario's YAML text (None without one)."""
    paragraphs: list[list[str]] = [[]]
    commands: list[str] = []
    for line in header_comment(text):
        stripped = line.strip()
        if stripped.startswith("trustsim "):
            commands.append(stripped)
        elif not stripped:
            paragraphs.append([])
        elif not line.startswith(" "):
            paragraphs[-1].append(stripped)
    parts: dict[str, str] = {}
    for words in (" ".join(p) for p in paragraphs if p):
        found = re.match(r"^([A-Za-z ]+):\s*(.*)$", words)
        if found and found.group(1).lower() in HEADINGS:
            attribute = HEADINGS[found.group(1).lower()]
            said = found.group(2).strip()
            if attribute != "title" and "/" not in said.split(" ", 1)[0]:
                said = said[:1].upper() + said[1:]  # a sentence, not a file name
            parts.setdefault(attribute, said)
    if "title" not in parts:
        return None
    return Lesson(commands=tuple(commands), **parts)


def read_lesson(path: str | Path | None) -> Lesson | None:
    """The lesson of a scenario file (None when the file has none or cannot be read)."""
    if path is None:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return parse_lesson(text)
