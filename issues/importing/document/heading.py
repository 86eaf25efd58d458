"""The parts of a document around its findings: what its head says about the review (the team,
its kind, when it came, the 文号 and who issued it) and the furniture of an official document
(title, addressee, opening, closing instruction, contact note, 附件 line, signature, date),
which is never a finding's text.

`review_identity` is the one place a review's identity is read from a document's text; the
document importer (parse.py) and the provincial notice import use it."""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext_lazy as _

from ..cleaning import is_furniture, is_separator, prepare, structural
from ..deadlines import DeadlineError, parse_deadline, year_in
from .parsed import Identity
from .tokens import MARKERS, Token, chinese_to_int, is_review_heading
from .values import review_kind

# --- names ----------------------------------------------------------------------------------

PROVINCES = {
    "北京": "京", "天津": "津", "河北": "冀", "山西": "晋", "内蒙古": "蒙", "辽宁": "辽",
    "吉林": "吉", "黑龙江": "黑", "上海": "沪", "江苏": "苏", "浙江": "浙", "安徽": "皖",
    "福建": "闽", "江西": "赣", "山东": "鲁", "河南": "豫", "湖北": "鄂", "湖南": "湘",
    "广东": "粤", "广西": "桂", "海南": "琼", "重庆": "渝", "四川": "川", "贵州": "黔",
    "云南": "滇", "西藏": "藏", "陕西": "陕", "甘肃": "甘", "青海": "青", "宁夏": "宁",
    "新疆": "新",
}  # fmt: skip
MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
REGIONS = {
    "内蒙古": "内蒙古自治区",
    "广西": "广西壮族自治区",
    "西藏": "西藏自治区",
    "宁夏": "宁夏回族自治区",
    "新疆": "新疆维吾尔自治区",
}
_PROVINCE = "|".join(sorted(PROVINCES, key=len, reverse=True))
TEAM_WORD = (
    "(?:"
    + "|".join(
        ["绩效评价复核组", "复核组", "评价组", "督查组", "督导组", "检查组", "审计组"]
        + ["巡视组", "巡察组", "考核组", "评估组", "工作组"]
    )
    + ")"
)
# A team named from where it comes: 商务部复核组, 省商务厅督查组, 四川省商务厅督查组, 市督查组.
TEAM = re.compile(
    rf"((?:{_PROVINCE}|商务部|财政部|审计署|国务院|中央|国家|省|市|州|县|区)"
    rf"[\u4e00-\u9fff]{{0,12}}?{TEAM_WORD})"
)
# 省商务厅、省财政厅、省扶贫和移民办联合组成督查组
JOINT = re.compile(rf"([^,。;:]{{2,80}}?)(?:联合)?组成(?:了)?(?:联合)?[^,。;]{{0,4}}?({TEAM_WORD})")
BODY_JOIN = re.compile(rf"(?<=[厅局委办部署])(?=(?:{_PROVINCE}|省|市|县|区|商务部|财政部))")
BODY = re.compile(
    r"^[\u4e00-\u9fff()]{2,30}?(?:厅|局|委|办|办公室|政府|委员会|部|署|中心|党委|县委|区委|市委|组)$"
)
# The team a review word in a title stands for (…督查情况的通报 → 督查组).
WORD_TEAM = [
    ("复核", "复核组"),
    ("督查", "督查组"),
    ("督导", "督导组"),
    ("巡察", "巡察组"),
    ("巡视", "巡视组"),
    ("审计", "审计组"),
    ("评价", "评价组"),
    ("考核", "考核组"),
    ("检查", "检查组"),
]


def _level(body: str) -> str:
    """Where a body sits: 商务部, 省, 市, 县 or 区 (四川省商务厅 → 省, 广元市商务局 → 市)."""
    body = structural(body)
    for national in ("商务部", "财政部", "审计署", "国务院"):
        if body.startswith(national):
            return national
    if body.startswith(("中央", "国家")):
        return "中央"
    rest = re.sub(
        rf"^(?:{_PROVINCE})(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)?", "", body
    )
    provincial = rest != body or body.startswith("省")
    m = re.match(r"^[\u4e00-\u9fff]{0,5}?(市|州|盟|县|区|旗)", rest.removeprefix("省"))
    if m and not rest.startswith(("省", "市场")):
        return {"州": "市", "盟": "市", "旗": "县"}.get(m.group(1), m.group(1))
    return "省" if provincial else ""


def _province(name: str) -> str:
    if name in MUNICIPALITIES:
        return name + "市"
    return REGIONS.get(name, name + "省")


