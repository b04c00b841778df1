"""A real LiteLLM proxy in a subprocess, with mock and recorded deployments.

Deployments, by the pinned id the client asks for:
- each tier's primary and fallback of the default policy: forwarded to the recording
  upstream, which answers `answer from <tier>-<role>`;
- `claude-haiku-4-5-20251001`: LiteLLM's mock `litellm.RateLimitError` (429);
- `gemini-2.5-flash-lite`: a mock answer after `mock_delay` seconds (the slow model);
- `gpt-5.2-2025-12-11`: forwarded to the upstream's endlessly slow stream;
- `codestral-2508` (a model the catalogue flags for `suffix`): forwarded to the
  upstream's `/v1/completions` as an OpenAI text completion.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from integration.upstream import Upstream

MASTER_KEY = "sk-llmops-integration-master-key-0123456789"
RATE_LIMITED = "claude-haiku-4-5-20251001"
SLOW = "gemini-2.5-flash-lite"
SLOW_STREAM = "gpt-5.2-2025-12-11"
SLOW_DELAY_SECONDS = 5
SUFFIX_MODEL = "codestral-2508"
TIER_MODELS = {
    "gpt-5.4-mini-2026-03-17": "fast-primary",
    "gemini-3.5-flash-lite": "fast-fallback",
    "claude-sonnet-4-6": "standard-primary",
    "gpt-5.4-2026-03-05": "standard-fallback",
    "claude-opus-4-7-20260416": "frontier-primary",
    "gpt-5.5-2026-04-23": "frontier-fallback",
}
READY_SECONDS = 60


@dataclass
class Proxy:
    """A running proxy: its URL (without `/v1`), key and recording upstream."""

    base_url: str
    key: str
    upstream: Upstream
    process: subprocess.Popen[bytes]
    log_path: Path


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def litellm_command() -> str | None:
    """The `litellm` command beside the test interpreter, or on PATH."""
    beside = Path(os.sys.executable).with_name("litellm")  # type: ignore[attr-defined]
    if beside.exists():
        return str(beside)
    return shutil.which("litellm")


def write_config(path: Path, upstream: Upstream) -> None:
    """The proxy's config.yaml."""
    entries = []
    for model_id, name in TIER_MODELS.items():
        entries.append(
            f"""  - model_name: {model_id}
    litellm_params:
      model: openai/{name}
      api_base: {upstream.base_url}
      api_key: fake-upstream-key"""
        )
    entries.append(
        f"""  - model_name: {RATE_LIMITED}
    litellm_params:
      model: openai/gpt-5.4-mini
      api_key: fake
      mock_response: litellm.RateLimitError"""
    )
    entries.append(
        f"""  - model_name: {SLOW}
    litellm_params:
      model: openai/gpt-5.4-mini
      api_key: fake
      mock_response: slow answer
      mock_delay: {SLOW_DELAY_SECONDS}"""
    )
    entries.append(
        f"""  - model_name: {SUFFIX_MODEL}
    litellm_params:
      model: text-completion-openai/codestral-fim
      api_base: {upstream.base_url}
      api_key: fake-upstream-key"""
    )
    entries.append(
        f"""  - model_name: {SLOW_STREAM}
    litellm_params:
      model: openai/slow-stream
      api_base: {upstream.base_url}
      api_key: fake-upstream-key"""
    )
    path.write_text(
        "model_list:\n"
        + "\n".join(entries)
        + f"""
general_settings:
  master_key: {MASTER_KEY}
litellm_settings:
  num_retries: 0
  request_timeout: 60
router_settings:
  num_retries: 0
""",
        encoding="utf-8",
    )


def start_proxy(command: str, folder: Path) -> Proxy:
    """Start the recording upstream and the proxy; wait until it is live."""
    upstream = Upstream().start()
    config = folder / "config.yaml"
    write_config(config, upstream)
    port = free_port()
    log_path = folder / "litellm.log"
    env = {
        **os.environ,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                command,
                "--config",
                str(config),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=folder,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"litellm exited with {process.returncode}:\n{log_path.read_text()}"
            )
        try:
            if httpx.get(f"{base_url}/health/liveliness", timeout=1).status_code == 200:
                return Proxy(base_url, MASTER_KEY, upstream, process, log_path)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(
        f"litellm not ready in {READY_SECONDS} s:\n{log_path.read_text()}"
    )


def stop_proxy(proxy: Proxy) -> None:
    """Stop the proxy and the upstream."""
    proxy.process.terminate()
    try:
        proxy.process.wait(10)
    except subprocess.TimeoutExpired:
        proxy.process.kill()
        proxy.process.wait()
    proxy.upstream.stop()
