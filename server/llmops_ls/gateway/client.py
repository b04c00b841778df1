"""An OpenAI-compatible client for the gateway: one call, the whole fallback chain.

`GatewayClient.send` filters the request (`filter.OutgoingFilter`), then tries the
models of the chain in order. What happens after a failure follows from its class
(`llmops_ls.errors`): a server error is retried once on the same model, then the next
model is tried; rate limits, timeouts and malformed answers go straight to the next
model; budget, bad-request, content-policy and connection errors end the call, since
no other model behind the same gateway would fare better. Once streamed text has
reached the caller no other model is tried: the answer would be spliced from two.

Timeouts: `connect_seconds` to open a connection; `first_token_seconds` from sending
to the first streamed token (and between chunks of a stream); `total_seconds` for the
whole answer. A non-streamed answer arrives at once, so only connect and total apply.

The key is handed to the HTTP client's default headers and kept nowhere else; it is
never logged. One INFO line is logged per HTTP request: method, path, status,
duration and model.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import httpx

from llmops_ls.catalog import ModelCatalogue
from llmops_ls.errors import (
    GatewayError,
    GatewayTimeoutError,
    GatewayUnavailableError,
    MalformedStreamError,
    NoModelAvailableError,
    RateLimitError,
    ServerError,
)
from llmops_ls.gateway import sse
from llmops_ls.gateway.breaker import CircuitBreaker
from llmops_ls.gateway.failures import error_from_object, error_from_response
from llmops_ls.gateway.filter import OutgoingFilter
from llmops_ls.gateway.messages import Attempt, Completion, GatewayRequest, Usage

logger = logging.getLogger(__name__)

COST_HEADER = "x-litellm-response-cost"
TextSink = Callable[[str], None]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Connect, first-token and total timeouts, in seconds."""

    connect_seconds: float = 5.0
    first_token_seconds: float = 20.0
    total_seconds: float = 300.0


class _Progress:
    """What one attempt has produced so far (read when it fails)."""

    def __init__(self) -> None:
        self.delivered = False
        self.first_token_at: float | None = None


