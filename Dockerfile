# Production image: gunicorn web, Celery worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# WeasyPrint's libraries (Pango, HarfBuzz), Chinese fonts for PDFs, and the Postgres client for pg_isready.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk postgresql-client espeak-ng \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
RUN pip install --no-cache-dir uv==0.13.8
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
RUN python scripts/compilemessages.py \
 && SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 --home /app servicecenter && mkdir -p /app/media /app/private && chown servicecenter /app/media /app/private
USER servicecenter
EXPOSE 8000
CMD ["gunicorn", "servicecenter.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
