# syntax=docker/dockerfile:1
#
# Triage Warden: one image for every role. The role is the command:
#   docker run triage-warden start          (all roles in one process; the default)
#   docker run triage-warden api | orchestrator | migrate
#
# The image runs the compiled build (dist/, `npm run build`) with production dependencies only:
# no TypeScript, no tsx, no sources. Runs as uid 1000 with a read-only root filesystem: the only
# writable paths are /tmp (temp files) and /var/lib/triage-warden (embedded-mode data), both
# volumes. tini is PID 1 so SIGTERM reaches node and the app's drain (server.shutdown_grace, 20 s) runs.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- deps: production dependencies only, from the lockfile ----------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund

# ---- build: all dependencies (TypeScript), src/ compiled to dist/ ------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The dashboard (web/, Vite) is built here too; the runtime stage gets only its static files.
COPY web ./web
RUN npm run build
RUN npm run build:web
# A migrated embedded database: a new data folder starts from a copy of it instead of running
# initdb and every migration in the server process (first start and peak memory, BENCHMARKS.md).
# Readable by the app user (the folder is owner-only, and root owns it); a copy is tightened again.
RUN TW_DATA_DIR=/app/pglite-template TW_LOG_LEVEL=warn node dist/cli/main.js migrate \
 && chmod -R a+rX /app/pglite-template

# ---- runtime -----------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    TW_PORT=8080 \
    TW_HOST=0.0.0.0 \
    TW_DATA_DIR=/var/lib/triage-warden \
    TW_DATABASE__PGLITE_TEMPLATE=/app/pglite-template \
    TMPDIR=/tmp \
    HOME=/tmp

WORKDIR /app
# Code and dependencies belong to root and are read-only for the app user. package.json makes
# dist/*.js ES modules ("type": "module"); src/ stays out, so the build cannot be judged stale.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
# The analyst dashboard's static files, served at / (found relative to dist/, docs/DASHBOARD.md).
COPY --from=build /app/web/dist ./web/dist
COPY --from=build /app/pglite-template ./pglite-template
# The built-in playbooks (YAML), found relative to dist/ (src/runtime/playbooks.wiring.ts).
COPY playbooks ./playbooks
# The built-in guardrails policy (src/runtime/policy.wiring.ts).
COPY policies ./policies
RUN mkdir -p /var/lib/triage-warden \
 && chown 1000:1000 /var/lib/triage-warden \
 && chmod 1777 /tmp

USER 1000:1000
VOLUME ["/var/lib/triage-warden", "/tmp"]
EXPOSE 8080

# /live answers while the process is up; readiness (/ready) is for load balancers and Kubernetes.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.TW_PORT||8080)+'/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/cli/main.js"]
CMD ["start"]