def _bodies(text: str) -> list[str]:
    """江西省商务厅 江西省财政厅, or run together once the spaces between characters are gone."""
    parts = re.split(r"[、,\s]+", structural(text))
    return [b for part in parts for b in BODY_JOIN.split(part) if b]


def _strip_team(name: str) -> str:
    """四川省商务厅督查组 → 四川省商务厅: the body a team comes from."""
    return re.sub(rf"{TEAM_WORD}$", "", name)


# --- dates ---------------------------------------------------------------------------------

_SEP = r"\s*(?:至|到|—+|–|-|－|~|～)\s*"
DAYS = re.compile(
    r"(?:(?P<y1>(?:19|20)\d{2})\s*年\s*)?(?<![\d.])(?P<m1>\d{1,2})\s*月\s*(?P<d1>\d{1,2})\s*(?P<r>日)?"
    rf"(?:{_SEP}(?:(?P<y2>(?:19|20)\d{{2}})\s*年\s*)?(?:(?P<m2>\d{{1,2}})\s*月\s*)?(?P<d2>\d{{1,2}})\s*日)?"
    r"(?P<before>\s*(?:前|之前|以前|止))?"
)
UNTIL = re.compile(r"(?:截至|截止|截止到|到|至)\s*$")
DATE_LINE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
CN_DIGIT = "〇零一二三四五六七八九"
CN_DATE_LINE = re.compile(
    rf"^([{CN_DIGIT}]{{4}})年([{CN_DIGIT}十]{{1,3}})月([{CN_DIGIT}十]{{1,3}})日$"
)


def date_periods(text: str, *, year: int | None = None) -> list[tuple[dt.date, dt.date | None]]:
    """The visits a text names, in order: 2026年11月18日至20日, 2019年4月25日—27日,
    2019年4月25日-5月3日, 2019年4月25日至2019年5月3日, 5月24—27日 (the year from the date before
    it, else `year`) or a single 2017年7月11日. A date followed by 前 is a deadline, not a visit."""
    periods = []
    shape = structural(text)
    context = year
    for m in DAYS.finditer(shape):
        if m.group("before") or UNTIL.search(shape[: m.start()]):
            context = int(m.group("y1")) if m.group("y1") else context
            continue  # 2026年12月31日前, 截至9月30日: a deadline or a count's date
        single = m.group("d2") is None
        if single and not (m.group("y1") and m.group("r")):
            continue  # 5月6日 alone is an event, not a visit; ranges without a year are
        y1 = int(m.group("y1")) if m.group("y1") else context or year_in(shape[: m.start()])
        if y1 is None:
            continue
        try:
            start = dt.date(y1, int(m.group("m1")), int(m.group("d1")))
            end = None
            if not single:
                y2 = int(m.group("y2")) if m.group("y2") else y1
                m2 = int(m.group("m2")) if m.group("m2") else start.month
                end = dt.date(y2, m2, int(m.group("d2")))
        except ValueError:
            continue
        context = (end or start).year
        periods.append((start, end if end is None or end >= start else None))
    return periods


def line_date(text: str) -> dt.date | None:
    """A line that is a date alone (2017年8月14日, 二〇一七年八月十四日): a document's date."""
    shape = structural(text).strip()
    m = DATE_LINE.match(shape)
    if m:
        parts = [int(g) for g in m.groups()]
    elif m := CN_DATE_LINE.match(shape):
        year = int("".join(str(CN_DIGIT.index(c) - (c != "〇")) for c in m.group(1)))
        parts = [year, chinese_to_int(m.group(2)) or 0, chinese_to_int(m.group(3)) or 0]
    else:
        return None
    try:
        return dt.date(*parts)
    except ValueError:
        return None


# 请于2026年12月31日前将整改情况书面报送省商务厅。
CLOSING_START = re.compile(r"^(?:请|望|务请|务必|各[^,。]{0,24}?(?:请|务必|要|须|于))")
REPORT_BY = re.compile(
    r"于?\s*((?:(?:19|20)\d{2}\s*年\s*)?\d{1,2}\s*月\s*(?:\d{1,2}\s*日|底|末)?)\s*(?:前|之前|以前)"
    r"[^。]{0,60}?(?:报送|上报|报告|反馈|提交|报)"
)


def closing_deadline(text: str, *, year: int | None = None, anywhere: bool = False):
    """The date of an instruction to report by a day (请于…前…报送); `anywhere` finds it inside a
    sentence too (各示范县于2017年10月30日前将…报省商务厅), otherwise the line must be one."""
    shape = structural(text).strip()
    if not anywhere and not CLOSING_START.match(shape):
        return None
    m = REPORT_BY.search(shape)
    if not m:
        return None
    try:
        return parse_deadline(m.group(1) + "前", year=year_in(m.group(1)) or year).date
    except DeadlineError:
        return None


