# One image for every service; the command picks which: `gateway run <ingress|guard|router|control|audit>`.
FROM python:3.11-slim AS build
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY libs ./libs
COPY services ./services
COPY policies ./policies
RUN uv sync --frozen --no-dev

FROM python:3.11-slim
RUN useradd --system --uid 10001 gateway
WORKDIR /app
COPY --from=build /app /app
ENV PATH="/app/.venv/bin:$PATH" \
    LITELLM_LOCAL_MODEL_COST_MAP=True \
    HF_HUB_OFFLINE=1 \
    GW_HOST=0.0.0.0 \
    GW_ENV=production
USER gateway
ENTRYPOINT ["gateway"]
CMD ["run", "ingress"]
