"""The table of the database cache (settings.CACHES, tremplin.www.cache.DatabaseCache): rate limits are counted
there, shared by every process. `createcachetable` does nothing when it exists or when the cache is Redis."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=False)]
