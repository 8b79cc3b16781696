FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY service service
COPY models models
COPY training training
RUN pip install --no-cache-dir .
ENV SARING_HOME=/data
EXPOSE 8000
CMD ["saring", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
