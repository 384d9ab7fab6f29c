import shutil
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from .backup_site import DATA_FILE, MEDIA_DIR


class Command(BaseCommand):
    help = (
        "Restore a backup_site directory into a freshly migrated database: the records "
        "(loaddata) and the private attachments."
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
        target = Path(settings.PRIVATE_MEDIA_ROOT)
        copied = []
        try:
            with transaction.atomic():
                call_command("loaddata", str(data), verbosity=0)
                for path in media.rglob("*"):
                    if path.is_file():
                        destination = target / path.relative_to(media)
                        if destination.exists():
                            continue  # the same uuid name is the same attachment
                        destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                        shutil.copy2(path, destination)
                        copied.append(destination)
        except BaseException:
            for path in copied:  # the records were rolled back: so go their files
                path.unlink(missing_ok=True)
            raise
        self.stdout.write(f"Restored the database and {len(copied)} attachment file(s).")
