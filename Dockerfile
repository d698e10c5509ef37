# The fake SmartEngage API as a container, e.g. a CI sidecar:
#   DOCKER_BUILDKIT=1 docker build -t fake-smartengage .      (or: podman build --format docker -t fake-smartengage .)
#   docker run --rm -p 8000:8000 fake-smartengage
# Every option is a FAKE_SMARTENGAGE_* environment variable (docs/reference/cli.md, docs/guides/ci-sidecar.md).
# Behind a TLS-intercepting proxy, give pip the proxy's CA bundle: --secret id=pip_ca,src=/etc/ssl/certs/ca-certificates.crt
# tests/test_container*.py build this file with a real engine and run the image.
#
# No `# syntax=` line: it makes the build fetch a frontend image from a registry, and the frontend built
# into Docker 20.10 (Debian 12's docker.io) and podman reads everything below.
#
# Debian's own Python on Debian's slim image: where no registry can be reached, the same base is made from
# Debian's packages (debootstrap and `docker import`, as `make base-image` does), which no python:* image can be.

# Build stage: a virtualenv holding the project and every dependency at the versions of the serving lock
# (requirements/serve.txt, which `make run` installs too). The project goes in without its dependencies,
# so one missing from the lock fails the build instead of arriving unpinned.
FROM debian:bookworm-slim AS build
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/fake-smartengage
WORKDIR /src
COPY requirements/serve.txt requirements/
COPY pyproject.toml README.md ./
COPY fake_smartengage/ fake_smartengage/
COPY fixtures/ fixtures/
# A mirror instead of PyPI: --build-arg PIP_INDEX_URL=...
ARG PIP_INDEX_URL=https://pypi.org/simple
# The pip_ca secret, when given, is the CA bundle pip trusts; without it pip uses its own (certifi's).
# pip compiles every module to bytecode as it installs, so a start compiles nothing.
RUN --mount=type=secret,id=pip_ca,required=false \
    if [ -s /run/secrets/pip_ca ]; then export PIP_CERT=/run/secrets/pip_ca; fi \
    && /opt/fake-smartengage/bin/pip install --no-cache-dir --disable-pip-version-check \
        --requirement requirements/serve.txt \
    && /opt/fake-smartengage/bin/pip install --no-cache-dir --disable-pip-version-check --no-deps . \
    && /opt/fake-smartengage/bin/pip uninstall --yes --quiet pip setuptools

# Final stage: Debian's Python and the build stage's virtualenv; no pip, no compiler, no source tree.
FROM debian:bookworm-slim
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/fake-smartengage /opt/fake-smartengage

# A non-root user with a fixed numeric id (so platforms that enforce non-root can check it), and
# /data, the one folder it can write: the working directory, and the place for FAKE_SMARTENGAGE_DB.
RUN groupadd --system --gid 10001 smartengage \
    && useradd --system --uid 10001 --gid smartengage --home-dir /data --no-create-home --shell /usr/sbin/nologin smartengage \
    && mkdir /data \
    && chown smartengage:smartengage /data

# The default fixture (the reference's example data and key). A folder mounted on /fixtures
# replaces it: the server then loads the *.json files of that folder, in name order.
COPY fixtures/ /fixtures/

ENV PATH=/opt/fake-smartengage/bin:$PATH \
    FAKE_SMARTENGAGE_HOST=0.0.0.0 \
    FAKE_SMARTENGAGE_PORT=8000 \
    FAKE_SMARTENGAGE_FIXTURES=/fixtures \
    PYTHONUNBUFFERED=1

WORKDIR /data
USER 10001:10001
EXPOSE 8000

# Polls /_fake/health with the standard library (the image has no curl), at the host and port of the
# variables above. No start interval: Docker before 25 rejects that flag. A check every 2 s, so that
# dependants start soon after the server does; each is one short Python process.
HEALTHCHECK --interval=2s --timeout=5s --start-period=30s --retries=3 \
    CMD ["fake-smartengage", "healthcheck"]

# Exec form: the server is PID 1 and gets SIGTERM itself; it stops gracefully and exits 0.
# Arguments after the image name replace "serve": docker run fake-smartengage serve --duplicates conflict
ENTRYPOINT ["fake-smartengage"]
CMD ["serve"]
