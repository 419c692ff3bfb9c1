"""Keep the Simplified Chinese catalog in step with the source.

    python scripts/translations.py                 # extract, merge, list what is untranslated
    python scripts/translations.py new.json        # also fill msgstr from {"msgid": "译文"}

A message with a context (``pgettext("context", "msgid")``) is keyed ``"context\u0004msgid"``
(gettext's own separator) in the JSON and in the list of untranslated messages; a plain
``"msgid"`` key fills only the message without a context.

The .po file is the source of truth and is committed; the .mo is compiled by ``make setup``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Message
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "dispatch/translations/messages.pot"
PO = ROOT / "dispatch/translations/zh_Hans/LC_MESSAGES/messages.po"


CONTEXT_SEPARATOR = "\x04"


def key(message: Message) -> str:
    """The JSON key of a catalog message: its msgid, after its context when it has one."""
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return f"{message.context}{CONTEXT_SEPARATOR}{msgid}" if message.context else msgid


def main(argv: list[str]) -> int:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext", "-o", str(POT),
                    "."], check=True, cwd=ROOT, capture_output=True)
    with POT.open("rb") as handle:
        template = read_po(handle)
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="zh_Hans")
    catalog.update(template, no_fuzzy_matching=True)
    new = json.loads(Path(argv[0]).read_text(encoding="utf-8")) if argv else {}
    for message in catalog:
        if message.id and key(message) in new:
            message.string = new[key(message)]
        message.flags.discard("fuzzy")
    catalog.obsolete.clear()
    catalog.fuzzy = False
    with PO.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)
    missing = [key(message) for message in catalog if message.id and not message.string]
    for msgid in missing:
        print(json.dumps(msgid, ensure_ascii=False))
    print(f"{len(missing)} untranslated", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
