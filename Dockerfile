# motcua service image: `docker build -t motcua . && docker run -p 8080:8080 -v motcua-data:/data motcua`
# Configuration by MOTCUA_* environment variables (see README and bot/config.py); secrets are
# passed at run time, never baked into the image.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY knowledge ./knowledge
COPY db ./db
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    MOTCUA_DATA_DIR=/data \
    MOTCUA_HTTP_HOST=0.0.0.0 \
    MOTCUA_HTTP_PORT=8080
COPY --from=build /install /usr/local
RUN useradd --system --uid 10001 --home /data motcua && mkdir -p /data && chown motcua /data
USER motcua
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status != 200)"
CMD ["motcua", "run"]