class GatewayClient:
    """Sends requests to one gateway over reused connections."""

    def __init__(
        self,
        base_url: str,
        key: str | None,
        *,
        content_filter: OutgoingFilter,
        catalogue: ModelCatalogue,
        timeouts: Timeouts = Timeouts(),
        breaker: CircuitBreaker | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        server_error_retries: int = 1,
        retry_backoff_seconds: float = 0.25,
        max_connections: int = 16,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.filter = content_filter
        self.catalogue = catalogue
        self.timeouts = timeouts
        self.breaker = breaker or CircuitBreaker()
        self.server_error_retries = server_error_retries
        self.retry_backoff_seconds = retry_backoff_seconds
        self._sleep = sleep
        self._closing: set[asyncio.Task[Completion]] = set()
        headers = {"authorization": f"Bearer {key}"} if key else {}
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(
                connect=timeouts.connect_seconds,
                read=None,
                write=timeouts.total_seconds,
                pool=timeouts.connect_seconds,
            ),
            limits=httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=max_connections,
            ),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"GatewayClient({self.base_url!r})"

    async def aclose(self) -> None:
        """Close every pooled connection, once cancelled exchanges have let go."""
        if self._closing:
            await asyncio.wait(
                tuple(self._closing), timeout=self.timeouts.connect_seconds
            )
        await self._http.aclose()

    async def send(
        self,
        request: GatewayRequest,
        models: Sequence[str],
        on_text: TextSink | None = None,
    ) -> Completion:
        """The first answer along the chain `models`; a `LlmopsError` when none came.

        Streamed text is passed to `on_text` as it arrives. Cancelling the calling
        task closes the upstream connection before the cancellation returns to it.
        """
        # The exchange runs in a task of its own that is cancelled exactly once.
        # httpcore closes a cancelled response in awaits of its own; a second
        # cancellation landing there (the editor's `$/cancelRequest` for a request
        # already superseded) would stop that close half-way, leaving the socket
        # open and its pool slot taken until the client is closed.
        exchange = asyncio.create_task(self._send(request, models, on_text))
        try:
            return await asyncio.shield(exchange)
        except asyncio.CancelledError:
            exchange.cancel()
            self._closing.add(exchange)
            exchange.add_done_callback(_forget_exchange(self._closing))
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait((exchange,))
            raise

    async def _send(
        self,
        request: GatewayRequest,
        models: Sequence[str],
        on_text: TextSink | None,
    ) -> Completion:
        filtered = self.filter.apply(request)
        outgoing = filtered.request
        attempts: list[Attempt] = []
        last_error: GatewayError | None = None

        for model in dict.fromkeys(models):
            if not self.breaker.available(model):
                attempts.append(Attempt(model, "CircuitOpen"))
                continue
            retries_left = self.server_error_retries
            while True:
                progress = _Progress()
                try:
                    completion = await self._attempt(outgoing, model, on_text, progress)
                except asyncio.CancelledError:
                    self.breaker.released(model)
                    raise
                except GatewayError as exc:
                    attempts.append(Attempt(model, type(exc).__name__))
                    last_error = exc
                    self._blame(model, exc)
                    if progress.delivered or not exc.fallback:
                        exc.redactions = filtered.redactions
                        raise
                    if isinstance(exc, ServerError) and retries_left > 0:
                        retries_left -= 1
                        await self._sleep(self.retry_backoff_seconds)
                        if self.breaker.available(model):
                            continue
                    break
                except Exception:
                    # Not the model's fault as far as anyone knows: a trial it held
                    # must not keep it out for good.
                    self.breaker.released(model)
                    raise
                self.breaker.succeeded(model)
                attempts.append(Attempt(model))
                return replace(
                    completion,
                    redactions=filtered.redactions,
                    attempts=tuple(attempts),
                )

        if last_error is not None:
            last_error.redactions = filtered.redactions
            raise last_error
        wait = min((self.breaker.reopens_in(m) for m in models), default=0.0)
        raise NoModelAvailableError(
            f"every model of the chain ({', '.join(models)}) is cooling down after "
            f"failures; try again in {wait:.0f} s"
        )

    def _blame(self, model: str, error: GatewayError) -> None:
        if not error.counts_against_model:
            # The model answered; whether it is healthy is still open. A half-open
            # trial it held ends, so that another may be made.
            self.breaker.released(model)
            return
        retry_after = (
            error.retry_after_seconds if isinstance(error, RateLimitError) else None
        )
        self.breaker.failed(model, retry_after)

    async def _attempt(
        self,
        request: GatewayRequest,
        model: str,
        on_text: TextSink | None,
        progress: _Progress,
    ) -> Completion:
        loop = asyncio.get_running_loop()
        started = loop.time()
        status: int | str = "-"
        try:
            first_deadline = (
                self.timeouts.first_token_seconds
                if request.stream
                else self.timeouts.total_seconds
            )
            async with asyncio.timeout(
                min(first_deadline, self.timeouts.total_seconds)
            ) as deadline:
                if request.stream:
                    completion, status = await self._stream(
                        request,
                        model,
                        on_text=on_text,
                        progress=progress,
                        deadline=deadline,
                        started=started,
                    )
                else:
                    completion, status = await self._post(request, model, started)
            return completion
        except GatewayError as exc:
            status = exc.status or status
            raise
        except TimeoutError:
            phase = "total" if progress.first_token_at is not None else "first_token"
            if not request.stream:
                phase = "total"
            status = "timeout"
            raise GatewayTimeoutError(
                f"{model}: no {'answer' if phase == 'total' else 'first token'} "
                f"within the {phase.replace('_', '-')} timeout",
                phase=phase,
                model=model,
            ) from None
        except httpx.ConnectTimeout:
            status = "timeout"
            raise GatewayTimeoutError(
                f"{model}: no connection to {self.base_url} within "
                f"{self.timeouts.connect_seconds} s",
                phase="connect",
                model=model,
            ) from None
        except httpx.PoolTimeout:
            status = "timeout"
            raise GatewayTimeoutError(
                f"{model}: every connection to {self.base_url} stayed busy for "
                f"{self.timeouts.connect_seconds} s",
                phase="connect",
                model=model,
            ) from None
        except httpx.ReadTimeout:
            status = "timeout"
            phase = "idle" if progress.first_token_at is not None else "first_token"
            raise GatewayTimeoutError(
                f"{model}: the stream stalled ({phase.replace('_', '-')} timeout)",
                phase=phase,
                model=model,
            ) from None
        except httpx.ConnectError as exc:
            status = "unreachable"
            raise GatewayUnavailableError(
                f"cannot connect to the gateway at {self.base_url}: {exc}; check "
                "`gateway.base_url` in the policy and that the gateway is running",
                model=model,
            ) from None
        except httpx.TimeoutException as exc:  # a write timeout, say
            status = "timeout"
            raise GatewayTimeoutError(
                f"{model}: the request to the gateway timed out: {exc}",
                phase="total",
                model=model,
            ) from None
        except httpx.DecodingError as exc:
            status = "malformed"
            raise MalformedStreamError(
                f"{model}: the gateway's answer could not be decoded: {exc}",
                model=model,
            ) from None
        except httpx.HTTPError as exc:  # dropped connections and the rest
            status = "dropped"
            raise ServerError(
                f"{model}: the exchange with the gateway failed: "
                f"{type(exc).__name__}: {exc}",
                model=model,
            ) from None
        except asyncio.CancelledError:
            status = "cancelled"
            raise
        finally:
            logger.info(
                "POST %s %s %.1f ms model=%s",
                request.path,
                status,
                (loop.time() - started) * 1000,
                model,
            )

    async def _post(
        self, request: GatewayRequest, model: str, started: float
    ) -> tuple[Completion, int]:
        response = await self._http.post(request.path, json=request.payload(model))
        body = await response.aread()
        if response.status_code >= 400:
            raise error_from_response(
                response.status_code, body, response.headers, model
            )
        data = _json_object(body, model)
        latency = asyncio.get_running_loop().time() - started
        return self._complete(data, response.headers, model, latency, None), (
            response.status_code
        )

    async def _stream(
        self,
        request: GatewayRequest,
        model: str,
        *,
        on_text: TextSink | None,
        progress: _Progress,
        deadline: asyncio.Timeout,
        started: float,
    ) -> tuple[Completion, int]:
        loop = asyncio.get_running_loop()
        timeout = self._http.timeout
        stream_timeout = httpx.Timeout(
            connect=timeout.connect,
            read=self.timeouts.first_token_seconds,
            write=timeout.write,
            pool=timeout.pool,
        )
        async with self._http.stream(
            "POST", request.path, json=request.payload(model), timeout=stream_timeout
        ) as response:
            if response.status_code >= 400:
                body = await response.aread()
                raise error_from_response(
                    response.status_code, body, response.headers, model
                )
            if "json" in response.headers.get("content-type", ""):
                # A gateway may ignore `stream` and answer at once.
                data = _json_object(await response.aread(), model)
                completion = self._complete(
                    data, response.headers, model, loop.time() - started, None
                )
                if on_text is not None and completion.text:
                    on_text(completion.text)
                return completion, response.status_code

            pieces: list[str] = []
            usage: Usage | None = None
            finish_reason: str | None = None
            done = False
            async for data_text in sse.events(response.aiter_lines()):
                if data_text.strip() == "[DONE]":
                    done = True
                    break
                chunk = _json_object(data_text.encode(), model)
                if "error" in chunk and isinstance(chunk["error"], dict):
                    raise error_from_object(chunk["error"], None, {}, model)
                text, reason, chunk_usage = _read_chunk(chunk, model)
                usage = chunk_usage or usage
                finish_reason = reason or finish_reason
                if text:
                    if progress.first_token_at is None:
                        progress.first_token_at = loop.time()
                        deadline.reschedule(started + self.timeouts.total_seconds)
                    pieces.append(text)
                    if on_text is not None:
                        progress.delivered = True
                        on_text(text)
            if not done and finish_reason is None:
                raise MalformedStreamError(
                    f"{model}: the stream ended before [DONE]", model=model
                )
            latency = loop.time() - started
            first = (
                progress.first_token_at - started
                if progress.first_token_at is not None
                else None
            )
            cost, source = self._cost(response.headers, model, usage)
            return Completion(
                text="".join(pieces),
                model=model,
                usage=usage,
                cost=cost,
                cost_source=source,
                finish_reason=finish_reason,
                latency_seconds=latency,
                first_token_seconds=first,
            ), response.status_code

    def _complete(
        self,
        data: Mapping[str, Any],
        headers: Mapping[str, str],
        model: str,
        latency: float,
        first_token: float | None,
    ) -> Completion:
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices:
            raise MalformedStreamError(
                f"{model}: an answer without choices", model=model
            )
        choice = choices[0]
        if not isinstance(choice, dict):
            raise MalformedStreamError(
                f"{model}: a choice is not an object", model=model
            )
        message = choice.get("message")
        if isinstance(message, dict):
            text = message.get("content") or ""
        else:
            text = choice.get("text") or ""
        if not isinstance(text, str):
            raise MalformedStreamError(f"{model}: content is not text", model=model)
        usage = _usage(data.get("usage"))
        cost, source = self._cost(headers, model, usage)
        reason = choice.get("finish_reason")
        return Completion(
            text=text,
            model=model,
            usage=usage,
            cost=cost,
            cost_source=source,
            finish_reason=reason if isinstance(reason, str) else None,
            latency_seconds=latency,
            first_token_seconds=first_token,
        )

    def _cost(
        self, headers: Mapping[str, str], model: str, usage: Usage | None
    ) -> tuple[float | None, Any]:
        header = headers.get(COST_HEADER)
        if header:
            try:
                value = float(header)
            except ValueError:
                logger.debug("ignoring a cost header that is no number")
            else:
                if value >= 0:
                    return value, "gateway"
        entry = self.catalogue.get(model)
        if entry is None or usage is None:
            return None, "none"
        cost = entry.input_cost(usage.prompt_tokens) + entry.output_cost(
            usage.completion_tokens
        )
        return cost, "catalogue"


