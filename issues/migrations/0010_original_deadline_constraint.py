from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("issues", "0009_original_deadline")]

    operations = [
        migrations.AddConstraint(
            model_name="finding",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("deadline__isnull", True),
                    ("original_deadline__isnull", False),
                    _connector="OR",
                ),
                name="finding_original_deadline_set",
                violation_error_message="有完成时限的问题必须记录原定完成时限。",
            ),
        ),
    ]
