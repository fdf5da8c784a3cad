"""Hostile YAML (trustsim/safe_yaml.py): bounded, safe, no silent duplicate keys.

The module is imported inside the tests that need it, so that every test runs (and the
behavioural ones fail by assertion) against a trustsim without it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from trustsim.errors import ScenarioError
from trustsim.scenario.loading import load_scenario, parse_value

REPO = Path(__file__).resolve().parents[2]


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """The classic "billion laughs": 1.3 KB of text, width**levels strings once expanded."""
    lines = [f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    lines.append("name: bomb")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_while_composing(tmp_path: Path) -> None:
    text = alias_bomb()
    assert len(text) < 1500
    path = tmp_path / "bomb.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=r"bomb\.yaml: refused at line \d+.*alias bomb"):
        load_scenario(path)


def test_alias_bomb_exits_2_from_the_command_line(tmp_path: Path) -> None:
    # A real process: the bound must hold before anything is expanded (the old loader grew
    # to 3.3 GB and died after 105 s; the limit keeps a broken fix from eating the machine).
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb())
    completed = subprocess.run(
        [sys.executable, "-m", "trustsim", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_memory(2 * 2**30),
        cwd=REPO,
    )
    assert completed.returncode == 2, completed.stderr
    assert "Traceback" not in completed.stderr
    assert "alias bomb" in completed.stderr


def _limit_memory(size: int):  # type: ignore[no-untyped-def]
    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    return limit


@pytest.mark.parametrize("style", ["flow", "block"])
def test_deep_nesting_exits_2_without_recursion_error(tmp_path: Path, style: str) -> None:
    depth = 5000
    if style == "flow":
        text = "name: deep\nfirm: " + "[" * depth + "]" * depth + "\n"
    else:  # compact nested block sequences: "- - - ... x"
        text = "name: deep\nfirm:\n  " + "- " * depth + "x\n"
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    completed = subprocess.run(
        [sys.executable, "-m", "trustsim", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert completed.returncode == 2, completed.stderr
    assert "RecursionError" not in completed.stderr and "Traceback" not in completed.stderr
    assert "nested more than 100 levels deep" in completed.stderr


def test_nesting_through_aliases_is_bounded_as_expanded() -> None:
    from trustsim.scenario import safe_yaml

    # 100 levels written, but every alias adds the depth of what it points to.
    lines = ["a0: &a0 [" + "[" * 60 + "]" * 60 + "]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 80)]
    with pytest.raises(safe_yaml.YAMLLimitError, match="once its aliases are expanded"):
        safe_yaml.load("\n".join(lines))


def test_recursive_alias_is_refused() -> None:
    from trustsim.scenario import safe_yaml

    with pytest.raises(safe_yaml.YAMLLimitError, match="cycle"):
        safe_yaml.load("a: &loop [1, *loop]\n")


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ("name: dup\nsteps: 5\nsteps: 10\n", "steps", 3),
        ("name: dup\nfirm:\n  transparency: 0.2\n  x: 1\n  transparency: 0.9\n", "transparency", 5),
        ("name: dup\nfirm: {transparency: 0.2, transparency: 0.9}\n", "transparency", 2),
    ],
)
def test_duplicate_keys_exit_2_naming_the_key_and_line(
    tmp_path: Path, text: str, key: str, line: int
) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=rf"line {line}, column \d+: duplicate key '{key}'"):
        load_scenario(path)


def test_merge_keys_may_be_overridden_as_yaml_specifies() -> None:
    from trustsim.scenario import safe_yaml

    data = safe_yaml.load("base: &base {a: 1, b: 2}\nchild:\n  <<: *base\n  b: 3\n")
    assert data["child"] == {"a": 1, "b": 3}


def test_only_safe_tags() -> None:
    from trustsim.scenario import safe_yaml

    with pytest.raises(yaml.YAMLError):
        safe_yaml.load("x: !!python/object/apply:os.system ['true']\n")


def test_exponent_notation_is_a_number_as_in_yaml_1_2() -> None:
    from trustsim.scenario import safe_yaml

    data = safe_yaml.load("a: 1e-3\nb: 2E6\nc: -1.5e+2\nd: 1_000\ne: '1e3'\nf: e3\ng: 1.0\n")
    assert data == {"a": 0.001, "b": 2e6, "c": -150.0, "d": 1000, "e": "1e3", "f": "e3", "g": 1.0}
    assert parse_value("1e-3") == 0.001


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("steps: " + "9" * 5000 + "\n", id="integer of 5000 digits"),
        pytest.param("seed: 2001-13-45\n", id="impossible date"),
    ],
)
def test_values_python_cannot_convert_exit_2(tmp_path: Path, text: str) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=r"odd\.yaml: refused.*cannot be read"):
        load_scenario(path)


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    from trustsim.scenario import safe_yaml

    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(safe_yaml.MAX_BYTES + 1)  # sparse: nothing is really written
    with pytest.raises(ScenarioError, match=r"larger than 10 MiB"):
        load_scenario(path)


def test_set_value_with_duplicate_keys_is_refused(tiny_file: Path) -> None:
    with pytest.raises(ScenarioError, match=r"duplicate key 'transparency'"):
        load_scenario(tiny_file, {"firm": "{transparency: 0.1, transparency: 0.9}"})
