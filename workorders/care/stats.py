"""Monthly customer-care statistics (R17) and their PDF.

:func:`monthly_stats` reads the database; :func:`build_monthly_report_pdf` is a pure function
of those figures (no database, no request), so an RQ job can call it later.
"""

from __future__ import annotations

import io
import statistics
from collections import Counter
from datetime import datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.pdf import font_name
from dispatch.timeutil import month_bounds, utcnow
from workorders.care.models import CAUSES, DEPARTMENTS, SEVERITIES, Callback, Complaint

#: Fixed bilingual labels of the PDF (a file for archives, read in both languages).
TITLES = {
    "title": "客户服务月度统计 Monthly customer-care statistics",
    "complaints": "投诉 Complaints", "severity": "按严重程度 By severity",
    "cause": "按原因 By cause", "department": "按责任部门 By responsible department",
    "close": "处理时长 Time to resolve (days)", "callbacks": "回访 Callbacks",
    "count": "数量 Count", "total": "合计 Total", "overdue": "逾期 Overdue",
    "mean": "平均 Mean", "median": "中位数 Median", "max": "最长 Longest",
    "attempts": "回访次数 Attempts", "reached": "接通 Reached",
    "satisfaction": "平均满意度 Mean satisfaction", "score": "满意度 Score",
    "unassigned": "未认定 Not attributed",
}
ZH = {"minor": "一般", "major": "较重", "critical": "严重", "device": "设备", "sim": "SIM 卡",
      "installation": "安装", "service": "服务", "billing": "收费", "other": "其他",
      "customer_service": "客服部", "field_service": "服务工程部", "warehouse": "仓库",
      "finance": "财务部", "vendor": "供应商", "customer": "客户"}


def monthly_stats(year: int, month: int, now: datetime | None = None) -> dict[str, Any]:
    """Complaints registered in the month by severity, cause and responsibility, their time to
    resolve, and the month's callbacks with their satisfaction. All secret-safe aggregates.

    ``overdue`` counts the complaints resolved after their due time, and those still unresolved
    whose due time has passed by ``now`` (R17): one due later is not overdue yet, whatever
    month the figures are for."""
    now = now or utcnow()
    start, end = month_bounds(year, month)
    complaints = db.session.scalars(select(Complaint).where(
        Complaint.received_at >= start, Complaint.received_at < end)).all()
    days = [(c.resolved_at - c.received_at).total_seconds() / 86400
            for c in complaints if c.resolved_at is not None]
    callbacks = db.session.scalars(select(Callback).where(Callback.at >= start,
                                                          Callback.at < end)).all()
    scores = [c.satisfaction for c in callbacks if c.satisfaction is not None]
    late = sum(1 for c in complaints if (c.resolved_at or now) > c.due_at)
    by_department = Counter(c.responsible_department or "unassigned" for c in complaints)
    return {
        "month": f"{year:04d}-{month:02d}",
        "complaints": len(complaints),
        "overdue": late,
        "by_severity": {s: sum(1 for c in complaints if c.severity == s) for s in SEVERITIES},
        "by_cause": {k: sum(1 for c in complaints if c.cause == k) for k in CAUSES},
        "by_department": {k: by_department.get(k, 0) for k in (*DEPARTMENTS, "unassigned")},
        "resolve_days": {
            "count": len(days),
            "mean": round(statistics.fmean(days), 1) if days else None,
            "median": round(statistics.median(days), 1) if days else None,
            "max": round(max(days), 1) if days else None,
        },
        "callbacks": {
            "attempts": len(callbacks),
            "reached": sum(1 for c in callbacks if c.reached),
            "mean_satisfaction": round(statistics.fmean(scores), 2) if scores else None,
            "by_score": {str(n): scores.count(n) for n in range(1, 6)},
        },
    }


def _font() -> str:
    return font_name()


def _name(key: str) -> str:
    return f"{ZH[key]} {key.replace('_', ' ')}" if key in ZH else TITLES.get(key, key)


def _table(rows: list[list[Any]], font: str) -> Table:
    table = Table([[str("—" if v is None else v) for v in row] for row in rows],
                  hAlign="LEFT", colWidths=(90 * mm, 40 * mm))
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font, 9),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
    ]))
    return table


def build_monthly_report_pdf(stats: dict[str, Any]) -> bytes:
    """An A4 PDF of :func:`monthly_stats`' figures, with an embedded CJK font."""
    font = _font()
    heading = ParagraphStyle("h", fontName=font, fontSize=15, leading=20, spaceAfter=6)
    section = ParagraphStyle("s", fontName=font, fontSize=11, leading=15, spaceBefore=8,
                             spaceAfter=4)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=f"{TITLES['title']} {stats['month']}",
                            leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm)
    count = TITLES["count"]
    story: list[Any] = [
        Paragraph(f"{TITLES['title']} · {stats['month']}", heading),
        Paragraph(TITLES["complaints"], section),
        _table([[TITLES["complaints"], count], [TITLES["total"], stats["complaints"]],
                [TITLES["overdue"], stats["overdue"]]], font),
    ]
    for key, title in (("by_severity", "severity"), ("by_cause", "cause"),
                       ("by_department", "department")):
        story += [Paragraph(TITLES[title], section),
                  _table([[TITLES[title], count]]
                         + [[_name(k), v] for k, v in stats[key].items()], font)]
    days = stats["resolve_days"]
    story += [Paragraph(TITLES["close"], section),
              _table([[TITLES["close"], ""], [TITLES["count"], days["count"]],
                      [TITLES["mean"], days["mean"]], [TITLES["median"], days["median"]],
                      [TITLES["max"], days["max"]]], font)]
    calls = stats["callbacks"]
    story += [Paragraph(TITLES["callbacks"], section),
              _table([[TITLES["callbacks"], count], [TITLES["attempts"], calls["attempts"]],
                      [TITLES["reached"], calls["reached"]],
                      [TITLES["satisfaction"], calls["mean_satisfaction"]]]
                     + [[f"{TITLES['score']} {n}", v] for n, v in calls["by_score"].items()],
                     font), Spacer(1, 4 * mm)]
    doc.build(story)
    return buffer.getvalue()
