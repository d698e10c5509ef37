"""The wheel carries what an installed copy needs: the package, its DDL, the default fixtures, the dashboard,
and the API documentation pages' Swagger UI and ReDoc with their licences."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_wheel_contains_the_default_fixtures_schema_and_dashboard(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("fake_smartengage-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "fake_smartengage/fixtures/default.json" in names
    assert "fake_smartengage/api/subscribers.py" in names
    assert "fake_smartengage/store/schema.sql" in names
    for name in ("ui/templates/dashboard.html", "ui/static/dashboard.js", "ui/static/dashboard.css", "routes/ui.py"):
        name = f"harness/{name}"
        assert f"fake_smartengage/{name}" in names
    for name in (
        "swagger-ui/swagger-ui-bundle.js",
        "swagger-ui/swagger-ui.css",
        "swagger-ui/favicon-32x32.png",
        "swagger-ui/LICENSE",
        "swagger-ui/NOTICE",
        "swagger-ui/swagger-ui-bundle.js.LICENSE.txt",
        "redoc/redoc.standalone.js",
        "redoc/LICENSE",
        "redoc/redoc.standalone.js.LICENSE.txt",
    ):
        assert f"fake_smartengage/apidocs/assets/{name}" in names
    assert (
        zipfile.ZipFile(wheel).read("fake_smartengage/fixtures/default.json")
        == (ROOT / "fixtures" / "default.json").read_bytes()
    )
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    assert "fake-smartengage = fake_smartengage.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
