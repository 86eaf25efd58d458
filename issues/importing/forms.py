"""The upload forms. Reading happens in clean(): a file that cannot be read is a form error,
shown next to what the user gave, and the pasted text stays in the box."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from issues.models import Review
from rectify.lib.forms import StyledForm

from . import limits, readers


class DocumentImportForm(StyledForm, forms.Form):
    file = forms.FileField(
        label=_("上传文件"),
        required=False,
        help_text=_(
            "反馈问题清单、整改方案或整改情况报告：Word（.docx、.doc）、WPS（.wps）、"
            ".rtf、.odt、PDF、扫描件或照片（.png、.jpg）、文本文件（.txt）。"
            "扫描件和照片经文字识别读取，须逐条核对。"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": readers.ACCEPT}),
    )
    text = forms.CharField(
        label=_("或粘贴文字"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "placeholder": _("从 Word 中复制全文粘贴到这里")}),
    )
    default_kind = forms.ChoiceField(
        label=_("检查类型"),
        choices=Review.Kind.choices,
        initial=Review.Kind.MOFCOM_REVIEW,
        help_text=_("文件中没有写明是哪个检查组反馈的问题时，按此类型导入。"),
    )

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), (data.get("text") or "").strip()
        if upload and text:
            raise ValidationError(_("请上传文件或粘贴文字，二者选其一。"))
        if not upload and not text:
            raise ValidationError(_("请上传文件，或粘贴文件的文字。"))
        if upload:
            try:
                source = readers.read_source(upload)
            except ValidationError as e:
                self.add_error("file", e)
                return data
            data["source_text"], data["ocr_lines"] = source.text, source.ocr_lines
            data["source_name"] = upload.name
        else:
            try:
                text = limits.check_text(_("粘贴的文字"), text)
                # A table copied from Word or Excel: its rows read by the 台账's columns.
                data["source_text"] = readers.text_tables(text)
            except ValidationError as e:
                self.add_error("text", e)
                return data
            data["source_name"] = _("粘贴的文字")
            data["ocr_lines"] = []
        return data


class LedgerImportForm(StyledForm, forms.Form):
    file = forms.FileField(
        label=_("上传台账"),
        help_text=_("Excel 工作簿（.xlsx），表头在前10行内即可；本系统导出的台账可原样导入。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.rows = readers.read_workbook(upload)
        if not any(any(row) for row in self.rows):
            raise ValidationError(_("工作簿「%(name)s」是空的。") % {"name": upload.name})
        return upload
