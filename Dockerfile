# syntax=docker/dockerfile:1
# One image for both process groups (fly.toml: web and worker). Node 22 LTS.

# --- build: install with dev dependencies (patch-package applies patches/ at postinstall,
# docs/deploy.md), then drop them. Native modules build here, never at run time.
FROM node:22-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund \
  && npm prune --omit=dev --no-audit --no-fund \
  && npm cache clean --force

# --- run: production dependencies and the sources (tsx runs them: no build step).
FROM node:22-bookworm-slim AS run
ENV NODE_ENV=production \
    PORT=3000 \
    PRODE_WORKER_PORT=9091
# Delivery builds each run's worktree with git (src/delivery/worktree.ts); it never pushes
# with it (the GitHub API does), so no credential helper or ssh is installed. bubblewrap is
# the sandbox the coding agent and the checks run in (src/delivery/sandbox.ts); as the
# `node` user it needs unprivileged user namespaces from the runtime (docs/deploy.md).
RUN apt-get update \
  && apt-get install -y --no-install-recommends git bubblewrap \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json package-lock.json tsconfig.json ./
COPY --chown=node:node bin ./bin
COPY --chown=node:node src ./src
COPY --chown=node:node blocks ./blocks
COPY --chown=node:node specialists ./specialists
COPY --chown=node:node sim ./sim
COPY --chown=node:node migrations ./migrations
COPY --chown=node:node policy ./policy
COPY --chown=node:node wiki ./wiki
COPY --chown=node:node .agents ./.agents
# The embedded defaults write under .prode/ (PGlite, a private Redis): only --embedded uses them.
RUN mkdir -p /app/.prode && chown node:node /app/.prode
USER node
EXPOSE 3000 9091
# Exec form: SIGTERM reaches node itself, which stops within PRODE_SHUTDOWN_GRACE_MS.
# fly.toml's process groups and release_command replace this command.
CMD ["node", "bin/prode.mjs", "web"]
