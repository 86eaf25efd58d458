"""The HTML preview and print view of an official document lay its title out as the Word
document does: `{% for line in b.text|title_lines %}` gives the lines the .docx breaks the
title into (after the issuing organ, never inside a word, a number or brackets)."""

from django import template

from reports.exports.docx import _title_lines

register = template.Library()


@register.filter
def title_lines(title: str) -> list[str]:
    return _title_lines(title)
