from django import template
from django.utils.html import format_html
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from issues.columns import COLUMN
from issues.models import Finding, Review, Timing
from issues.submissions import FIELD, new_token
from rectify.lib import text

register = template.Library()

STATUS_CLASSES = {
    Finding.Status.OPEN: "text-bg-secondary",
    Finding.Status.IN_PROGRESS: "text-bg-primary",
    Finding.Status.SUBMITTED: "text-bg-info",
    Finding.Status.CLOSED: "text-bg-success",
}


@register.filter
def cn_numeral(n: int) -> str:
    return text.chinese_numeral(int(n))


@register.filter
def measure_ordinal(n: int) -> str:
    """A measure's ordinal: 一是, 二是 … in Chinese, the Chinese documents' way of listing;
    "1.", "2." … in other languages, which have no such words."""
    if (get_language() or "zh").startswith("zh"):
        return f"{text.chinese_numeral(int(n))}是"
    return f"{int(n)}."


@register.simple_tag
def column_label(key: str) -> str:
    """A finding column's name on the pages (issues.columns)."""
    return str(COLUMN[key].label)


@register.filter
def review_kind_label(kind: str) -> str:
    return str(dict(Review.Kind.choices).get(kind, kind))


# The ledger's badges are written here in Python, not through a template each: the ledger
# draws three per row, and a template rendered per cell was most of the rows' time.


@register.simple_tag
def status_badge(finding) -> str:
    return format_html(
        '<span class="badge {}">{}</span>',
        STATUS_CLASSES.get(finding.status, ""),
        Finding.Status(finding.status).label,  # get_status_display() rebuilds its choices' dict
    )


DEADLINE_BADGES = {
    "overdue": '<span class="badge text-bg-danger"><i aria-hidden="true"'
    ' class="bi bi-exclamation-triangle-fill"></i> {}</span>',
    "due_soon": '<span class="badge text-bg-warning"><i aria-hidden="true"'
    ' class="bi bi-hourglass-split"></i> {}</span>',
    "upcoming": '<span class="badge text-bg-info">{}</span>',
    "ok": '<span class="badge text-bg-success-subtle border border-success-subtle'
    ' text-success-emphasis">{}</span>',
}


@register.simple_tag
def deadline_badge(finding, today) -> str:
    """The deadline's state (逾期 N 天, 剩 N 天, 今天到期, 未到期), and 长期坚持 for a finding
    whose work goes on after its deadline."""
    state = finding.deadline_state(today)
    days = finding.days_left(today)
    if state == "overdue":
        label = ngettext("逾期 %(n)d 天", "逾期 %(n)d 天", -days) % {"n": -days}
    elif state in ("due_soon", "upcoming"):
        label = (
            _("今天到期")
            if days == 0
            else ngettext("剩 %(n)d 天", "剩 %(n)d 天", days) % {"n": days}
        )
    else:
        label = _("未到期")
    badge = format_html(DEADLINE_BADGES[state], label) if state in DEADLINE_BADGES else ""
    if finding.is_ongoing:
        badge += format_html(
            ' <span class="badge text-bg-light border" title="{}">{}</span>',
            _("完成时限之后仍需长期坚持"),
            _("长期坚持"),
        )
    return badge


@register.simple_tag
def row_class(finding, today) -> str:
    return {"overdue": "row-overdue", "due_soon": "row-due-soon", "upcoming": "row-upcoming"}.get(
        finding.deadline_state(today), ""
    )


@register.simple_tag
def once_field():
    """The hidden one-time token of a creating form (issues.submissions)."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())


@register.filter
def review_label(review, labels=None) -> str:
    """The review's name among those on the page (issues.reviews.review_labels, passed as
    `labels`); its own Review.label when the page has none for it."""
    if review is None:
        return ""
    return (labels or {}).get(review.pk) or review.label


# Extensions and close-out timing: written once here, for the finding page, the ledger and
# 我的待办 alike.

TIMING_CLASSES = {
    Timing.ON_TIME: "bg-success-subtle text-success-emphasis border border-success-subtle",
    Timing.EXTENDED: "bg-warning-subtle text-warning-emphasis border border-warning-subtle",
    Timing.LATE: "bg-danger-subtle text-danger-emphasis border border-danger-subtle",
}


@register.filter
def extension_note(finding) -> str:
    """原定2019年10月30日，经批准延期至2019年12月31日 (empty unless extended)."""
    if not finding.is_extended:
        return ""
    return _("原定%(original)s，经批准延期至%(deadline)s") % {
        "original": text.chinese_date(finding.original_deadline),
        "deadline": text.chinese_date(finding.deadline),
    }


@register.filter
def original_deadline_note(finding) -> str:
    """原定2019年10月30日 (empty unless extended): the short form for narrow columns."""
    if not finding.is_extended:
        return ""
    return _("原定%(original)s") % {"original": text.chinese_date(finding.original_deadline)}


@register.simple_tag
def timing_badge(finding) -> str:
    """按期销号 / 延期后销号 / 逾期销号 for a closed finding, counted against its original
    deadline (Finding.closeout_timing, the same rule as TIMING_Q)."""
    timing = finding.closeout_timing()
    if timing is None:
        return ""
    return format_html(
        '<span class="badge {}" data-timing="{}">{}</span>',
        TIMING_CLASSES[timing],
        timing,
        Timing(timing).label,
    )
