"""The structure of a Chinese official document about findings, read from its text.

Headings are numbered 一、 / (一) / 1. / (1) / ① (and 1、, full-width forms); which level
holds the findings is learnt from the document itself: the items followed by labelled fields
(整改措施:, 责任单位:, …), or, in a bare feedback list, the longest numbered items. Reviews
are the headings that name a team (商务部复核组…); categories are the headings between a
review and its findings. A report with its plan attached is read as two parts and merged:
the report's values win and every disagreement is listed.

`parsed` holds the result's types, `labels` the field labels, `tokens` classifies the lines,
`values` reads a field's text, `builder` finds the structure, `fill` the findings' values,
`merge` pairs a report with its plan and `parse` puts these together."""

from .parse import parse_document
from .parsed import Note, ParsedCategory, ParsedDocument, ParsedFinding, ParsedReview

__all__ = [
    "Note",
    "ParsedCategory",
    "ParsedDocument",
    "ParsedFinding",
    "ParsedReview",
    "parse_document",
]
