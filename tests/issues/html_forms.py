"""Read a rendered form the way a browser submits it, so tests post what a person would."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self, form_class: str | None):
        super().__init__(convert_charrefs=True)
        self.form_class = form_class
        self.in_form = False
        self.template_depth = 0  # <template> rows are not submitted
        self.fields: list[tuple[str, str]] = []
        self.select: dict | None = None
        self.option: dict | None = None
        self.textarea: dict | None = None

    def _live(self) -> bool:
        return self.in_form and not self.template_depth

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            classes = (a.get("class") or "").split()
            if self.form_class is None or self.form_class in classes:
                self.in_form = True
            return
        if tag == "template":
            self.template_depth += 1
            return
        if not self._live():
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value") or "on"))
                return
            self.fields.append((name, a.get("value") or ""))
        elif tag == "textarea" and name:
            self.textarea = {"name": name, "text": ""}
        elif tag == "select" and name:
            self.select = {"name": name, "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self.select is not None:
            self.option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
            self.select["options"].append(self.option)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea["text"] += data
        elif self.option is not None:
            self.option["text"] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form = False
        elif tag == "template" and self.template_depth:
            self.template_depth -= 1
        elif tag == "textarea" and self.textarea is not None:
            # A browser drops the one newline right after <textarea>.
            text = self.textarea["text"]
            self.fields.append((self.textarea["name"], text[1:] if text[:1] == "\n" else text))
            self.textarea = None
        elif tag == "option":
            self.option = None
        elif tag == "select" and self.select is not None:
            options = self.select["options"]
            chosen = [o for o in options if o["selected"]]
            if not chosen and not self.select["multiple"] and options:
                chosen = options[:1]
            for o in chosen:
                value = o["value"] if o["value"] is not None else o["text"].strip()
                self.fields.append((self.select["name"], value))
            self.select = None


def form_fields(html: str | bytes, form_class: str | None = None) -> list[tuple[str, str]]:
    """The (name, value) pairs a browser would submit from the form."""
    if isinstance(html, bytes):
        html = html.decode()
    parser = _FormParser(form_class)
    parser.feed(html)
    return parser.fields


def form_data(html: str | bytes, form_class: str | None = None) -> dict[str, str | list[str]]:
    """Like form_fields, as a dict for the test client; repeated names become lists."""
    data: dict[str, str | list[str]] = {}
    for name, value in form_fields(html, form_class):
        if name in data:
            old = data[name]
            data[name] = [*old, value] if isinstance(old, list) else [old, value]
        else:
            data[name] = value
    return data


def count_names(html: str | bytes, pattern: str) -> int:
    """How many submitted fields have a name matching `pattern` (a regular expression)."""
    return sum(1 for name, _ in form_fields(html) if re.fullmatch(pattern, name))
