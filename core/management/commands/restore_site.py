import contextlib
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from .backup_site import ATTACHMENTS, DATA_FILE, MEDIA_DIR


class Command(BaseCommand):
    help = (
        "Restore a backup_site directory into a freshly migrated database: the records "
        "(loaddata) and the private attachments (into their storage: the local directory "
        "or the S3 bucket)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Restore even though the database already holds complaints.",
        )

    def handle(self, *args, directory, force=False, **options):
        source = Path(directory)
        data, media = source / DATA_FILE, source / MEDIA_DIR
        if not data.is_file() or not media.is_dir():
            raise CommandError(f"{source} is not a backup: {DATA_FILE} or {MEDIA_DIR}/ missing.")
        if not force and any(
            apps.get_model(label).objects.exists() for label in settings.BACKUP_PROTECTED_MODELS
        ):
            raise CommandError("The database already holds complaints; use --force to merge.")
        storage = storages[ATTACHMENTS]
        copied = []
        try:
            with transaction.atomic():
                call_command("loaddata", str(data), verbosity=0)
                for path in sorted(media.rglob("*")):
                    if not path.is_file():
                        continue
                    name = path.relative_to(media).as_posix()
                    if storage.exists(name):
                        continue  # the same uuid name is the same attachment
                    with path.open("rb") as content:
                        saved = storage.save(name, File(content, name=name))
                    copied.append(saved)
                    if saved != name:  # stored meanwhile by someone else: not ours to keep
                        raise CommandError(f"{name} appeared in the attachments' storage.")
        except BaseException:
            for name in copied:  # the records were rolled back: so go their files
                with contextlib.suppress(Exception):  # best effort: the first error matters
                    storage.delete(name)
            raise
        self.stdout.write(f"Restored the database and {len(copied)} attachment file(s).")
