# The registry of docker/compose.cluster.yaml: Debian 12's PostgreSQL 15 (no
# image but Debian's). docker/postgres-entrypoint.sh creates the cluster on
# first start, with the password from POSTGRES_PASSWORD.
#   docker build -f docker/postgres.Dockerfile -t s2lite-postgres docker
FROM debian:12-slim
# The package's own cluster (/var/lib/postgresql/15/main) is not used: the
# entrypoint makes one in the volume.
RUN mkdir -p /etc/postgresql-common/createcluster.d \
    && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/no-main.conf \
    && apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql-15 \
    && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt/* \
    && mkdir -p /var/lib/postgresql/data /run/postgresql \
    && chown -R postgres:postgres /var/lib/postgresql /run/postgresql
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
USER postgres
ENV PGDATA=/var/lib/postgresql/data PATH=/usr/lib/postgresql/15/bin:$PATH
VOLUME /var/lib/postgresql/data
EXPOSE 5432
HEALTHCHECK --interval=5s --timeout=3s --retries=5 CMD ["pg_isready", "-h", "127.0.0.1", "-U", "postgres"]
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
