# The production image: gunicorn by default; the worker and beat run the same image with another command
# (see docker-compose.yml). Build: docker build -t post-purchase .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=postpurchase.settings.production

WORKDIR /app

# The pinned lock of production dependencies only (requirements-dev.txt stays out of the image).
# Copied on its own first, so a code change does not reinstall the dependencies.
COPY requirements.txt .
RUN pip install -r requirements.txt

RUN groupadd --system app && useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app

COPY . .

# Static files are hashed and compressed once, at build time. The secret and host are dummies that exist
# only for this step: production settings refuse to load without them, and collectstatic uses neither.
# VAR_DIR (the beat schedule file) is the one place the app writes to, so only it belongs to the app user.
RUN SECRET_KEY=collectstatic-only-not-a-secret ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/var \
    && chown app:app /app/var

USER app

EXPOSE 8000

# Workers come from WEB_CONCURRENCY, which gunicorn reads itself.
CMD ["gunicorn", "postpurchase.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
