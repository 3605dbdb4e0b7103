# autoheal-webhook in a container, from the Debian package:
#   bash scripts/package.sh && docker build -t autoheal .
#   docker run -p 127.0.0.1:9009:9009 -v autoheal-state:/var/lib/autoheal autoheal
# Listens on 0.0.0.0:9009 inside the container, dry-run unless
# AUTOHEAL_ENABLED=true; state in /var/lib/autoheal/state.db; audit log on
# stdout. A bearer token: mount it as a secret and pass
# --bearer-token-file /run/secrets/autoheal-token (see README.md).
FROM debian:12-slim
COPY dist/autoheal_*.deb /tmp/
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/autoheal_*.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/autoheal_*.deb
USER autoheal
WORKDIR /var/lib/autoheal
EXPOSE 9009
VOLUME /var/lib/autoheal
ENTRYPOINT ["/usr/bin/autoheal-webhook", "--listen", "0.0.0.0:9009", "--state-path", "/var/lib/autoheal/state.db"]
CMD ["--policy", "/etc/autoheal/policy.yml"]
