# syntax=docker/dockerfile:1
# The Nudge image. The same image runs the API, the Temporal worker and the migration job;
# docker-compose.yml picks the process with `command`.
# Debian slim, not Alpine: Temporal's native core bridge and @swc/core (used by the worker's
# workflow bundler) ship glibc binaries only.
# No HEALTHCHECK here: only the API serves HTTP, so compose declares the check on the api service.
# Node 24, the current LTS (Node 20 reached its end of life on 2026-04-30); CI runs the tests on Node 24 too
# (.ci/run). Override with --build-arg NODE_IMAGE=… to try another.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: full dependencies, Prisma client, TypeScript -> dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# Manifests first, so the dependency layer is reused until they change.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund

COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY prisma ./prisma
COPY shared ./shared
COPY config ./config
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY api ./api
COPY worker ./worker
COPY observability ./observability
COPY scripts ./scripts

# The schema writes the client to generated/prisma (query compiler, no native engine needed).
RUN npx prisma generate
# rootDir is the repo root, so files land at dist/api/main.js, dist/worker/main.js, dist/prisma/migrate.js;
# then the workflow code is bundled once (dist/workflow-bundle.js, and .traced.js with the tracing interceptors).
RUN npm run build
RUN npm prune --omit=dev --no-audit --no-fund

# ---- runtime: production dependencies and compiled code only ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# The young generation Node 20 used (16 MiB semi-spaces; Node 24's V8 grows them to 32): with 3,000 reminders
# due at once the worker peaked at 647-675 MiB instead of 812-895, at the same rate (bench/README.md, 2026-12-05).
# Run the worker as `node --heap-growing-percent=50 dist/worker/main.js` (docker-compose.yml): Node refuses that
# flag here, and it took the peak to 457 MiB.
ENV NODE_OPTIONS=--max-semi-space-size=16
WORKDIR /app

# Files stay owned by root: the processes (user node) only need to read them.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# dist/prisma/client.js requires '../generated/prisma', which resolves to dist/generated/prisma.
COPY --from=build /app/generated/prisma ./dist/generated/prisma
# dist/prisma/migrate.js reads path.join(__dirname, 'migrations').
COPY --from=build /app/prisma/migrations ./dist/prisma/migrations
# The worker loads dist/workflow-bundle*.js (their source maps inside). The compiled files' source maps point
# back to ../../workflows/*.ts and ../../shared/*.ts, for a worker that bundles dist/workflows itself.
COPY --from=build /app/workflows ./workflows
COPY --from=build /app/shared ./shared

USER node
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
