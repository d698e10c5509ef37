"""--db: a server killed with SIGKILL in the middle of writes keeps every write it acknowledged;
one stopped with SIGTERM leaves its databases closed."""

import signal
import sqlite3
import threading
from contextlib import closing

import httpx

from conftest import DEFAULT_KEY
from processes import running_server

WRITERS = 4
KILL_AFTER = 300  # acknowledged writes


def test_sigkill_mid_write_load_loses_no_acknowledged_write(tmp_path):
    db = tmp_path / "state"
    acknowledged: list[str] = []
    lock = threading.Lock()
    enough = threading.Event()

    with running_server(tmp_path, "--db", str(db)) as server:

        def write(writer: int) -> None:
            with httpx.Client(
                base_url=server.url, headers={"Authorization": f"Bearer {DEFAULT_KEY}"}, trust_env=False
            ) as http:
                for n in range(100_000):
                    email = f"w{writer}-{n}@example.com"
                    try:
                        response = http.post(
                            "/subscribers/add", data={"avatar_id": "123", "email": email, "tags[]": "124"}
                        )
                    except httpx.TransportError:
                        return  # the server is gone
                    assert response.status_code == 200, response.text
                    with lock:
                        acknowledged.append(email)
                        if len(acknowledged) >= KILL_AFTER:
                            enough.set()

        writers = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
        for thread in writers:
            thread.start()
        assert enough.wait(timeout=60), "the writers did not get far enough"
        server.process.send_signal(signal.SIGKILL)
        for thread in writers:
            thread.join(timeout=30)
        assert server.process.wait(timeout=10) == -signal.SIGKILL

    for path in db.glob("*.sqlite"):
        with closing(sqlite3.connect(path)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",), path

    with running_server(tmp_path, "--db", str(db)) as again:
        stored = httpx.get(
            f"{again.url}/_fake/subscribers", params={"api_key": DEFAULT_KEY, "avatar_id": 123}, trust_env=False
        )
    # Stopped gracefully, the server closed its databases: SQLite folded each WAL file back.
    assert not [*db.glob("*.sqlite-wal")]
    emails = {subscriber["email"] for subscriber in stored.json()}
    assert len(acknowledged) >= KILL_AFTER
    assert set(acknowledged) <= emails
    tagged = {s["email"] for s in stored.json() if s["tags"] == ["tags2"]}
    assert set(acknowledged) <= tagged
