"""How a review (检查) is named where several are shown together: by its team alone when no
other review beside it has the same team, else by its team and the month it started (or was
issued), its 文号, or at worst its number: 省督查组（2017年7月）. Every list that names reviews
(the ledger and its filters, the finding page and form, dashboards, the report, the .xlsx
台账, 我的待办) takes its names from `review_labels`, so one review reads the same
everywhere on a page and two never read alike."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rectify.lib.text import chinese_date, chinese_month

from .models import Review


def _qualifiers(review: Review) -> list[str]:
    """What tells the review apart from others of its team, coarsest first; the last one
    (with its id) is always enough."""
    day = review.start_date or review.issued_on
    reference = (review.reference_number or "").strip()
    steps = [chinese_month(day), chinese_date(day)] if day else []
    if reference:
        steps.append(f"{steps[-1]}，{reference}" if steps else reference)
    steps.append(f"{steps[-1]}，编号{review.pk}" if steps else f"编号{review.pk}")
    return steps


def review_labels(reviews: Iterable[Review]) -> dict[int, str]:
    """Review id → its name among `reviews` (runs no query: pass rows already fetched)."""
    by_team: dict[str, dict[int, Review]] = {}
    for review in reviews:
        by_team.setdefault(review.team.strip(), {})[review.pk] = review
    labels: dict[int, str] = {}
    for team, group in by_team.items():
        if len(group) == 1:
            (review,) = group.values()
            labels[review.pk] = review.team
            continue
        steps = {pk: _qualifiers(review) for pk, review in group.items()}
        level = dict.fromkeys(group, 0)
        while True:
            texts = {pk: steps[pk][level[pk]] for pk in group}
            seen = Counter(texts.values())
            clashing = [
                pk
                for pk, text in texts.items()
                if seen[text] > 1 and level[pk] < len(steps[pk]) - 1
            ]
            if not clashing:
                break
            for pk in clashing:
                level[pk] += 1
        labels.update({pk: f"{team}（{text}）" for pk, text in texts.items()})
    return labels


def county_reviews(county_id: int):
    """A county's reviews, with what their names are made of."""
    return Review.objects.filter(counties=county_id).only(
        "id", "team", "start_date", "issued_on", "reference_number"
    )


def county_review_labels(county_id: int) -> dict[int, str]:
    """The names of a county's reviews among all of them (one query)."""
    return review_labels(county_reviews(county_id))


def review_labels_by_county(pairs: Iterable[tuple[int, Review]]) -> dict[tuple[int, int], str]:
    """(county id, review id) → the review's name among the reviews given for that county:
    reviews are told apart within a county; another county's review of the same team (the
    same 商务部复核组 visiting both) is told apart by the county itself."""
    by_county: dict[int, list[Review]] = {}
    for county_id, review in pairs:
        by_county.setdefault(county_id, []).append(review)
    return {
        (county_id, pk): label
        for county_id, reviews in by_county.items()
        for pk, label in review_labels(reviews).items()
    }


def label_findings(findings: Iterable, shown: Iterable[Review] = ()) -> None:
    """Set `review_label` on each finding (fetched with its review): its review's name among
    the reviews of the same county on the page, the findings' own and `shown` (a list's
    choices, say). Runs no query."""
    findings = list(findings)
    shown = list(shown)
    counties = {f.county_id for f in findings}
    names = review_labels_by_county(
        [*((f.county_id, f.review) for f in findings), *((c, r) for c in counties for r in shown)]
    )
    for f in findings:
        f.review_label = names[(f.county_id, f.review_id)]
