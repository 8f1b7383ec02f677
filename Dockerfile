# The shop's image: web, worker, chat and migrate all run it (docker-compose.yml).
FROM python:3.11-slim
# The shop is imported from /app (PYTHONPATH), not installed: nothing is built in the image.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SHOP_ENV=production PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# Every dependency comes from the hashed lock: a changed or substituted file fails the build.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock
COPY shop ./shop
COPY blog ./blog
COPY templates ./templates
COPY static ./static
COPY scripts/serve.sh scripts/serve-streams.sh scripts/migrate.sh scripts/gunicorn.conf.py ./scripts/
# A user without a login shell owns only what it must write: instance/ and the uploads
# volume's mount point (a fresh named volume takes this ownership from the image).
RUN useradd --system --uid 10001 --create-home --shell /usr/sbin/nologin shop \
    && mkdir -p instance /data/uploads /data/originals \
    && chown -R shop:shop instance /data
USER shop
EXPOSE 8000 8001
# Production's web command; compose runs `migrate` (scripts/migrate.sh) before it, and demo
# data only with SEED_DEMO=1.
CMD ["sh", "-c", "exec env BIND=0.0.0.0:8000 scripts/serve.sh"]
