"""One place reads moments in the configured zone (``dispatch/timeutil.py``) and one place parses
days, date-times and months (``dispatch/validators.py``, with the 1990–2100 guard): an AST scan
of the application packages fails on a hand-written conversion or parser anywhere else."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("dispatch", "inventory", "workorders", "board")
HELPER = "dispatch/timeutil.py"
PARSERS = "dispatch/validators.py"
#: (module, rule) → why it may break the rule. Keep it tiny.
ALLOWED = {
    ("dispatch/technicians/services.py", "parser"):
        "a technician's working hours are a clock time (HH:MM): no calendar day to guard",
    ("dispatch/settings.py", "zone"): "defines settings.timezone(), which the helper reads",
}
EXEMPT = {HELPER: {"astimezone", "zone", "clock"}, PARSERS: {"parser"}}


def _is_utc(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "UTC") or \
        (isinstance(node, ast.Attribute) and node.attr == "utc")


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else ""


def violations(source: str) -> list[tuple[int, str]]:
    """``(line, rule)`` for each hand-written local conversion, zone, clock read or parser."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func, args = node.func, node.args
        called = _name(func)
        owner = _name(func.value) if isinstance(func, ast.Attribute) else ""
        if called == "astimezone" and not (args and _is_utc(args[0])):
            found.append((node.lineno, "astimezone"))  # into a zone other than UTC
        elif called == "ZoneInfo" or (called == "timezone" and owner == "settings"):
            found.append((node.lineno, "zone"))
        elif called in ("fromisoformat", "strptime"):
            found.append((node.lineno, "parser"))
        elif (owner, called) in (("date", "today"), ("datetime", "today"), ("datetime", "utcnow")) \
                or ((owner, called) == ("datetime", "now") and not (args and _is_utc(args[0]))):
            found.append((node.lineno, "clock"))  # the server's zone, not the configured one
        elif called == "date" and isinstance(func, ast.Attribute) and \
                isinstance(func.value, ast.Call) and _name(func.value.func) == "utcnow":
            found.append((node.lineno, "utc day"))  # the UTC day where the local one is meant
    return sorted(found)


def _modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def test_the_scan_recognises_each_rule():
    source = """
when.astimezone(settings.timezone())
when.astimezone(zone)
ZoneInfo("Asia/Shanghai")
date.fromisoformat(text)
datetime.strptime(text, "%Y-%m")
date.today()
datetime.now()
datetime.now(zone)
utcnow().date()
when.astimezone(UTC)
datetime.now(UTC)
local_day(utcnow())
"""
    assert violations(source) == [(2, "astimezone"), (2, "zone"), (3, "astimezone"), (4, "zone"),
                                  (5, "parser"), (6, "parser"), (7, "clock"), (8, "clock"),
                                  (9, "clock"), (10, "utc day")]


def test_local_time_and_day_parsing_happen_in_one_place_each():
    problems, used = [], set()
    for path in _modules():
        module = path.relative_to(ROOT).as_posix()
        for line, rule in violations(path.read_text(encoding="utf-8")):
            if rule in EXEMPT.get(module, ()):
                continue
            if (module, rule) in ALLOWED:
                used.add((module, rule))
                continue
            problems.append(f"{module}:{line}: {rule}")
    assert problems == [], "use dispatch.timeutil / dispatch.validators instead:\n" + \
        "\n".join(problems)
    assert used == set(ALLOWED), f"allowances no longer needed: {set(ALLOWED) - used}"
