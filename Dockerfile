# Concord: one static-ish binary on Debian slim.
#
#   docker build -t concord .
#   docker run -p 8080:8080 -v concord-data:/var/lib/concord concord
#
# SQLite (in /var/lib/concord) unless CONCORD_DATABASE_URL names a PostgreSQL database; see
# docker-compose.yml for Concord + PostgreSQL + Redis.

FROM rust:1-bookworm AS builder
# libsqlite3-sys and pq-sys build their C libraries from source ("bundled"), but libpq still
# links the system OpenSSL. (The rust image already has both; listing them keeps that explicit.)
RUN apt-get update \
    && apt-get install -y --no-install-recommends libssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin concord \
    && install -m 0755 target/release/concord /usr/local/bin/concord

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libssl3 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 concord \
    && useradd --system --uid 10001 --gid concord --home-dir /var/lib/concord --shell /usr/sbin/nologin concord \
    && install -d -o concord -g concord -m 0750 /var/lib/concord
COPY --from=builder /usr/local/bin/concord /usr/local/bin/concord
# A named volume mounted here starts with this directory's owner, so the non-root user can
# write the SQLite file and the generated signing key.
VOLUME ["/var/lib/concord"]
USER concord:concord
WORKDIR /var/lib/concord
ENV CONCORD_BIND=0.0.0.0:8080 \
    CONCORD_DATA_DIR=/var/lib/concord
EXPOSE 8080
# No curl in the slim image: bash's /dev/tcp asks /healthz for its status line.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${CONCORD_BIND##*:} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["concord"]
