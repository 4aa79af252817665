# The load balancer of docker/compose.cluster.yaml: Debian 12's haproxy with
# docker/haproxy.cfg (no image but Debian's).
#   docker build -f docker/haproxy.Dockerfile -t s2lite-haproxy docker
FROM debian:12-slim
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends haproxy curl \
    && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt/*
COPY haproxy.cfg /etc/haproxy/haproxy.cfg
RUN haproxy -c -f /etc/haproxy/haproxy.cfg
EXPOSE 9000 8404
USER haproxy
HEALTHCHECK --interval=5s --timeout=3s --retries=3 CMD ["curl", "-fsS", "http://127.0.0.1:8404/healthz"]
CMD ["haproxy", "-W", "-db", "-f", "/etc/haproxy/haproxy.cfg"]
