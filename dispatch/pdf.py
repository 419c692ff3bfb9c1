"""Shared pieces of the PDF documents: an embedded CJK font and styles (money is laid out by
:func:`dispatch.money.format_money`, as on the pages).

Chinese names and addresses must render and be extractable, so a CJK TrueType font is embedded
(subset): ``DISPATCH_PDF_FONT`` if set, else WenQuanYi Micro Hei from Debian's
``fonts-wqy-microhei`` (``make setup`` installs it when it can). Without one, reportlab's
built-in ``STSong-Light`` CID font is used (renders in viewers with Asian font packs; not
embedded).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
FONT = "DispatchCJK"


@lru_cache(maxsize=1)
def font_name() -> str:
    """Register the CJK font once per process and return its name."""
    configured = os.environ.get("DISPATCH_PDF_FONT")
    for candidate in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if candidate and Path(candidate).exists():
            pdfmetrics.registerFont(TTFont(FONT, candidate, subfontIndex=0))
            return FONT
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    font = font_name()
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontName=font, fontSize=16,
                                leading=20, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontName=font, fontSize=11,
                             leading=14, spaceBefore=8, spaceAfter=3),
        "body": ParagraphStyle("body", parent=base["BodyText"], fontName=font, fontSize=9,
                               leading=12),
        "small": ParagraphStyle("small", parent=base["BodyText"], fontName=font, fontSize=7.5,
                                leading=9),
        "big": ParagraphStyle("big", parent=base["BodyText"], fontName=font, fontSize=12,
                              leading=15),
    }


def preload() -> None:
    """Workers call this once at start so the first job does not pay for the font."""
    font_name()
    styles()
