"""The maps for newcomers stay true: every file, function and test that docs/architecture.md and
docs/rules.md name in backticks exists.

A path (`workorders/fees.py`) opens a group; the names right after it, separated only by commas
or "and" (`quote`, `warranty_end`), must be defined in that file. `tests/x.py::test_y` names a
test function.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ("docs/architecture.md", "docs/rules.md")
TOKEN = re.compile(r"`([^`\n]+)`")
GLUE = re.compile(r"^[\s,(]*(and\s*)?$")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def defines(path: Path, name: str) -> bool:
    pattern = rf"^\s*(def|class)\s+{name}\b|^\s*{name}\s*(:[^=]*)?=|^\s*@bp\.\w+.*\n\s*def\s+{name}\b"
    return re.search(pattern, path.read_text(encoding="utf-8"), re.MULTILINE) is not None


def references(text: str) -> list[tuple[str, str | None]]:
    """(file, name or None) pairs named in ``text``."""
    found: list[tuple[str, str | None]] = []
    current, end = None, 0
    for match in TOKEN.finditer(text):
        token, glue = match.group(1), text[end:match.start()]
        end = match.end()
        if "::" in token:
            file, _, test = token.partition("::")
            found.append((file, test))
            current = None
        elif re.match(r"^[\w./-]+\.(py|html|md|js)$", token) and "/" in token:
            found.append((token, None))
            current = token if token.endswith(".py") else None
        elif current and GLUE.match(glue) and IDENTIFIER.match(token):
            found.append((current, token))
        else:
            current = None
    return found


@pytest.mark.parametrize("doc", DOCS)
def test_every_named_file_and_function_exists(doc):
    text = (ROOT / doc).read_text(encoding="utf-8")
    refs = references(text)
    assert len(refs) > 20, f"{doc} names almost nothing: the parser or the map is broken"
    missing = [f"{file}{'::' + name if name else ''}" for file, name in refs
               if not (ROOT / file).exists() or (name and not defines(ROOT / file, name))]
    assert not missing, f"{doc} names what does not exist: {missing}"


def test_the_check_can_fail():
    refs = references("`workorders/fees.py` `quote`, `no_such_function`; then `ACTIONS` alone")
    assert refs == [("workorders/fees.py", None), ("workorders/fees.py", "quote"),
                    ("workorders/fees.py", "no_such_function")]
    assert not defines(ROOT / "workorders/fees.py", "no_such_function")
    assert defines(ROOT / "workorders/fees.py", "quote")
