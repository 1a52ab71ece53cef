FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DATA_DIR=/app/var
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Static files are collected at build time; the throwaway key exists only in this step.
RUN FOLLOWUP_ENV=production ALLOWED_HOSTS=build SECRET_KEY=build-only-key-not-used-at-runtime-0123456789abcdefghij \
    python manage.py collectstatic --noinput \
 && useradd --create-home crm && mkdir -p /app/var && chown -R crm /app/var
USER crm
EXPOSE 8000
