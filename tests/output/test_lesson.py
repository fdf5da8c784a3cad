"""The lesson of a teaching scenario, read from its header comment (trustsim/output/lesson.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustsim.output.lesson import Lesson, parse_lesson, read_lesson

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((REPO / "scenarios").glob("*.yaml"))


def test_a_header_comment_gives_title_what_happens_what_to_look_at_and_commands() -> None:
    text = (
        "# Lesson: promises matter.\n#\n"
        "# What happens: the firm breaks\n# some promises.\n#\n"
        "# What to look at: the competence line.\n#\n"
        "#   trustsim run x.yaml\n#   trustsim compare x.yaml   # a vs b\n"
        "name: x\n# a later comment is not part of the header\n"
    )
    lesson = parse_lesson(text)
    assert lesson == Lesson(
        title="promises matter.",
        what_happens="The firm breaks some promises.",
        what_to_look_at="The competence line.",
        commands=("trustsim run x.yaml", "trustsim compare x.yaml   # a vs b"),
    )
    assert Lesson.from_dict(lesson.as_dict()) == lesson
    # a paragraph that starts with a file name keeps its case
    path_first = parse_lesson("# Lesson: x.\n#\n# What to look at: figures/trust.png, the line.\n")
    assert path_first is not None and path_first.what_to_look_at.startswith("figures/trust.png")


def test_a_file_without_a_lesson_heading_has_none(tmp_path: Path) -> None:
    assert parse_lesson("# Baseline: a firm.\n#\n# What happens: x\nname: b\n") is None
    assert parse_lesson("name: b\n") is None
    assert read_lesson(tmp_path / "missing.yaml") is None
    assert read_lesson(None) is None


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda path: path.name)
def test_every_teaching_scenario_has_a_complete_lesson(path: Path) -> None:
    lesson = read_lesson(path)
    not_lessons = (
        "baseline.yaml",
        "sweep_verification.yaml",
        "optimize_policy.yaml",
        "calibrate_churn.yaml",
    )
    if path.name in not_lessons:
        assert lesson is None
        return
    assert lesson is not None
    assert lesson.title and lesson.what_happens and lesson.what_to_look_at
    assert any(command.startswith("trustsim run") for command in lesson.commands)
