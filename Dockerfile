# One image for every component; the command picks the target (see docker-compose.yml and deploy/k8s).
#
# The base is pinned by tag and by the digest of its multi-architecture index, so a rebuild gets the same bytes
# until someone moves the pin on purpose; both stages start from this one pin, so the virtual environment built in
# one runs on the same interpreter in the other. The digest was taken from published references, not from the
# registry (none was reachable where this was written): check it at each release with
#   docker buildx imagetools inspect python:3.11.14-slim-bookworm
# and move tag and digest together when Debian or Python ship security fixes.
FROM python:3.11.14-slim-bookworm@sha256:65a93d69fa75478d554f4ad27c85c1e69fa184956261b4301ebaf6dbb0a3543d AS base
# The family statement's PDF (issue 20) is drawn by WeasyPrint, which needs Pango and a font at run time.
RUN apt-get update \
 && apt-get install --yes --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

# Build: install the project and its dependencies into a virtual environment. Anything needed only to build
# (pip, setuptools, wheel, a compiler should a dependency ever need one) stays in this stage.
FROM base AS build
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY kit kit
COPY services services
COPY gateway gateway
COPY sendpb sendpb
RUN /opt/venv/bin/pip install . \
 && /opt/venv/bin/pip uninstall --yes pip setuptools

# Run: the interpreter, the virtual environment, an unprivileged user; no source tree, no pip.
FROM base AS run
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH
RUN python -m pip uninstall --yes pip setuptools wheel \
 && groupadd --system --gid 10001 sendpb \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin sendpb
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Numeric, so Kubernetes can verify runAsNonRoot without resolving a name.
USER 10001:10001
EXPOSE 8000
# No HEALTHCHECK: each target listens on its own port and has its own probes (docker-compose.yml healthchecks,
# Kubernetes startup/readiness/liveness probes), and Kubernetes ignores HEALTHCHECK.
ENTRYPOINT ["sendpb"]
CMD ["serve", "--target", "all", "--host", "0.0.0.0"]
