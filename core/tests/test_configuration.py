"""Every environment variable the code reads is in the README's table, and every one there
is read: an operator configures the site from that table alone."""

import re
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
SOURCE_DIRS = ["charter_site", "core", "services", "grievances", "reports", "open311"]
READS = re.compile(
    r"""(?:os\.environ(?:\.get)?[(\[]|env_bool\(|env_list\()\s*["']([A-Z][A-Z0-9_]+)["']"""
)
TABLE_ROW = re.compile(r"^\| (`[A-Z].*?) \|", re.MULTILINE)


def variables_read() -> set[str]:
    found = set()
    for directory in SOURCE_DIRS:
        for path in (BASE / directory).rglob("*.py"):
            if "tests" not in path.parts:
                found |= set(READS.findall(path.read_text(encoding="utf-8")))
    return found


def variables_documented() -> set[str]:
    readme = (BASE / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Configuration") :]
    section = section[: section.index("\n## ", 1)]
    names = set()
    for cell in TABLE_ROW.findall(section):
        names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", cell))
    return names


def test_the_code_reads_environment_variables():
    # The scan itself works: these are read for certain.
    assert {"DATABASE_URL", "SECRET_KEY", "SITE_URL", "CHARTER_OFFICE_ID"} <= variables_read()


def test_every_variable_read_is_documented_and_every_documented_one_is_read():
    read, documented = variables_read(), variables_documented()
    assert sorted(read - documented) == [], "read but not in the README's table"
    assert sorted(documented - read) == [], "in the README's table but never read"
