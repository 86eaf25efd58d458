"""Full-width punctuation in Chinese text (GB/T 15834): rectify.lib.text.full_width_punctuation,
on the seed's sentences and on the cases where a half-width mark is not Chinese punctuation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rectify.lib.text import full_width_punctuation
from tests import seeds

SEED_000 = seeds.SEED_000.read_text(encoding="utf-8")
SEED_001 = seeds.SEED_001.read_text(encoding="utf-8")

IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
HALF_WIDTH = ",:;()?!"
# A half-width mark with an ideograph on either side.
NEXT_TO_CHINESE = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff][,:;()?!]|[,:;()?!][\u3400-\u4dbf\u4e00-\u9fff]"
)
NUMBER = re.compile(r"\d+(?:[.,:]\d+)+%?")


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        # The seed's sentences and Rectify's own labels and numbering.
        (
            "截至目前,商务部复核组发现问题15个,已销号问题8个,7个问题正在加紧整改;",
            "截至目前，商务部复核组发现问题15个，已销号问题8个，7个问题正在加紧整改；",
        ),
        ("整改措施:一是加快建设", "整改措施：一是加快建设"),
        ("2019年9月30日前,并长期坚持", "2019年9月30日前，并长期坚持"),
        ("(一)商务部复核组发现问题及整改情况", "（一）商务部复核组发现问题及整改情况"),
        ("(1)县级公共服务中心未建成", "（1）县级公共服务中心未建成"),
        ("问题整改情况\n(12)村级站点", "问题整改情况\n（12）村级站点"),
        ("综合示范(第四批)绩效评价", "综合示范（第四批）绩效评价"),
        ("运营主体为个人(54个),缺少中枢管理机构", "运营主体为个人（54个），缺少中枢管理机构"),
        ("务中心未开工建设(2018年11月)", "务中心未开工建设（2018年11月）"),
        ("《通知》(昭商函〔2019〕5号)文件精神", "《通知》（昭商函〔2019〕5号）文件精神"),
        ("“村电商服务站点”,“专合社”", "“村电商服务站点”，“专合社”"),
        ("培训200人次=147%,实际培训136人", "培训200人次=147%，实际培训136人"),
        ("领导小组,5月6日成立;6月10日召开", "领导小组，5月6日成立；6月10日召开"),
        ("是否完成?确已完成!", "是否完成？确已完成！"),
        ("省商务厅:", "省商务厅："),
        # A full-width mark carries its own space.
        ("整改措施: 一是", "整改措施：一是"),
        ("已完成 , 待验收", "已完成，待验收"),
        ("示范 (第四批) 绩效", "示范（第四批）绩效"),
        # A full stop only where it ends a Chinese sentence.
        ("整改到位.", "整改到位。"),
        ("整改到位.  \n二是", "整改到位。\n二是"),
        ("（详见附件）.", "（详见附件）。"),
        # Numbers, dates and times stay.
        ("计划总投资4029.50万元", "计划总投资4029.50万元"),
        ("2019.5", "2019.5"),
        ("共1,149个站点", "共1,149个站点"),
        ("下午3:30开会", "下午3:30开会"),
        ("时间:3:30", "时间：3:30"),
        ("达到1:1的比例", "达到1:1的比例"),
        ("1.项目建设进度滞后问题", "1.项目建设进度滞后问题"),
        ("见附件2.docx", "见附件2.docx"),
        ("完成率52.38%.", "完成率52.38%."),
        ("33%,2018年", "33%,2018年"),  # between a number and a number: left alone
        # Latin text and addresses stay.
        ("http://example.com/a,b", "http://example.com/a,b"),
        ("网址:http://example.com/a,b;c(d),请访问", "网址：http://example.com/a,b;c(d)，请访问"),
        ("见https://gov.cn/?q=整改,a", "见https://gov.cn/?q=整改，a"),
        ("E-mail: a@b.cn", "E-mail: a@b.cn"),
        ("邮箱:zhao@gov.cn.", "邮箱：zhao@gov.cn."),
        (
            "见https://zh.wikipedia.org/wiki/A_(B),其中",
            "见https://zh.wikipedia.org/wiki/A_(B)，其中",
        ),
        ("Note: see (A) in f(x), then stop.", "Note: see (A) in f(x), then stop."),
        ("f(x)的值", "f(x)的值"),
        # Decided: parentheses glued to a Latin word are the word's (a file type, a call).
        ("导出Excel(.xlsx)文件", "导出Excel(.xlsx)文件"),
        ("导出为 (.xlsx) 文件", "导出为（.xlsx）文件"),
        ("(1) The first item", "(1) The first item"),
        # Unpaired marks follow their neighbours; mixed pairs are completed.
        ("（1)县级", "（1）县级"),
        ("1)县级", "1）县级"),
        ("", ""),
    ],
)
def test_cases(typed, written):
    assert full_width_punctuation(typed) == written


@pytest.mark.parametrize(
    ("seed", "left"),
    # Seed 001's web page mangled its text into pinyin: in ?,F(xiàn)將 the bracket is glued
    # to a Latin letter, so it stays.
    [(SEED_000, []), (SEED_001, [")將"])],
    ids=["000", "001"],
)
def test_the_seeds(seed, left):
    written = full_width_punctuation(seed)
    assert NEXT_TO_CHINESE.findall(written) == left
    # Every number (4029.50, 1:1, 08:41:00, 52.38%) is written as it was, in its place.
    assert NUMBER.findall(written) == NUMBER.findall(seed)
    # Only marks and the spaces next to them changed.
    assert _bare(written) == _bare(seed)


def test_the_report_seed_loses_its_thousand_half_width_marks():
    before = sum(SEED_000.count(m) for m in HALF_WIDTH)
    after = sum(full_width_punctuation(SEED_000).count(m) for m in HALF_WIDTH)
    assert before > 1000
    # What is left: 08:41:00 (the web page's time stamp), 1:1 and 33%,2018年 twice.
    assert after == 5


FULL_TO_HALF = str.maketrans("，：；？！（）。", ",:;?!().")


def _bare(text: str) -> str:
    """The text with every mark written half-width and without spaces."""
    return re.sub(r"[ \t\u00a0]", "", text.translate(FULL_TO_HALF))


TEXT = st.lists(
    st.sampled_from(
        list("整改问题（）“”《》，。a1Ab. :,;?!()\n\t") + ["http://a.cn/x,y", "1,149", "3:30"]
    ),
    max_size=40,
).map("".join)


@given(TEXT)
def test_idempotent(text):
    once = full_width_punctuation(text)
    assert full_width_punctuation(once) == once


@given(TEXT)
def test_only_marks_and_their_spaces_change(text):
    written = full_width_punctuation(text)
    assert _bare(written) == _bare(text)
    assert written.count("\n") == text.count("\n")


# The catalogue and the source: every UI message and generated sentence written full-width

REPO = Path(__file__).resolve().parents[1]
APPS = ["audit", "issues", "notify", "outbox", "rectify", "reports", "users", "templates"]
TAG = re.compile(r"\{%.*?%\}", re.S)
TRANSLATE = re.compile(r"""\{%\s*translate\s+(["'])(.*?)\1""", re.S)
BLOCKTRANSLATE = re.compile(r"\{%\s*blocktranslate\b.*?%\}(.*?)\{%\s*endblocktranslate\s*%\}", re.S)
TEMPLATE_COMMENT = re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|\{#.*?#\}", re.S)
FIELD = "\x00"  # a template variable or an f-string's field
NUMBER_FIELD = re.compile(r"%\(\w+\)d")
TEXT_FIELD = re.compile(f"%\\(\\w+\\)s|%s|\\{{\\w*\\}}|{FIELD}")
RAW = re.compile(r"""(?:^|[\s(])[bBuU]?[rR][fFbB]?["']""")


def _python_texts(path: Path):
    """(line, text) of the string literals of a module: not its docstrings, not its regular
    expressions (raw strings); an f-string with its fields as X."""
    import ast

    source = path.read_text(encoding="utf-8")
    lines = source.encode("utf-8").splitlines(keepends=True)
    tree = ast.parse(source)
    docstrings, inside_fstrings = set(), set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            inside_fstrings.update(id(v) for v in node.values)
            text = "".join(v.value if isinstance(v, ast.Constant) else FIELD for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in docstrings or id(node) in inside_fstrings:
                continue
            text = node.value
        else:
            continue
        if not RAW.search(_segment(lines, node)):
            yield node.lineno, text


def _segment(lines: list[bytes], node) -> str:
    """The source of a node (ast.get_source_segment, without splitting the file each time)."""
    chunk = b"".join(lines[node.lineno - 1 : node.end_lineno])
    cut = len(lines[node.end_lineno - 1]) - node.end_col_offset
    return chunk[node.col_offset : len(chunk) - cut].decode("utf-8")


def _template_texts(path: Path):
    return _template_texts_of(path.read_text(encoding="utf-8"))


def _template_texts_of(source: str):
    """(line, text) of a template's messages and of the words it writes outside tags."""
    source = TEMPLATE_COMMENT.sub("", source)
    for m in TRANSLATE.finditer(source):
        yield source.count("\n", 0, m.start()) + 1, m.group(2)
    for m in BLOCKTRANSLATE.finditer(source):
        yield source.count("\n", 0, m.start()) + 1, re.sub(r"\{\{.*?\}\}", FIELD, m.group(1))
    for n, line in enumerate(source.splitlines(), 1):
        line = re.sub(r"\{\{.*?\}\}", FIELD, TAG.sub("", line))
        yield n, re.sub(r"<[^>]*>", " ", line)


def source_texts():
    for app in APPS:
        for path in sorted((REPO / app).rglob("*")):
            if "migrations" in path.parts:
                continue
            if path.suffix == ".py":
                texts = _python_texts(path)
            elif path.suffix in (".html", ".txt"):
                texts = _template_texts(path)
            else:
                continue
            for line, text in texts:
                yield f"{path.relative_to(REPO)}:{line}", text


def catalogue_msgids(po: Path):
    """The msgids (and plural msgids) of a .po file, continuation lines joined."""
    entries, current = [], None
    for n, line in enumerate(po.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(("msgid ", "msgid_plural ")):
            current = [line.split(" ", 1)[1]]
            entries.append((n, current))
        elif line.startswith('"') and current is not None:
            current.append(line)
        else:
            current = None
    for number, parts in entries:
        text = "".join(p.strip()[1:-1] for p in parts)
        yield f"{po.relative_to(REPO)}:{number}", text.replace('\\"', '"').replace("\\n", "\n")


def half_width(texts) -> list[str]:
    """The texts with a half-width mark next to Chinese. In a Chinese message a field is read
    as what it holds: a number for %(n)d (so 超过 %(limit)d:1 is a ratio), Chinese otherwise
    (填写了%(label)s:%(new)s)."""
    found = []
    for where, text in texts:
        if IDEOGRAPH.search(text):
            text = TEXT_FIELD.sub("某", NUMBER_FIELD.sub("9", text))
        if NEXT_TO_CHINESE.search(text):
            found.append(f"{where}: {text.replace(FIELD, 'X')}")
    return found


def test_the_source_writes_its_messages_full_width():
    """gettext messages, template words and generated sentences in the apps (not tests, not
    the migrations, which record what the models said then)."""
    found = half_width(source_texts())
    assert found == [], "\n".join(found)


def test_the_catalogue_msgids_are_full_width():
    """Passes once the catalogues are regenerated (make messages) from the source."""
    found = half_width(catalogue_msgids(REPO / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    assert found == [], f"{len(found)} msgids:\n" + "\n".join(found)


def test_the_scanners_see_what_they_should():
    found = half_width([("a", "保存失败,请按提示修改。"), ("b", "保存失败，请按提示修改。")])
    assert found == ["a: 保存失败,请按提示修改。"]
    assert half_width(_template_texts_of('{% translate "未保存,请修改" %}<b title="x">a</b>')) != []
    template = REPO / "templates" / "reports" / "county_dashboard.html"
    assert any("截至目前" in text for _, text in _template_texts(template))
    module = REPO / "reports" / "documents.py"
    assert any("截至目前" in text for _, text in _python_texts(module))
    assert any("保存失败" in text for _, text in source_texts())
    po = list(catalogue_msgids(REPO / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    assert len(po) > 1000 and any("截至目前" in text for _, text in po)
