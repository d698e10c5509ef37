"""Where the databases of the accounts and their seeds live: in memory, or in the --db folder.

In the folder, each database is a file (`account-<n>.sqlite`, `seed-<n>.sqlite`), and
`state.json` says which key opens which account, in the accounts' order, and which seed each
resets to. It is replaced whole (written beside, then renamed), after a new database is written
and before a dropped one is deleted, so a process killed at any point leaves a folder that
starts: a file it does not name is deleted at the next start.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import StartupError
from .db import Database

_STATE = "state.json"
_FORMAT = 1
ACCOUNT = "account"
SEED = "seed"


@dataclass(frozen=True)
class Entry:
    """What the folder says of one account: its key, its database's number and its seed's."""

    api_key: str
    number: int
    seed: int


class Folder:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._numbers = {ACCOUNT: 0, SEED: 0}
        if path is not None:
            _check(path)

    def new(self, kind: str, image: Database | None = None) -> tuple[int, Database]:
        """A new database of this kind, empty or a copy of `image`, and its number."""
        self._numbers[kind] += 1
        number = self._numbers[kind]
        return number, Database(self._file(kind, number), image=image)

    def open(self, kind: str, number: int) -> Database:
        self._numbers[kind] = max(self._numbers[kind], number)
        return Database(self._file(kind, number))

    def remove(self, db: Database) -> None:
        db.close()
        if db.path is not None:
            _delete_files(db.path)

    def entries(self) -> list[Entry]:
        """The accounts the folder holds, in order; nothing in memory."""
        if self.path is None or not (self.path / _STATE).exists():
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
        if self.path is None:
            return
        written = self.path / f"{_STATE}.new"
        document = {"format": _FORMAT, "accounts": [entry.__dict__ for entry in entries]}
        written.write_text(json.dumps(document, indent=1))
        os.replace(written, self.path / _STATE)

    def delete_unnamed(self, entries: list[Entry]) -> None:
        """Deletes the files of databases no entry names: what a process killed between writing
        a database and recording it left, and seeds no account used any more."""
        if self.path is None:
            return
        named = {ACCOUNT: {entry.number for entry in entries}, SEED: {entry.seed for entry in entries}}
        for kind, numbers in named.items():
            for number in self._numbers_of(kind) - numbers:
                _delete_files(self.path / f"{kind}-{number}.sqlite")

    def _numbers_of(self, kind: str) -> set[int]:
        """The numbers of this kind's database files; later databases are numbered past them."""
        assert self.path is not None
        numbers = set()
        for path in self.path.glob(f"{kind}-*.sqlite"):
            number = path.stem.removeprefix(f"{kind}-")
            if number.isdigit():
                numbers.add(int(number))
                self._numbers[kind] = max(self._numbers[kind], int(number))
        return numbers

    def _file(self, kind: str, number: int) -> Path | None:
        return None if self.path is None else self.path / f"{kind}-{number}.sqlite"


def _delete_files(path: Path) -> None:
    """A database file and the files SQLite keeps beside it."""
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _check(path: Path) -> None:
    """The folder exists, or is made, and holds a fake-smartengage state or nothing at all."""
    if path.exists() and not path.is_dir():
        raise StartupError(
            f"{path}: --db names a folder (each account is a database file in it), and this is a file: "
            "start with a new folder"
        )
    if not path.exists():
        if not path.parent.is_dir():
            raise StartupError(f"{path}: cannot create the state folder: no folder {path.parent}")
        path.mkdir()
        return
    if not (path / _STATE).exists() and any(path.iterdir()):
        raise StartupError(f"{path}: holds files but no {_STATE}, so it is not a fake-smartengage state folder")