# --- 文号 and who issued it ------------------------------------------------------------------

REFERENCE = re.compile(
    r"([\u4e00-\u9fff]{1,16})\s*[〔\[［(（【〖]\s*((?:19|20)\d{2})\s*[〕\]］)）】〗]\s*第?\s*(\d{1,5})\s*号"
)


# A 文号 stands alone on its line (or beside 签发人); 根据…〔2017〕193号文件要求 cites another.
CITED = re.compile(r"^(?:根据|按照|依据|依照|参照|据|按|对|就|关于|经)")
REFERENCE_TAIL = re.compile(r"^\s*(?:签发人.*)?$")


def reference_number(text: str) -> str:
    """赣商务建设字[2017]193号, 【2017】, (2017), 第193号 → 赣商务建设字〔2017〕193号; the 文号 must
    open the line (a 文号 cited inside a sentence is another document's)."""
    line = text.strip()
    m = REFERENCE.match(line)
    if not m or CITED.match(m.group(1)) or not REFERENCE_TAIL.match(line[m.end() :]):
        return ""
    return f"{m.group(1)}〔{m.group(2)}〕{m.group(3)}号"


def _issuer_of_reference(reference: str) -> str:
    """赣商务… → 江西省商务厅, 京商务… → 北京市商务局, 商建函… → 商务部."""
    prefix = reference.split("〔")[0]
    if not prefix:
        return ""
    for name, abbr in PROVINCES.items():
        if prefix.startswith(abbr) and prefix[1:2] in ("商", "财"):
            office = {"商": "商务", "财": "财政"}[prefix[1]]
            kind = "局" if name in MUNICIPALITIES else "厅"
            return f"{_province(name)}{office}{kind}"
    if prefix.startswith("商"):
        return "商务部"
    if prefix.startswith("财"):
        return "财政部"
    return ""


SOURCE = re.compile(r"来源\s*:\s*([\u4e00-\u9fff]{2,30}?(?:厅|局|委|办|办公室|政府|部|署))")


# --- the head and the tail ------------------------------------------------------------------

TITLE_END = re.compile(r"(报告|方案|清单|通报|通知|台账|意见)$")
OPENING_LINES = 15


def document_title(lines: list[str]) -> str:
    for line in lines[:15]:
        if TITLE_END.search(line) and 6 < len(line) < 120 and not line.endswith(":"):
            return line
    return ""


def document_date(lines: list[str]) -> dt.date | None:
    for line in reversed(lines):
        day = line_date(line)
        if day:
            return day
    return None


def _opening(lines: list[str]) -> list[str]:
    """The lines before the first numbered heading: the title, 文号, addressee and opening."""
    head = []
    for line in lines[:OPENING_LINES]:
        shape = structural(line)
        if any(p.match(shape) for _, p in MARKERS):
            break
        head.append(line)
    return head


def review_identity(text: str | list[str], *, year: int | None = None) -> Identity:
    """Who reviewed when, from a document's title and opening paragraph: the team (省商务厅督查组,
    商务部复核组; 省商务厅、省财政厅…联合组成督查组 → 省督查组), its kind (Review.Kind), the visits
    (the first as start_date/end_date), the 文号 (normalised to 〔〕), the issuing body (from the
    signature, the 文号's prefix, 来源: or the title), the title, the document's date and the
    date it asks reports by. `text` is the document (or its lines, raw or as parse.py prepared
    them); `year` completes dates written without one when the document has no date."""
    raw = prepare(text) if isinstance(text, str) else list(text)
    raw = [t.strip() for t in raw if t and t.strip()]
    lines = [t for t in raw if not is_separator(t) and not is_furniture(t)]
    title = document_title(lines)
    issued_on = document_date(lines)
    year = (issued_on.year if issued_on else None) or year or year_in(title)
    head = _opening(lines)
    opening = [t for t in head if t != title]
    reference = next((r for t in head if (r := reference_number(t))), "")
    periods = []
    for line in opening:
        periods += date_periods(line, year=year)
    team = _team(opening, title)
    issuer = _issuer(raw, lines, reference, title)
    if not team and issuer:
        team = _team_from_words(title, issuer)
    report_deadline = None
    for line in lines:
        report_deadline = closing_deadline(line, year=year, anywhere=True) or report_deadline
    start, end = periods[0] if periods else (None, None)
    return Identity(
        team=team[:100],
        kind=review_kind(team) or review_kind(title),
        start_date=start,
        end_date=end,
        reference_number=reference,
        issuer=issuer[:100],
        title=title[:300],
        issued_on=issued_on,
        report_deadline=report_deadline,
        periods=periods,
    )


