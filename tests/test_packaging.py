"""The wheel carries what an installed copy needs: the package, its DDL, the default fixtures, the dashboard,
and the API documentation pages' Swagger UI and ReDoc with their licences. The dependencies: the locks
agree with pyproject.toml, which declares everything the package imports."""

import ast
import importlib.metadata
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


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


def _pins(lock: str) -> dict[str, set[tuple[str, str]]]:
    """A lock file's pins: each name's (version, environment marker) pairs."""
    pins: dict[str, set[tuple[str, str]]] = {}
    for line in (ROOT / "requirements" / lock).read_text().splitlines():
        if line and not line.startswith((" ", "#")):
            requirement = Requirement(line)
            (version,) = [spec.version for spec in requirement.specifier if spec.operator == "=="]
            pins.setdefault(canonicalize_name(requirement.name), set()).add((version, str(requirement.marker or "")))
    return pins


def _declared(requirements: list[str]) -> list[Requirement]:
    return [Requirement(text) for text in requirements]


def test_the_locks_pin_what_pyproject_declares_at_versions_it_allows():
    # A dependency added or raised without `make lock` fails here, rather than going uninstalled.
    serve, test = _pins("serve.txt"), _pins("test.txt")
    for lock, requirements in (
        (serve, _declared(PROJECT["dependencies"])),
        (test, _declared(PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"])),
    ):
        for requirement in requirements:
            versions = {version for version, _ in lock.get(canonicalize_name(requirement.name), set())}
            assert versions, f"{requirement}: not in the lock; run make lock"
            assert all(requirement.specifier.contains(version, prereleases=True) for version in versions), (
                f"{requirement}: locked at {versions}; run make lock"
            )
    # The platform markers survive locking: the fast server stack where it has wheels, and only there.
    for name in ("uvloop", "httptools"):
        declared = Requirement(_named(name)).marker
        ((_, locked),) = serve[name]
        assert declared and locked
        for environment in ENVIRONMENTS:
            assert Marker(locked).evaluate(environment) == declared.evaluate(environment), (name, environment)
    # make run after make test installs nothing: the serving lock is the test lock's versions.
    assert {name: test[name] for name in serve} == serve
    for lock in ("serve.txt", "test.txt"):
        assert "#    make lock\n" in (ROOT / "requirements" / lock).read_text()


ENVIRONMENTS = [
    {"sys_platform": platform, "platform_system": system, "platform_python_implementation": implementation}
    for platform, system in (("linux", "Linux"), ("darwin", "Darwin"), ("win32", "Windows"), ("cygwin", "CYGWIN_NT"))
    for implementation in ("CPython", "PyPy")
]


def _named(name: str) -> str:
    (text,) = [text for text in PROJECT["dependencies"] if canonicalize_name(Requirement(text).name) == name]
    return text


# The pytest plugin runs inside pytest, which brings pluggy: neither is the package's to declare.
PROVIDED = {"pytest", "pluggy"}
# The tables' declaration, which `make schema` compiles to store/schema.sql: the server runs that
# DDL and never imports this module, so what it imports is the test extra's to declare.
SCHEMA_SOURCE = ROOT / "fake_smartengage" / "store" / "models.py"
# The Testcontainers module: what it imports beyond the package's own is the container extra's to declare.
CONTAINER_MODULE = ROOT / "fake_smartengage" / "testing" / "container.py"


def _imported_distributions(path: Path) -> set[str]:
    distributions = importlib.metadata.packages_distributions()
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        for module in modules:
            top = module.partition(".")[0]
            if top not in sys.stdlib_module_names and top != "fake_smartengage":
                found |= {canonicalize_name(distribution) for distribution in distributions[top]}
    return found


def test_every_distribution_the_package_imports_is_declared():
    runtime = {canonicalize_name(requirement.name) for requirement in _declared(PROJECT["dependencies"])}
    test = {canonicalize_name(requirement.name) for requirement in _declared(PROJECT["optional-dependencies"]["test"])}
    extras = PROJECT["optional-dependencies"]
    container = {canonicalize_name(requirement.name) for requirement in _declared(extras["container"])}
    undeclared = {}
    for path in (ROOT / "fake_smartengage").rglob("*.py"):
        declared = test if path == SCHEMA_SOURCE else runtime | PROVIDED
        if path == CONTAINER_MODULE:
            declared |= container
        missing = _imported_distributions(path) - declared
        if missing:
            undeclared[str(path.relative_to(ROOT))] = missing
    assert undeclared == {}
    assert {"sqlmodel", "sqlalchemy"} <= _imported_distributions(SCHEMA_SOURCE)


SERVER_MODULES = """
import importlib, pkgutil, sys
import fake_smartengage
from fake_smartengage.app import create_app
from fake_smartengage.settings import Settings

for module in pkgutil.walk_packages(fake_smartengage.__path__, "fake_smartengage."):
    if module.name not in ("fake_smartengage.store.models", "fake_smartengage.__main__"):
        importlib.import_module(module.name)
create_app(Settings())
print(" ".join(sorted({name.partition(".")[0] for name in sys.modules})))
"""


def test_the_server_never_imports_the_schema_source():
    # Which is why sqlmodel and SQLAlchemy are test tools, not dependencies.
    done = subprocess.run([sys.executable, "-c", SERVER_MODULES], capture_output=True, text=True, check=True)
    imported = set(done.stdout.split())
    assert "fastapi" in imported
    assert imported & {"sqlmodel", "sqlalchemy"} == set()
