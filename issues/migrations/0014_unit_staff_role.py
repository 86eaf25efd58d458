from django.db import migrations


def create_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="unit_staff")


def remove_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="unit_staff").delete()


class Migration(migrations.Migration):
    dependencies = [("issues", "0013_administrator_roles")]

    operations = [migrations.RunPython(create_role, remove_role)]
