"""Full-width punctuation in Chinese text (GB/T 15834): rectify.lib.text.full_width_punctuation,
on the seed's sentences and on the cases where a half-width mark is not Chinese punctuation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rectify.lib.text import full_width_punctuation

SEEDS = Path(__file__).resolve().parents[1] / "demo" / "seeds"
SEED_000 = (SEEDS / "000_d2c33bb255dc6fe3.txt").read_text(encoding="utf-8")
SEED_001 = (SEEDS / "001_04373179771d853a.txt").read_text(encoding="utf-8")

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
