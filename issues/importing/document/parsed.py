"""What a document says, as plain data: its reviews, their categories and findings, and the
notes on what could not be placed or did not agree. A batch keeps it as JSON until it is saved."""

from __future__ import annotations

import dataclasses
import datetime as dt


@dataclasses.dataclass
class Line:
    no: int
    text: str


@dataclasses.dataclass
class ParsedFinding:
    line: int
    description: str = ""
    measures: list[str] = dataclasses.field(default_factory=list)
    units: list[str] = dataclasses.field(default_factory=list)
    cooperating: list[str] = dataclasses.field(default_factory=list)
    deadline: str | None = None  # ISO date
    deadline_text: str = ""
    is_ongoing: bool = False
    result: str = ""
    progress: str = ""
    closeout: str = ""  # 已销号 / 未销号 / as written
    number: int | None = None
    # The other text columns (责任领导, …) by key (issues.columns.OWN_TEXTS).
    texts: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def deadline_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.deadline) if self.deadline else None

    @property
    def is_closed(self) -> bool:
        return "已销号" in self.closeout or self.closeout.strip() in ("是", "已完成销号")


@dataclasses.dataclass
class ParsedCategory:
    name: str
    line: int | None = None
    findings: list[ParsedFinding] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ParsedReview:
    heading: str
    team: str = ""
    kind: str = ""
    line: int | None = None
    categories: list[ParsedCategory] = dataclasses.field(default_factory=list)

    @property
    def findings(self) -> list[ParsedFinding]:
        return [f for c in self.categories for f in c.findings]


@dataclasses.dataclass
class Note:
    """A line the parser could not place, a disagreement between report and plan, or an error."""

    line: int | None
    text: str
    reason: str = ""


@dataclasses.dataclass
class Identity:
    """Who reviewed when, as the document's title and opening paragraph say
    (document.heading.review_identity). `periods` are all the visits the opening names, in
    order (a county's report may answer two reviews); start_date/end_date are the first."""

    team: str = ""
    kind: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    reference_number: str = ""  # 文号, with 〔〕
    issuer: str = ""  # 发文机关
    title: str = ""
    issued_on: dt.date | None = None  # the date line at the end
    report_deadline: dt.date | None = None  # 请于…前…报送
    periods: list[tuple[dt.date, dt.date | None]] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        for key in ("start_date", "end_date", "issued_on", "report_deadline"):
            data[key] = _iso(data[key])
        data["periods"] = [[_iso(a), _iso(b)] for a, b in self.periods]
        return data

    @classmethod
    def from_dict(cls, data: dict | None) -> Identity:
        data = dict(data or {})
        for key in ("start_date", "end_date", "issued_on", "report_deadline"):
            data[key] = _day(data.get(key))
        data["periods"] = [(_day(a), _day(b)) for a, b in data.get("periods", [])]
        fields = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in fields})


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@dataclasses.dataclass
class ParsedDocument:
    reviews: list[ParsedReview] = dataclasses.field(default_factory=list)
    unplaced: list[Note] = dataclasses.field(default_factory=list)
    disagreements: list[Note] = dataclasses.field(default_factory=list)
    errors: list[Note] = dataclasses.field(default_factory=list)
    title: str = ""
    date: str | None = None
    kind: str = ""  # feedback / plan / report / report+plan / ledger
    identity: Identity = dataclasses.field(default_factory=Identity)
    # 请于2026年12月31日前将整改情况书面报送…: the closing instruction's date (ISO), offered as
    # the deadline of the findings that have none.
    closing_deadline: str | None = None
    closing_text: str = ""
    # The numbers of the lines whose text was recognised (OCR) rather than read: each must be
    # checked by the user before the import is saved (issues.importing.services).
    ocr_lines: list[int] = dataclasses.field(default_factory=list)

    @property
    def findings(self) -> list[ParsedFinding]:
        return [f for r in self.reviews for f in r.findings]

    @property
    def document_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.date) if self.date else None

    def to_dict(self) -> dict:
        return {**dataclasses.asdict(self), "identity": self.identity.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> ParsedDocument:
        reviews = [
            ParsedReview(
                **{
                    **r,
                    "categories": [
                        ParsedCategory(
                            **{**c, "findings": [ParsedFinding(**f) for f in c["findings"]]}
                        )
                        for c in r["categories"]
                    ],
                }
            )
            for r in data.get("reviews", [])
        ]
        notes = {
            key: [Note(**n) for n in data.get(key, [])]
            for key in ("unplaced", "disagreements", "errors")
        }
        return cls(
            reviews=reviews,
            title=data.get("title", ""),
            date=data.get("date"),
            kind=data.get("kind", ""),
            identity=Identity.from_dict(data.get("identity")),
            closing_deadline=data.get("closing_deadline"),
            closing_text=data.get("closing_text", ""),
            ocr_lines=data.get("ocr_lines", []),
            **notes,
        )
