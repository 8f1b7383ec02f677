FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SHOP_ENV=production
WORKDIR /app
COPY pyproject.toml ./
COPY shop ./shop
COPY blog ./blog
RUN pip install --no-cache-dir -e .
COPY templates ./templates
COPY static ./static
COPY scripts/serve.sh scripts/serve-streams.sh scripts/gunicorn.conf.py ./scripts/
RUN useradd --create-home shop && mkdir -p instance && chown shop instance
USER shop
EXPOSE 8000
# scripts/serve.sh: the same gunicorn settings as `make run` (workers from WEB_CONCURRENCY).
CMD ["sh", "-c", "flask --app shop db upgrade && flask --app shop seed-demo && exec env BIND=0.0.0.0:8000 scripts/serve.sh"]
