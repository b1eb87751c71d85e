# doppel container: a static-ish release binary beside a current pg_dump.
#
#   docker build -t doppel .
#   docker run --rm -e DOPPEL_KEY -v "$PWD/masking-rules:/rules:ro" doppel \
#     run --source "$SOURCE_URL" --target "$TARGET_URL" --rules /rules/prod.yaml
#
# pg_dump must be at least as new as the source server; PG_MAJOR picks the
# client from the PostgreSQL project's Debian repository (newer clients dump
# older servers).

FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY demo ./demo
COPY masking-rules ./masking-rules
COPY benches ./benches
COPY tests ./tests
RUN cargo build --release --locked --bin doppel && strip target/release/doppel

FROM debian:bookworm-slim
ARG PG_MAJOR=17
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates curl gnupg; \
    install -d /usr/share/postgresql-common/pgdg; \
    curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc; \
    echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" > /etc/apt/sources.list.d/pgdg.list; \
    apt-get update; \
    apt-get install -y --no-install-recommends "postgresql-client-${PG_MAJOR}"; \
    apt-get purge -y curl gnupg; apt-get autoremove -y; \
    rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/doppel /usr/local/bin/doppel
RUN useradd --system --uid 10001 doppel
USER doppel
ENTRYPOINT ["doppel"]
CMD ["--help"]
