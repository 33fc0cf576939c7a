# Task runner. `just --list` shows every recipe. Recipes use the project's .venv (see README, Quick start).

python := ".venv/bin/python"
export LITELLM_LOCAL_MODEL_COST_MAP := "True"

# Start the whole gateway on embedded defaults (NATS from the wheel, SQLite, all five services).
up:
    {{python}} -m services.cli up

# Every test tier: unit, integration (real NATS, real Postgres), e2e (all services as processes).
test *args:
    {{python}} -m pytest -q -ra --durations=10 {{args}}

test-unit *args:
    {{python}} -m pytest -q tests/unit {{args}}

test-integration *args:
    {{python}} -m pytest -q tests/integration {{args}}

test-e2e *args:
    {{python}} -m pytest -q tests/e2e {{args}}

lint:
    {{python}} -m ruff check .

# Latency through the gateway vs straight to a loopback upstream, the guard pipeline on one core, and a chat's turns
# with and without the guard's results cache.
bench:
    {{python}} scripts/bench_gateway.py
    {{python}} scripts/bench_guard.py
    {{python}} scripts/bench_conversation.py

# Revocation propagation: DELETE returning -> first 401 at two running ingress processes, over 50 keys.
bench-keys:
    {{python}} scripts/bench_keys.py

# The guard pipeline of this checkout against another one's, prompt by prompt (e.g. a worktree of main).
bench-guard-ab other:
    {{python}} scripts/bench_guard_ab.py {{other}}

# Guard quality on the development data, per source.
eval:
    {{python}} scripts/eval_guard.py

# Gateway vs LiteLLM Proxy vs direct, one run (needs the proxy venv described in the script's docstring).
bench-vs-litellm:
    {{python}} scripts/bench_vs_litellm_proxy.py

# Train the injection classifier (and export both ONNX models). Add --cv 5 --loso to evaluate. A GPU is advised:
# on a 2-core CPU with native bf16, --cv 5 and the final model take ~2 h 20 min (4 epochs).
train-guard *args:
    .venv/bin/uv sync --group train --inexact
    {{python}} scripts/train_guard.py {{args}}

# Score the dev data with the committed injection model (CPU, no torch): per-source table and latency.
eval-injection:
    {{python}} scripts/train_guard.py --eval-only