def _team(opening: list[str], title: str) -> str:
    for line in opening:
        shape = structural(line)
        m = JOINT.search(shape)
        if m:
            first = re.split(r"[、\s]|和|及|与", m.group(1).strip())[0]
            return _level(first) + m.group(2)
        m = TEAM.search(shape)
        if m:
            return m.group(1)
    m = TEAM.search(structural(title))
    return m.group(1) if m else ""


def _team_from_words(title: str, issuer: str) -> str:
    for word, team in WORD_TEAM:
        if word in title:
            return _level(issuer) + team
    return ""


def _issuer(raw: list[str], lines: list[str], reference: str, title: str) -> str:
    # The signature: bodies alone on a line above the date, or among the last lines.
    signed = [ln for i, ln in enumerate(lines) if any(map(line_date, lines[i + 1 : i + 3]))]
    for line in [*signed, *reversed(lines[-6:])]:
        if is_signature(line):
            return _strip_team(_bodies(line)[0])
    if by_reference := _issuer_of_reference(reference):
        return by_reference
    for line in raw[:10]:
        if m := SOURCE.search(structural(line)):
            return m.group(1)
    before = structural(title).split("关于")[0]
    if before != structural(title) and BODY.match(before):
        return _strip_team(before)
    return ""


def is_signature(text: str) -> bool:
    """A line of issuing bodies alone: 江西省商务厅 江西省财政厅, 四川省商务厅督查组."""
    shape = structural(text).strip()
    if len(shape) > 60 or re.search(r"[,。;:!?]", shape):
        return False
    bodies = _bodies(shape)
    return bool(bodies) and all(BODY.match(b) for b in bodies)


# --- furniture ------------------------------------------------------------------------------

FURNITURE = {
    "title": _("文件标题"),
    "reference": _("文号"),
    "addressee": _("主送单位"),
    "opening": _("文件开头"),
    "closing": _("结尾要求"),
    "contact": _("联系方式"),
    "attachment": _("附件说明"),
    "signature": _("落款"),
    "date": _("成文日期"),
}
CONTACT = re.compile(r"^(?:\(?联系人|联系电话|联系方式|电话|传真|电子邮箱|邮箱)\s*:")
ATTACHMENT_NOTE = re.compile(r"^附\s*件\s*\d*\s*:\s*\S")
ADDRESSEE = re.compile(r"(?:政府|厅|局|委|办|办公室|部门|单位|同志|组)\s*:$")
OPENING = re.compile(r"现将|如下|进行了|开展了|反馈")


def mark_furniture(tokens: list[Token], title: str = "") -> None:
    """Mark a document's furniture among its tokens (kind "furniture", the part in `field`):
    the head before the first numbered heading or label, the instructions and notes anywhere,
    and the signature and date where nothing numbered follows them."""
    first = next((i for i, t in enumerate(tokens) if t.kind != "text"), len(tokens))
    last = max((i for i, t in enumerate(tokens) if t.kind != "text"), default=-1)
    for i, tok in enumerate(tokens):
        if tok.kind != "text" or (i < first and is_review_heading(tok)):
            continue  # a title naming the review (商务部…复核反馈问题清单) opens it
        shape = structural(tok.text).strip()
        part = ""
        if i < first and title and tok.text == title:
            part = "title"
        elif i < first and _is_reference_line(shape):
            part = "reference"
        elif i < first and len(shape) <= 60 and ADDRESSEE.search(shape):
            part = "addressee"
        elif i < first and len(shape) > 20 and OPENING.search(shape):
            part = "opening"
        elif closing_deadline(shape) or (CLOSING_START.match(shape) and "报送" in shape):
            part = "closing"
        elif CONTACT.match(shape):
            part = "contact"
        elif ATTACHMENT_NOTE.match(shape):
            part = "attachment"
        elif i > last and line_date(shape):
            part = "date"
        elif i > last and is_signature(shape) and _ends_part(tokens, i):
            part = "signature"
        if part:
            tok.kind, tok.field = "furniture", part


def _is_reference_line(shape: str) -> bool:
    reference = reference_number(shape)
    return bool(reference) and len(re.sub(r"\s", "", shape)) <= len(reference) + 2


def _ends_part(tokens: list[Token], i: int) -> bool:
    after = tokens[i + 1 : i + 3]
    return len(tokens) - i <= 2 or any(line_date(t.text) for t in after)
