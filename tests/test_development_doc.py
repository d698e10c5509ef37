"""docs/development.md's "Where a change goes" stays true: the files it names exist, and it names
every test whose table a new route must join."""

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent
PAGE = (ROOT / "docs" / "development.md").read_text()
SECTION = PAGE[PAGE.index("## Where a change goes") :]
FILE = re.compile(r"`((?:fake_smartengage|tests|docs)/[\w/.]+\.(?:py|html|js|md|sql))`")


def test_every_file_named_exists():
    named = FILE.findall(SECTION)
    assert len(named) > 15
    assert [path for path in named if not (ROOT / path).is_file()] == []


def test_every_test_table_keyed_by_route_is_named():
    keyed = {
        f"tests/{path.name}"
        for path in (ROOT / "tests").glob("test_*.py")
        if "route_names(" in path.read_text() or "table_entry(" in path.read_text()
    }
    assert keyed
    assert keyed <= set(FILE.findall(SECTION))
