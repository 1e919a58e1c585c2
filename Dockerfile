# Ladder in a container: `ladder live` by default (docs/deployment.md, "Running it in a container").
# Not built in this repository's CI: no container tool exists there. Build and run:
#   docker build -t ladder .
#   docker run -d --name ladder --hostname ladder --restart unless-stopped --stop-timeout 30 --env-file .env \
#     -v ladder-store:/var/lib/ladder -v "$PWD/deploy:/etc/ladder:ro" -p 127.0.0.1:8080:8080 \
#     ladder live --confirm-live --config /etc/ladder/config.json --db /var/lib/ladder/ladder.db
# Keys come from the environment (--env-file), never from the image: .dockerignore keeps .env out.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 installs a prebuilt binary, or compiles itself with these when none fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
COPY data ./data
COPY examples ./examples
COPY config.json config.schema.json ./
# Installs the runtime dependencies (no test tools) and, through the prepare script, builds dist/.
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
# Built again in this stage so that dist/ladder.inputs.json holds these files' mtimes (bin/ladder.js
# runs the bundle only while they match; otherwise it would run the sources through tsx, slower).
RUN npm run build \
 && mkdir -p /var/lib/ladder /etc/ladder \
 && chown node:node /var/lib/ladder
# The code stays root-owned and read-only to the bot; it writes only its store on the volume.
USER node
VOLUME ["/var/lib/ladder"]
# The dashboard, if the config binds it to 0.0.0.0 (needs LADDER_DASHBOARD_TOKEN); publish it on the
# host's loopback only (-p 127.0.0.1:8080:8080) unless a TLS proxy with access control sits in front.
EXPOSE 8080
# Ctrl-C semantics, as under systemd: the loop stops cleanly; positions and their exchange stops stay.
STOPSIGNAL SIGINT
ENTRYPOINT ["node", "bin/ladder.js"]
# Without --confirm-live this refuses to trade and says so: the operator's run command (or compose
# file) gives the consent explicitly, e.g. `docker run … ladder live --confirm-live --config … --db …`.
CMD ["live", "--config", "/etc/ladder/config.json", "--db", "/var/lib/ladder/ladder.db"]
