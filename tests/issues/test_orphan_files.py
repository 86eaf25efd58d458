"""A file stored during a write that then fails is removed again (rectify.lib.files
.removed_on_failure): the rows that named it roll back, so nothing else would."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from issues import services, submissions
from issues.models import Evidence, Progress, Submission
from rectify.lib.files import removed_on_failure, stored
from tests.issues.test_evidence import pdf_bytes


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def files_in(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def pdf(name: str = "验收单.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes())


def test_a_stored_upload_is_kept_when_the_write_succeeds(alice, finding_a, media):
    evidence = services.evidence_add(user=alice, finding=finding_a, upload=pdf())
    assert files_in(media) == [media / evidence.file.name]


def test_evidence_failing_after_the_file_was_stored_leaves_none(
    alice, finding_a, media, monkeypatch
):
    def refuse(self, *args, **kwargs):
        assert files_in(media), "the file is stored before the row is checked"
        raise ValidationError("refused after the save")

    monkeypatch.setattr(Evidence, "full_clean", refuse)
    with pytest.raises(ValidationError):
        services.evidence_add(user=alice, finding=finding_a, upload=pdf())
    assert files_in(media) == []
    assert not Evidence.objects.exists()


def test_progress_failing_after_its_evidence_was_stored_leaves_none(
    alice, finding_a, media, monkeypatch
):
    """evidence_add succeeded and handed its files to progress_add, which then failed."""

    def fail(*args, **kwargs):
        assert len(files_in(media)) == 2
        raise ValidationError("the workflow refused")

    monkeypatch.setattr(services, "_take_step", fail)
    with pytest.raises(ValidationError):
        services.progress_add(
            user=alice, finding=finding_a, note="已完成选址。", uploads=[pdf(), pdf("照片.pdf")]
        )
    assert files_in(media) == []
    assert not Progress.objects.exists()


def test_a_failing_request_leaves_no_file(client, alice, finding_a, media, monkeypatch):
    def fail(*args, **kwargs):
        assert len(files_in(media)) == 1
        raise ValidationError("流程拒绝了这次填报。")

    monkeypatch.setattr(services, "_take_step", fail)
    client.force_login(alice)
    response = client.post(
        f"/findings/{finding_a.pk}/progress/",
        {"note": "已完成选址。", "date": timezone.localdate().isoformat(), "files": [pdf()]},
    )
    assert "流程拒绝了这次填报。" in response.content.decode()
    assert files_in(media) == []
    assert not Progress.objects.exists()


def test_blocks_nest_and_an_outer_failure_removes_the_inner_files(media):
    with pytest.raises(RuntimeError), removed_on_failure():
        with removed_on_failure():
            name = default_storage.save("evidence/inner.txt", ContentFile(b"x"))
            stored(default_storage, name)
        assert default_storage.exists(name)  # the inner block succeeded
        raise RuntimeError
    assert not default_storage.exists(name)


def test_outside_any_block_a_stored_file_is_left_alone(media):
    name = default_storage.save("evidence/plain.txt", ContentFile(b"x"))
    stored(default_storage, name)
    assert default_storage.exists(name)


def test_a_submission_failing_after_the_service_returned_leaves_no_file(
    alice, finding_a, media, monkeypatch
):
    """The one-time token is saved with what the service created; if that save fails, the
    evidence row rolls back and its file goes with it."""

    def fail(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("the token's save failed")
        return original(self, *args, **kwargs)

    original = Submission.save
    monkeypatch.setattr(Submission, "save", fail)
    with pytest.raises(RuntimeError):
        submissions.once(
            submissions.new_token(),
            alice,
            lambda: services.evidence_add(user=alice, finding=finding_a, upload=pdf()),
        )
    assert files_in(media) == []
    assert not Evidence.objects.exists()
