# syntax=docker/dockerfile:1
# Catena in one image: the React GUI is built first, embedded into the Go
# binary, and the binary runs as a non-root user on a slim Debian base (curl is
# kept for the container health check). The default command is `catena serve`;
# pass `runner --location X`, `gateway` or `scheduler` to run one part.

ARG GO_VERSION=1.26
ARG NODE_VERSION=22

# 1. The GUI (frontend/ is a Vite app; its build lands in frontend/dist).
FROM node:${NODE_VERSION}-bookworm-slim AS web
WORKDIR /src/frontend
COPY frontend/package*.json ./
RUN if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
COPY frontend/ ./
RUN npm run build

# 2. The Go binary, with the GUI embedded (frontend/embed.go embeds dist/).
FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=web /src/frontend/dist ./frontend/dist
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/catena-monitor/catena/internal/cli.Version=${VERSION}" \
      -o /out/catena ./cmd/catena

# 3. The runtime.
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 catena \
 && useradd --system --uid 10001 --gid catena --home-dir /nonexistent --shell /usr/sbin/nologin catena
COPY --from=build /out/catena /usr/local/bin/catena
ENV CATENA_ADDR=:8080 \
    CATENA_LOG_FORMAT=json
EXPOSE 8080
USER 10001:10001
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=5 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/usr/local/bin/catena"]
CMD ["serve"]
