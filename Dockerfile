# syntax=docker/dockerfile:1
# The fake SmartEngage API as a container, e.g. a CI sidecar:
#   docker build -t fake-smartengage .
#   docker run --rm -p 8000:8000 fake-smartengage
# Every option is a FAKE_SMARTENGAGE_* environment variable (docs/reference/cli.md, docs/guides/ci-sidecar.md).
# tests/test_docker_recipe.py performs these steps without a Docker engine and lints this file.

# Build stage: the project's wheel, and the wheels of everything it depends on at the versions of
# the serving lock (requirements/serve.txt, which `make run` installs too). The project is built
# without its dependencies, so one missing from the lock fails the final stage's --no-index install.
FROM python:3.12-slim-bookworm AS build
WORKDIR /src
COPY requirements/serve.txt requirements/
COPY pyproject.toml README.md ./
COPY fake_smartengage/ fake_smartengage/
COPY fixtures/ fixtures/
RUN pip wheel --no-cache-dir --wheel-dir /wheels --requirement requirements/serve.txt \
    && pip wheel --no-cache-dir --wheel-dir /wheels --no-deps .

# Final stage: the installed wheels and nothing else (no compiler, no source tree, no wheel files).
FROM python:3.12-slim-bookworm

# Installed from the build stage's wheels alone (--no-index). pip compiles every module to
# bytecode as it installs, so a start compiles nothing.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels --root-user-action=ignore /wheels/fake_smartengage-*.whl

# A non-root user with a fixed numeric id (so platforms that enforce non-root can check it), and
# /data, the one folder it can write: the working directory, and the place for FAKE_SMARTENGAGE_DB.
RUN groupadd --system --gid 10001 smartengage \
    && useradd --system --uid 10001 --gid smartengage --home-dir /data --no-create-home --shell /usr/sbin/nologin smartengage \
    && mkdir /data \
    && chown smartengage:smartengage /data

# The default fixture (the reference's example data and key). A folder mounted on /fixtures
# replaces it: the server then loads the *.json files of that folder, in name order.
COPY fixtures/ /fixtures/

ENV FAKE_SMARTENGAGE_HOST=0.0.0.0 \
    FAKE_SMARTENGAGE_PORT=8000 \
    FAKE_SMARTENGAGE_FIXTURES=/fixtures \
    PYTHONUNBUFFERED=1

WORKDIR /data
USER 10001:10001
EXPOSE 8000

# Polls /_fake/health with the standard library (slim images have no curl), at the host and port
# of the variables above. --start-interval: quick checks while starting, so dependants start soon.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --start-interval=1s --retries=3 \
    CMD ["fake-smartengage", "healthcheck"]

# Exec form: the server is PID 1 and gets SIGTERM itself; it stops gracefully and exits 0.
# Arguments after the image name replace "serve": docker run fake-smartengage serve --duplicates conflict
ENTRYPOINT ["fake-smartengage"]
CMD ["serve"]
