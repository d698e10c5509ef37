"""The image as users run it: its size, and the time from `docker run` to Docker's HEALTHCHECK
reporting healthy. Built and run by the engine `make test` uses (tests/engine.py)."""

import statistics
import sys
import time

from servers import ROOT

sys.path.insert(0, str(ROOT / "tests"))
import engine  # the tests' engine helper, found through the path above

MB = 1000 * 1000


def container_rows(runs: int) -> list[tuple[str, str, str, str]]:
    """The rows of the table, or one row saying why there are none."""
    try:
        image = engine.build_image()
    except engine.NoEngine as error:
        return [("container image", f"not measured: {error}", "", "")]
    size = int(engine.docker_output("image", "inspect", "--format", "{{.Size}}", image))
    base = int(engine.docker_output("image", "inspect", "--format", "{{.Size}}", engine.BASE_IMAGE))
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        container = engine.Container(image)
        try:
            container.wait_until_healthy()
            samples.append(time.perf_counter() - started)
        finally:
            container.remove()
    return [
        ("container image size", f"{size / MB:.0f} MB", f"+{(size - base) / MB:.0f} MB on its base", "< +150 MB"),
        (f"`docker run` to healthy (median of {runs})", f"{statistics.median(samples):.1f} s", "", ""),
    ]
