"""The noise of real documents: traditional characters, pinyin readings, full-width forms,
extra spaces, separator lines, page furniture and sentences pasted twice."""

from __future__ import annotations

import re
from functools import cache

from . import limits

# Full-width forms that mark structure (headings, labels); the text itself keeps its own.
_STRUCTURE = str.maketrans(
    {
        "（": "(",
        "）": ")",
        "：": ":",
        "．": ".",
        "，": ",",
        "；": ";",
        "、": "、",
        "\u3000": " ",
        "\xa0": " ",
    }
    | {chr(0xFF10 + i): str(i) for i in range(10)}
)
_SPACES = re.compile(r"[ \t\u3000\xa0\u2002\u2003\u2009\u200b\ufeff]+")
_CJK = r"[\u3400-\u9fff\uf900-\ufaff]"
_SPACE_BETWEEN_CJK = re.compile(
    rf"(?<={_CJK}) (?={_CJK}|[,。;:、)(“”])|(?<=[,。;:、)(“”]) (?={_CJK})"
)
# 關(guān)于: web pages add the reading of rare characters after them.
_PINYIN = re.compile(rf"(?<={_CJK})[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{{1,8}}[)）]")
_SEPARATOR = re.compile(r"^[\s.。·•…\-—_=*~～#]*$")
_FURNITURE = [
    re.compile(r"^[-—–\s]*\d{1,3}[-—–\s]*$"),  # — 3 —, 3
    re.compile(r"^第\s*\d+\s*页(\s*[,/,]?\s*共\s*\d+\s*页)?$"),
    re.compile(r"^\d+\s*/\s*\d+$"),
    re.compile(r"^(发布时间|来源|浏览次数|字号|打印本页|关闭窗口|分享到)[::].*$"),
    re.compile(r"^(【?打印】?|【?关闭】?|智能问答\s*关闭|你还可以输入\d*|返回顶部)$"),
]


@cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _converter().convert(text)


def structural(text: str) -> str:
    """The line with full-width punctuation and digits folded, for recognising its shape."""
    return text.translate(_STRUCTURE)


def clean_line(line: str) -> str:
    line = _PINYIN.sub("", line)
    line = _SPACES.sub(" ", line).strip()
    return _SPACE_BETWEEN_CJK.sub("", line)


def is_separator(line: str) -> bool:
    return bool(_SEPARATOR.match(line))


def is_furniture(line: str) -> bool:
    return any(p.match(line) for p in _FURNITURE)


_SENTENCE = re.compile(r"[^。;;!?!?]+[。;;!?!?]*")


def drop_repeats(text: str) -> str:
    """A sentence pasted twice in a row is kept once."""
    sentences = _SENTENCE.findall(text)
    if len(sentences) < 2:
        return text
    kept: list[str] = []
    for s in sentences:
        if kept and _key(s) == _key(kept[-1]) and len(_key(s)) >= 4:
            continue
        kept.append(s)
    return "".join(kept)


def _key(text: str) -> str:
    return re.sub(r"[\s。;;,,!?!?.]", "", structural(text))


def same_text(a: str, b: str) -> bool:
    """Equal but for spaces, punctuation and full/half-width forms."""
    return _key(a) == _key(b)


def prepare(text: str) -> list[str]:
    """The document's lines, simplified and tidied; line numbers stay those of the input."""
    text = to_simplified(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = []
    for line in text.split("\n"):
        limits.tick()
        lines.append(clean_line(line))
    return lines
