"""`fake-smartengage snapshot` run as a process: a fake's account, served back, answers alike."""

import json
import subprocess
from pathlib import Path

import httpx

from conftest import DEFAULT_KEY
from fake_smartengage.testing import ServerThread
from planted import Planted, each_item, numeric_id
from processes import SCRIPT, free_port, running_server, server_env

SOURCE_KEY = "test_key_snapshot_source"
SOURCE = {
    "accounts": [
        {
            "api_key": SOURCE_KEY,
            "avatars": [
                {
                    "avatar_id": 40,
                    "brand_name": "Newest Brand",
                    "brand_image": "https://example.com/new.png",
                    "user_role": "1",
                    "facebook_page_id": "555",
                    "tags": [{"tag_id": 9, "tag_name": "newest"}, {"tag_id": 3, "tag_name": "older"}],
                    "custom_fields": [{"custom_field_id": 5, "custom_field_name": "plan"}],
                    "sequences": [
                        {"sequence_id": 8, "sequence_name": "Welcome"},
                        {"sequence_id": 2, "sequence_name": "Welcome"},
                    ],
                    "subscribers": [{"id": 1, "email": "someone@example.com"}],
                },
                {"avatar_id": 7, "brand_name": "Empty Brand"},
                {
                    "avatar_id": 12,
                    "tags": [{"tag_id": 1, "tag_name": "só ünïcode"}],
                },
            ],
        }
    ]
}


def snapshot(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPT), "snapshot", *args], capture_output=True, text=True, env=server_env(), timeout=60
    )


def list_answers(url: str, key: str) -> dict[str, bytes]:
    """The raw body of every list route, in both spellings, for every avatar listed."""
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, trust_env=False) as http:
        answers = {path: http.get(path).content for path in ("/avatars/list", "/avatars/list/")}
        for avatar in json.loads(answers["/avatars/list"]):
            for route in ("tags", "customfields", "sequences"):
                for path in (f"/{route}/list/", f"/{route}/list"):
                    shown = f"{path}?avatar_id={avatar['avatar_id']}"
                    answers[shown] = http.get(path, params={"avatar_id": avatar["avatar_id"]}).content
    return answers


def test_a_snapshot_served_back_answers_every_list_route_identically(tmp_path):
    source_file, snapshot_file = tmp_path / "source.json", tmp_path / "snapshot.json"
    source_file.write_text(json.dumps(SOURCE))
    (tmp_path / "source").mkdir()
    (tmp_path / "copy").mkdir()
    with running_server(tmp_path / "source", "--fixtures", str(source_file)) as source:
        done = snapshot("--base-url", source.url, "--api-key", SOURCE_KEY, "--output", str(snapshot_file))
        assert done.returncode == 0, done.stderr
        expected = list_answers(source.url, SOURCE_KEY)
    assert "avatar 40 (1 of 3)" in done.stderr and "avatar 12 (3 of 3)" in done.stderr
    assert SOURCE_KEY not in done.stdout + done.stderr
    document = json.loads(snapshot_file.read_text())
    assert "No subscribers" in document["description"]
    assert [account["api_key"] for account in document["accounts"]] == [DEFAULT_KEY]
    assert [avatar["subscribers"] for avatar in document["accounts"][0]["avatars"]] == [[], [], []]
    with running_server(tmp_path / "copy", "--fixtures", str(snapshot_file)) as copy:
        assert list_answers(copy.url, DEFAULT_KEY) == expected
    assert len(expected) == 2 + 3 * 6


def test_as_key_names_the_account_and_standard_output_is_the_default(tmp_path):
    with running_server(tmp_path) as source:
        done = snapshot("--base-url", source.url, "--api-key", DEFAULT_KEY, "--as-key", "test_key_copy")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["accounts"][0]["api_key"] == "test_key_copy"
    assert [avatar["avatar_id"] for avatar in document["accounts"][0]["avatars"]] == [3, 2, 1, 123]


def test_an_answer_of_another_shape_exits_2_naming_the_route(tmp_path):
    with ServerThread(Planted("tags/list", each_item(numeric_id("tag_id")))) as server:
        done = snapshot("--base-url", server.base_url, "--api-key", DEFAULT_KEY)
    assert done.returncode == 2 and done.stdout == ""
    assert f"{server.base_url}/tags/list/?avatar_id=1 answered another shape than the fake serves" in done.stderr
    assert "tag_id is a number (1)" in done.stderr and "Traceback" not in done.stderr


def test_an_unreachable_url_exits_2(tmp_path: Path):
    url = f"http://127.0.0.1:{free_port()}"
    done = snapshot("--base-url", url, "--api-key", DEFAULT_KEY)
    assert done.returncode == 2
    assert done.stderr.startswith(f"fake-smartengage: cannot reach {url}/avatars/list")
