# pgshift: applies plain-SQL PostgreSQL migrations at deploy time.
#
#   docker build -t pgshift .
#   docker run --rm --read-only -e DATABASE_URL pgshift          # apply pending migrations
#   docker run --rm --read-only -e DATABASE_URL pgshift --list   # what is applied and pending
#
# The migrations live at /migrations (ENV MIGRATIONS_DIR); this repository's migrations/ are baked in
# there. An application image ships its own on top of this one:
#
#   FROM pgshift
#   COPY migrations /migrations
#
# (COPY adds to the folder: files already in the image stay and are applied too), or a ConfigMap or
# volume is mounted at /migrations, which replaces the folder's contents.
#
# No "# syntax=" line on purpose: the file builds with the classic builder (DOCKER_BUILDKIT=0) as well
# as with BuildKit, and BuildKit would otherwise try to pull a frontend image. For the same reason it
# uses no BuildKit-only flags (COPY --chmod, RUN --mount).

# ---------------------------------------------------------------------------------------------------
# Build stage: the full dev dependency tree, used only to bundle src/ into one file.
FROM node:24-bookworm-slim AS build
WORKDIR /src
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
# Dependencies first, so editing src/ does not re-run npm ci. --ignore-scripts: the bundle needs no
# install script (esbuild finds its platform binary without its postinstall), and no dependency's
# script runs during the build.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY scripts/ ./scripts/
COPY src/ ./src/
RUN npm run build
# Lay out exactly what the runtime image holds, owned by root and readable by everyone (group 0
# included, for OpenShift's arbitrary UIDs), writable by nobody but root.
COPY migrations/ /out/migrations/
RUN mkdir -p /out/app \
 && cp dist/pgshift.mjs /out/app/pgshift.mjs \
 && cp dist/pgshift-parser.mjs dist/libpg-query.wasm /out/app/ \
 && chown -R 0:0 /out \
 && chmod -R u=rwX,go=rX /out \
 && chmod 0755 /out/app/pgshift.mjs

# ---------------------------------------------------------------------------------------------------
# Runtime stage: Node 24 and one bundled file. No node_modules, no build tooling is used at run time.
FROM node:24-bookworm-slim AS runtime

ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="pgshift" \
      org.opencontainers.image.description="Applies plain-SQL PostgreSQL migrations at deploy time: tracked, locked, exit-coded." \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"

ENV NODE_ENV=production \
    MIGRATIONS_DIR=/migrations \
    NODE_COMPILE_CACHE=/app/compile-cache

COPY --from=build /out/app/ /app/
COPY --from=build /out/migrations/ /migrations/

# Node's compile cache of the bundle, made here by the user the image runs as: every pod start then
# skips compiling the 350 KB bundle (~5 ms of a ~80 ms no-op run on Node 24, docs/PERFORMANCE.md).
# Node keeps one cache per UID (its folder name ends in the UID) and writes nothing back when the
# cache matches, so the container still runs with a read-only root filesystem; another UID (OpenShift)
# finds no cache of its own, cannot create one under the read-only /app, and runs as before.
RUN mkdir /app/compile-cache && chown 1000:0 /app/compile-cache
USER 1000:0
RUN node /app/pgshift.mjs --version > /dev/null
USER 0:0
RUN chown -R 0:0 /app/compile-cache && chmod -R u=rwX,go=rX /app/compile-cache

WORKDIR /app

# Numeric UID so Kubernetes' runAsNonRoot can verify it; group 0 so that an arbitrary UID (OpenShift
# runs with a random UID and GID 0) reads the same files. uid 1000 is the base image's "node" user.
USER 1000:0

# node runs as PID 1 without an init (no tini): pgshift installs its own SIGTERM/SIGINT handlers,
# cancels the running statement, rolls back, releases its lock and exits 143/130, and it starts no
# child processes that would need reaping. SIGTERM is what `docker stop` and Kubernetes send.
STOPSIGNAL SIGTERM

# A batch job, not a service: no HEALTHCHECK, no EXPOSE. Arguments go straight to pgshift
# (`docker run pgshift --list`); with none it applies pending migrations. Setting ENTRYPOINT drops the
# base image's CMD.
ENTRYPOINT ["node", "/app/pgshift.mjs"]
