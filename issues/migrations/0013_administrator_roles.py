from django.db import migrations

ROLES = ["account_admin", "security_admin", "auditor"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("issues", "0012_user_must_change_password")]

    operations = [migrations.RunPython(create_roles, remove_roles)]
