# syntax=docker/dockerfile:1
# Chatkeep's HTTP server. Build and run (SQLite on the /data volume):
#   docker build -t chatkeep .
#   docker run -d -p 8080:8080 -v chatkeep-data:/data --stop-timeout 30 chatkeep
# With PostgreSQL and Redis: deploy/compose.yaml. The production checklist: docs/deploy.md.

ARG NODE_VERSION=24

# Build: every dependency (TypeScript; better-sqlite3's native module, downloaded prebuilt or
# compiled with the toolchain below), then deploy/assemble.sh puts the npm package and its
# production dependencies alone into /app.
FROM node:${NODE_VERSION}-bookworm-slim AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json README.md ./
COPY bin ./bin
COPY console ./console
COPY src ./src
COPY deploy/assemble.sh ./deploy/
RUN deploy/assemble.sh /app

# Runtime: Node and /app, read-only to the unprivileged user the server runs as; everything
# it writes (the SQLite file, transcripts, backups) goes to the /data volume.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
RUN groupadd --system --gid 10001 chatkeep \
  && useradd --system --uid 10001 --gid chatkeep --home-dir /data --no-create-home \
    --shell /usr/sbin/nologin chatkeep \
  && mkdir /data \
  && chown chatkeep:chatkeep /data
COPY --from=build /app /app
WORKDIR /app
ENV HOST=0.0.0.0 \
  PORT=8080 \
  DATABASE_URL=/data/chatkeep.db \
  TRANSCRIPT_DIR=/data/transcripts \
  BACKUP_DIR=/data/backups
USER chatkeep
VOLUME ["/data"]
EXPOSE 8080
# Ready means the database answers and its schema is current. The image has no curl: Node's
# fetch asks, on the port the server was given through PORT.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and gets SIGTERM itself, so `docker stop` drains requests in flight
# (up to 25 s; hence --stop-timeout 30). `docker run … chatkeep migrate up` runs another command.
ENTRYPOINT ["node", "bin/chatkeep.js"]
CMD ["serve"]
