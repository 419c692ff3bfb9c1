"""The figure line each fault drill prints: shown by ``pytest -s``/``-rA`` and appended to
``test-artifacts/drills.txt`` (git-ignored) so a release note can quote it."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support.services import ROOT

ARTIFACT = ROOT / "test-artifacts" / "drills.txt"


def drill_figure(name: str, **figures: object) -> str:
    """``drill <name>: attempts=… applied=… lost=… doubled=…`` printed and appended."""
    line = f"drill {name}: " + " ".join(f"{key}={value}" for key, value in figures.items())
    print(f"\n{line}")
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    with ARTIFACT.open("a", encoding="utf-8") as out:
        out.write(f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} {line}\n")
    return line
