"""The values of the findings a builder found, from the lines it collected for each field."""

from __future__ import annotations

from django.utils.translation import gettext as _

from issues.columns import text_columns

from ..cleaning import drop_repeats, structural
from ..deadlines import DeadlineError, parse_deadline, year_in
from .builder import Builder
from .parsed import Note, ParsedReview
from .values import split_measures, split_units


def fill_findings(
    builder: Builder, reviews: list[ParsedReview], year: int | None, errors: list[Note]
) -> None:
    """Each finding's values from the text the builder collected under each label; a deadline
    that cannot be read is an error."""
    for review in reviews:
        for category in review.categories:
            for f in category.findings:
                buf = builder.buffers.get(id(f), {})
                f.description = drop_repeats(" ".join(buf.get("description", [])).strip())
                f.measures = split_measures("".join(_joined(buf.get("measures", []))))
                lead = split_units(" ".join(buf.get("lead", [])))
                units = split_units("、".join(buf.get("units", [])))
                f.units = lead + [u for u in units if u not in lead]
                f.cooperating = [
                    u
                    for u in split_units("、".join(buf.get("cooperating", [])))
                    if u not in f.units
                ]
                for column in text_columns():  # 整改结果, …: lines that continue each other
                    if column.key != "description":
                        text = "".join(_joined(buf.get(column.key, []))).strip()
                        column.set_text(f, drop_repeats(text))
                f.progress = drop_repeats("".join(_joined(buf.get("progress", []))).strip())
                f.closeout = structural(" ".join(buf.get("closeout", []))).strip().rstrip("。.")
                f.deadline_text = " ".join(buf.get("deadline", [])).strip()
                if f.deadline_text:
                    year = year_in(f.deadline_text) or year
                    try:
                        deadline = parse_deadline(f.deadline_text, year=year)
                    except DeadlineError:
                        errors.append(
                            Note(
                                builder.lines.get(id(f), {}).get("deadline", f.line),
                                f.deadline_text,
                                _("无法识别的完成时限「%(text)s」（问题：%(finding)s）")
                                % {"text": f.deadline_text, "finding": f.description[:20]},
                            )
                        )
                    else:
                        f.deadline = deadline.date.isoformat() if deadline.date else None
                        f.is_ongoing = deadline.is_ongoing


def _joined(parts: list[str]) -> list[str]:
    # Lines of one field continue each other; a line ending a sentence keeps its own stop.
    return [
        p if p.endswith(("。", "；", ";", "：", ":")) or i == len(parts) - 1 else p + "；"
        for i, p in enumerate(parts)
    ]
