# One image for every component; the command picks the target (see docker-compose.yml and deploy/k8s).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY kit kit
COPY services services
COPY gateway gateway
COPY sendpb sendpb
RUN pip install . && useradd --system --uid 10001 sendpb
USER sendpb
EXPOSE 8000
ENTRYPOINT ["sendpb"]
CMD ["serve", "--target", "all", "--host", "0.0.0.0"]
