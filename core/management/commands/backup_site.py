import shutil
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

DATA_FILE = "data.exactjson"  # JSON; see core/backup_format.py
MEDIA_DIR = "private_media"
# Rebuilt by `migrate` on the target; sessions are not worth keeping.
EXCLUDED = ["contenttypes", "auth.permission", "sessions"]


class Command(BaseCommand):
    help = (
        "Write the whole database (dumpdata with natural keys) and the private attachments "
        "into a new directory. On PostgreSQL prefer pg_dump -Fc; this works on any database."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="A directory that does not exist yet.")

    def handle(self, *args, directory, **options):
        target = Path(directory)
        if target.exists():
            raise CommandError(f"{target} already exists: choose a new directory.")
        target.mkdir(parents=True)
        call_command(
            "dumpdata",
            format="exactjson",
            natural_foreign=True,
            natural_primary=True,
            exclude=EXCLUDED,
            output=str(target / DATA_FILE),
            verbosity=0,
        )
        media = Path(settings.PRIVATE_MEDIA_ROOT)
        if media.exists():
            shutil.copytree(media, target / MEDIA_DIR)
        else:
            (target / MEDIA_DIR).mkdir()
        files = sum(1 for path in (target / MEDIA_DIR).rglob("*") if path.is_file())
        self.stdout.write(f"Backed up the database and {files} attachment file(s) to {target}.")
