"""Where the databases of the accounts and their seeds live: in memory, or in the --db folder.

In the folder, each database is a file (`account-<n>.sqlite`, `seed-<n>.sqlite`), and
`state.json` says which key opens which account, in the accounts' order, and which seed each
resets to. It is replaced whole (written beside, then renamed), after a new database is written
and before a dropped one is deleted. A process killed at any point, like a committed write in
WAL mode, therefore leaves a folder that starts again with what was last recorded; a database
file it does not name is deleted at the next start. Numbers are never reused within a folder's
files, so a new database never meets what an old one left beside it.
"""

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from .db import Database
from .exceptions import CannotStore, StartupError

_STATE = "state.json"
_FORMAT = 1
ACCOUNT = "account"
SEED = "seed"
# SQLite's own files beside a database, deleted before it: a database file left alone by a
# killed process still marks its number as taken.
_COMPANIONS = ("-wal", "-shm", "")


@dataclass(frozen=True)
class Entry:
    """What the folder says of one account: its key, its database's number and its seed's."""

    api_key: str
    number: int
    seed: int


class Folder:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        if path is not None:
            _prepare(path)
        # The numbers of the database files found at start, by kind: later ones are numbered past them.
        self._found = {kind: set() if path is None else _numbers_in(path, kind) for kind in (ACCOUNT, SEED)}
        self._numbers = {kind: max(found, default=0) for kind, found in self._found.items()}

    def new(self, kind: str, image: Database | None = None) -> tuple[int, Database]:
        """A new database of this kind, empty or a copy of `image`, and its number."""
        self._numbers[kind] += 1
        number = self._numbers[kind]
        path = self._file(kind, number)
        try:
            return number, Database(path, image=image)
        except StartupError as error:  # a file SQLite cannot create: no space, no file handle left
            if path is not None:
                _delete_files(path)
            raise CannotStore(str(error)) from None

    def open(self, kind: str, number: int) -> Database:
        """The database of this kind and number that the folder holds."""
        path = self._file(kind, number)
        if path is not None and not path.exists():
            raise StartupError(f"{path}: named in {path.with_name(_STATE)} but missing; start with a new folder")
        return Database(path)

    def remove(self, db: Database) -> None:
        db.close()
        if db.path is not None:
            _delete_files(db.path)

    def entries(self) -> list[Entry]:
        """The accounts the folder holds, in order; nothing in memory."""
        if self.path is None:
            return []
        state_file = self.path / _STATE
        try:
            document = json.loads(state_file.read_text())
            if document["format"] != _FORMAT:
                raise ValueError(f"format {document['format']}, where this version reads {_FORMAT}")
            return [Entry(**entry) for entry in document["accounts"]]
        except (ValueError, KeyError, TypeError) as error:
            raise StartupError(f"{state_file}: not a state file fake-smartengage can read: {error!r}") from None

    def save(self, entries: list[Entry]) -> None:
        """Records the accounts, whole."""
        if self.path is not None:
            _write_state(self.path, entries)

    def delete_unnamed(self, entries: list[Entry]) -> None:
        """At start, deletes the files of databases no entry names: what a process killed between
        writing a database and recording it left, and seeds no account used any more."""
        if self.path is None:
            return
        named = {ACCOUNT: {entry.number for entry in entries}, SEED: {entry.seed for entry in entries}}
        for kind, numbers in named.items():
            for number in self._found[kind] - numbers:
                _delete_files(self.path / _file_name(kind, number))

    def _file(self, kind: str, number: int) -> Path | None:
        return None if self.path is None else self.path / _file_name(kind, number)


def _numbers_in(folder: Path, kind: str) -> set[int]:
    """The numbers of this kind's database files (or of the files SQLite left beside them)."""
    numbers = set()
    for path in folder.glob(f"{kind}-*.sqlite*"):
        number = path.name.removeprefix(f"{kind}-").split(".")[0]
        if number.isdigit():
            numbers.add(int(number))
    return numbers


def _file_name(kind: str, number: int) -> str:
    return f"{kind}-{number}.sqlite"


def _write_state(folder: Path, entries: list[Entry]) -> None:
    written = folder / f"{_STATE}.new"
    written.write_text(json.dumps({"format": _FORMAT, "accounts": [asdict(entry) for entry in entries]}, indent=1))
    os.replace(written, folder / _STATE)


def _delete_files(path: Path) -> None:
    """A database file and the files SQLite keeps beside it."""
    for suffix in _COMPANIONS:
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _prepare(path: Path) -> None:
    """The folder exists, or is made, and holds a fake-smartengage state (perhaps empty)."""
    if path.exists() and not path.is_dir():
        raise StartupError(
            f"{path}: --db names a folder (each account is a database file in it), and this is a file: "
            "start with a new folder"
        )
    if not path.exists():
        if not path.parent.is_dir():
            raise StartupError(f"{path}: cannot create the state folder: no folder {path.parent}")
        path.mkdir()
    elif not (path / _STATE).exists() and any(path.iterdir()):
        raise StartupError(f"{path}: holds files but no {_STATE}, so it is not a fake-smartengage state folder")
    if not (path / _STATE).exists():
        _write_state(path, [])
    _allow_open_files()


def _allow_open_files() -> None:
    """Each database in the folder keeps three files open (itself, its WAL and its shared memory),
    and an account that attached its seed three more: the soft limit on open files, often 1,024,
    is raised to the hard one, as servers do."""
    try:
        import resource
    except ImportError:  # Windows: no such limit
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        with contextlib.suppress(ValueError, OSError):  # some systems refuse an unlimited soft limit
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
