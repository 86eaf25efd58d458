from django.db import migrations, models
from django.db.models import F


def original_is_current(apps, schema_editor):
    """Before extensions existed, every deadline was the original one."""
    Finding = apps.get_model("issues", "Finding")
    Finding.objects.filter(deadline__isnull=False, original_deadline__isnull=True).update(
        original_deadline=F("deadline")
    )


class Migration(migrations.Migration):
    dependencies = [("issues", "0008_requests_submissions_change_sets")]

    operations = [
        migrations.RunPython(original_is_current, migrations.RunPython.noop),
    ]
