import posixpath
import shutil
from collections.abc import Iterator
from pathlib import Path

from django.core.files.storage import Storage, storages
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

DATA_FILE = "data.exactjson"  # JSON; see core/backup_format.py
MEDIA_DIR = "private_media"
# The storage of complaint attachments (settings.STORAGES): a directory or an S3 bucket.
ATTACHMENTS = "attachments"
# Rebuilt by `migrate` on the target; sessions are not worth keeping.
EXCLUDED = ["contenttypes", "auth.permission", "sessions"]


def stored_files(storage: Storage, directory: str = "") -> Iterator[str]:
    """The name of every file in ``storage``, through its own ``listdir``: any backend."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:  # a local directory nothing was ever stored in
        return
    for name in sorted(files):
        yield posixpath.join(directory, name)
    for name in sorted(directories):
        yield from stored_files(storage, posixpath.join(directory, name))


class Command(BaseCommand):
    help = (
        "Write the whole database (dumpdata with natural keys) and the private attachments "
        "(from their storage: the local directory or the S3 bucket) into a new directory. "
        "On PostgreSQL prefer pg_dump -Fc; this works on any database."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="A directory that does not exist yet.")

    def handle(self, *args, directory, **options):
        target = Path(directory)
        if target.exists():
            raise CommandError(f"{target} already exists: choose a new directory.")
        target.mkdir(parents=True)
        # The records first: files are written once under new names, so every file a
        # record of the dump refers to is already stored when the files are copied.
        call_command(
            "dumpdata",
            format="exactjson",
            natural_foreign=True,
            natural_primary=True,
            exclude=EXCLUDED,
            output=str(target / DATA_FILE),
            verbosity=0,
        )
        media = target / MEDIA_DIR
        media.mkdir(mode=0o700)
        storage = storages[ATTACHMENTS]
        files = 0
        for name in stored_files(storage):
            destination = media.joinpath(*name.split("/"))
            destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with storage.open(name, "rb") as source, destination.open("wb") as copy:
                shutil.copyfileobj(source, copy)
            files += 1
        self.stdout.write(f"Backed up the database and {files} attachment file(s) to {target}.")