def _forget_exchange(
    closing: set[asyncio.Task[Completion]],
) -> Callable[[asyncio.Task[Completion]], None]:
    """A done-callback: drop a cancelled exchange and consume what it raised."""

    def forget(task: asyncio.Task[Completion]) -> None:
        closing.discard(task)
        if not task.cancelled():
            # Nobody awaits it any more; an error in its clean-up is only logged.
            exc = task.exception()
            if exc is not None:
                logger.debug("a cancelled request ended with %r", exc)

    return forget


def _json_object(body: bytes, model: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        raise MalformedStreamError(
            f"{model}: the gateway sent something that is not JSON", model=model
        ) from None
    if not isinstance(data, dict):
        raise MalformedStreamError(
            f"{model}: the gateway sent JSON that is not an object", model=model
        )
    return data


def _read_chunk(
    chunk: Mapping[str, Any], model: str
) -> tuple[str, str | None, Usage | None]:
    usage = _usage(chunk.get("usage"))
    choices = chunk.get("choices")
    if choices is None:
        if usage is None:
            raise MalformedStreamError(
                f"{model}: a stream chunk without choices or usage", model=model
            )
        return "", None, usage
    # LiteLLM's usage chunk carries `[{"index": 0, "delta": {}}]`, OpenAI's `[]`.
    if not isinstance(choices, list):
        raise MalformedStreamError(f"{model}: `choices` is not a list", model=model)
    text_parts: list[str] = []
    reason: str | None = None
    for choice in choices:
        if not isinstance(choice, dict):
            raise MalformedStreamError(
                f"{model}: a choice is not an object", model=model
            )
        if choice.get("index", 0) != 0:
            continue
        delta = choice.get("delta")
        piece = delta.get("content") if isinstance(delta, dict) else choice.get("text")
        if piece is not None and not isinstance(piece, str):
            raise MalformedStreamError(f"{model}: content is not text", model=model)
        if piece:
            text_parts.append(piece)
        if isinstance(choice.get("finish_reason"), str):
            reason = choice["finish_reason"]
    return "".join(text_parts), reason, usage


def _usage(value: object) -> Usage | None:
    if not isinstance(value, dict):
        return None
    prompt = value.get("prompt_tokens")
    completion = value.get("completion_tokens")
    if not isinstance(prompt, int) or not isinstance(completion, int):
        return None
    return Usage(prompt, completion, _cached_tokens(value))


def _cached_tokens(usage: dict[str, Any]) -> int:
    """Prompt-cache reads: OpenAI's `prompt_tokens_details.cached_tokens`, or the
    `cache_read_input_tokens` that LiteLLM passes on from Anthropic."""
    details = usage.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else None
    if not isinstance(cached, int):
        cached = usage.get("cache_read_input_tokens")
    return max(0, cached) if isinstance(cached, int) else 0
