# CPU image by default: PyTorch's CPU build, every package from requirements/cpu.txt (exact
# versions, hashes checked). The GPU profile builds with TORCH_BUILD=cuda and takes
# requirements/cuda.txt: the CUDA build of the same torch version, everything else the same.
FROM python:3.11-slim
ARG TORCH_BUILD=cpu
ARG TORCH_CPU_LINKS=https://download.pytorch.org/whl/cpu/torch/
WORKDIR /app
# Dependencies first, in their own layer: a code change does not reinstall them.
COPY requirements ./requirements
RUN links=""; if [ "$TORCH_BUILD" = cpu ]; then links="--find-links $TORCH_CPU_LINKS"; fi; \
    pip install --no-cache-dir --require-hashes --no-deps $links \
      -r "requirements/${TORCH_BUILD}.txt"
COPY pyproject.toml README.md ./
COPY server ./server
COPY web ./web
COPY models/presets ./models/presets
RUN pip install --no-cache-dir --no-deps --no-build-isolation .
ENV CNNPG_HOST=0.0.0.0 CNNPG_PORT=8000 CNNPG_MODELS_DIR=/app/models CNNPG_WEB_DIR=/app/web \
    CNNPG_PRESETS_DIR=/app/models/presets
EXPOSE 8000
CMD ["cnn-playground", "serve"]
