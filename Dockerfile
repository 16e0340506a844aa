# CPU image by default. For the GPU profile, docker-compose passes TORCH_INDEX_URL so pip
# takes PyTorch's CUDA build of the same torch version from PyTorch's own package index.
FROM python:3.11-slim
ARG TORCH_INDEX_URL=""
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY server ./server
COPY web ./web
COPY models/presets ./models/presets
RUN if [ -n "$TORCH_INDEX_URL" ]; then \
      pip install --no-cache-dir --extra-index-url "$TORCH_INDEX_URL" -c constraints.txt . ; \
    else pip install --no-cache-dir -c constraints.txt . ; fi
ENV CNNPG_HOST=0.0.0.0 CNNPG_PORT=8000 CNNPG_MODELS_DIR=/app/models CNNPG_WEB_DIR=/app/web \
    CNNPG_PRESETS_DIR=/app/models/presets
EXPOSE 8000
CMD ["cnn-playground", "serve"]
