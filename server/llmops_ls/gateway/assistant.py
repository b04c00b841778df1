"""Inline completions and chat for the editor: route, filter, send, record.

The language server calls `Assistant.inline` and `Assistant.chat`; this module turns
them into a routing request, a gateway request and one `RequestRecord` each. Budget
refusals raise `BudgetSpentError` and filter refusals a `ContentFilterError`, both
before anything is sent. Cancelling the calling task cancels the HTTP request and is
recorded as `cancelled`.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from llmops_ls.errors import (
    BadRequestError,
    BudgetSpentError,
    ContentFilterError,
    GatewayError,
    NoModelAvailableError,
    SecretBlockedError,
)
from llmops_ls.gateway.client import GatewayClient, TextSink
from llmops_ls.gateway.fim import SYSTEM_PROMPT, build_fim
from llmops_ls.gateway.messages import (
    Attachment,
    ChatMessage,
    Completion,
    GatewayRequest,
)
from llmops_ls.routing.budgets import SpendEntry
from llmops_ls.routing.features import Message, Request, RequestKind, TokenCounter
from llmops_ls.routing.recording import (
    NULL_SINK,
    RecordingSink,
    RequestRecord,
    new_request_id,
)
from llmops_ls.routing.router import Caller, Decision, Refusal, Router

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime.datetime]


@dataclass(frozen=True, slots=True)
class InlineSettings:
    """How inline completions are asked for."""

    budget_tokens: int = 1500
    max_tokens: int = 64
    stop: tuple[str, ...] = ("\n\n\n",)
    cache_entries: int = 64
    cache_seconds: float = 120.0


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer for the editor: its text, the decision behind it, the completion."""

    request_id: str
    text: str
    decision: Decision
    completion: Completion | None
    cached: bool = False


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class Assistant:
    """Routes and sends the editor's requests for one developer."""

    def __init__(
        self,
        router: Router,
        client: GatewayClient,
        caller: Caller,
        *,
        sink: RecordingSink = NULL_SINK,
        count: TokenCounter,
        spent: Callable[[SpendEntry], None] | None = None,
        inline_settings: InlineSettings = InlineSettings(),
        clock: Clock = _utc_now,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self.router = router
        self.client = client
        self.caller = caller
        self.sink = sink
        self.count = count
        self.spent = spent
        self.inline_settings = inline_settings
        self.clock = clock
        self.on_close = on_close
        self._cache: OrderedDict[str, tuple[float, Answer]] = OrderedDict()

    async def aclose(self) -> None:
        """Close the gateway connections, then whatever was handed in `on_close`."""
        await self.client.aclose()
        if self.on_close is not None:
            # Closing telemetry waits (boundedly) for a last upload: off the loop.
            await asyncio.to_thread(self.on_close)

    async def inline(
        self,
        prefix: str,
        suffix: str,
        *,
        language: str | None = None,
        path: str | None = None,
    ) -> Answer:
        """A completion to insert between `prefix` and `suffix`."""
        settings = self.inline_settings
        fim = build_fim(prefix, suffix, settings.budget_tokens, self.count)
        # The prefix and suffix are the whole input and `fim.tokens` counts them: a
        # prompt here would count the prefix's end twice, and the router reads no
        # words of an inline request.
        routed = Request(
            kind=RequestKind.INLINE_COMPLETION,
            prompt="",
            context_tokens=fim.tokens,
            language=language,
        )
        decision = self._route(routed)
        request = chat_request = GatewayRequest(
            messages=(
                ChatMessage("system", SYSTEM_PROMPT),
                ChatMessage("user", fim.user_message(language, path)),
            ),
            max_tokens=settings.max_tokens,
            stop=settings.stop,
            temperature=0.0,
        )
        if self._suffix_models(decision):
            # The model was trained to fill in the middle: give it prefix and suffix
            # as such, with the chat prompt kept for when that endpoint fails.
            request = GatewayRequest(
                endpoint="text",
                prompt=fim.prefix,
                suffix=fim.suffix,
                max_tokens=settings.max_tokens,
                stop=settings.stop,
                temperature=0.0,
            )
        key = _cache_key(decision, request)
        cached = self._cached(key)
        request_id = new_request_id()
        if cached is not None:
            self._record(request_id, decision, "cached", None, kind="inline_completion")
            return Answer(request_id, cached.text, decision, None, cached=True)

        completion = await self._send(
            request_id,
            decision,
            request,
            None,
            "inline_completion",
            chat_fallback=chat_request if request is not chat_request else None,
        )
        answer = Answer(request_id, completion.text, decision, completion)
        self._remember(key, answer)
        return answer

    async def chat(
        self,
        messages: Sequence[Message],
        attachments: Mapping[str, str] | None = None,
        on_text: TextSink | None = None,
        *,
        language: str | None = None,
        tier: str | None = None,
    ) -> Answer:
        """An answer to a conversation, streamed to `on_text` as it arrives.

        `attachments` maps workspace-relative paths to file text; each path is checked
        against the policy's `never_attach` and each text filtered before sending.
        `tier` is the tier the developer asks for, taken as the policy allows; one the
        policy does not define raises UnknownTierError before anything is sent.
        """
        files = tuple(Attachment(p, t) for p, t in (attachments or {}).items())
        last_user = next(
            (m.content for m in reversed(messages) if m.role == "user"), ""
        )
        history = tuple(Message(m.role, m.content) for m in messages[:-1])
        routed = Request(
            kind=RequestKind.CHAT,
            prompt=last_user,
            attached_files=tuple(a.path for a in files),
            context_tokens=sum(self.count(a.text) for a in files),
            language=language,
            messages=history,
            requested_tier=tier,
        )
        decision = self._route(routed)
        request = GatewayRequest(
            messages=tuple(ChatMessage(m.role, m.content) for m in messages),
            attachments=files,
            stream=True,
        )
        request_id = new_request_id()
        completion = await self._send(request_id, decision, request, on_text, "chat")
        return Answer(request_id, completion.text, decision, completion)

    def _route(self, request: Request) -> Decision:
        decision = self.router.route(request, self.caller, self.clock())
        if isinstance(decision, Refusal):
            self._record(
                new_request_id(), None, "refused", None, kind=request.kind.value
            )
            raise BudgetSpentError(decision.message, decision.resets_at.isoformat())
        return decision

    def _suffix_models(self, decision: Decision) -> list[str]:
        """The leading models of the chain that fill in the middle with `suffix`."""
        models: list[str] = []
        for model_id in (decision.model, *decision.fallbacks):
            model = self.router.catalogue.get(model_id)
            if model is None or not model.suffix_completions:
                break
            models.append(model_id)
        return models

    async def _send(
        self,
        request_id: str,
        decision: Decision,
        request: GatewayRequest,
        on_text: TextSink | None,
        kind: str,
        *,
        chat_fallback: GatewayRequest | None = None,
    ) -> Completion:
        """Send along the decision's chain and record the outcome once.

        With `chat_fallback`, `request` (a `suffix` completion) goes to the leading
        models that take one; when they fail in a way another request might not (a
        rate limit, a timeout, or a bad request: the gateway may not serve the
        endpoint), `chat_fallback` goes along the whole chain instead.
        """
        started = time.monotonic()
        models = [decision.model, *decision.fallbacks]
        try:
            if chat_fallback is None:
                completion = await self.client.send(request, models, on_text)
            else:
                completion = await self._send_suffix_first(
                    request, chat_fallback, decision, models
                )
        except asyncio.CancelledError:
            self._record(
                request_id,
                decision,
                "cancelled",
                None,
                kind=kind,
                latency=time.monotonic() - started,
            )
            raise
        except ContentFilterError as exc:
            self._record(request_id, decision, "filtered", None, kind=kind, error=exc)
            raise
        except Exception as exc:  # the gateway's errors, and any other: one row each
            self._record(
                request_id,
                decision,
                "error",
                None,
                kind=kind,
                error=exc,
                latency=time.monotonic() - started,
            )
            raise
        sent = request if chat_fallback is None else chat_fallback
        self._record(request_id, decision, "ok", completion, kind=kind, sent=sent)
        if self.spent is not None and completion.cost:
            self.spent(
                SpendEntry(
                    self.caller.developer,
                    self.caller.team,
                    self.clock(),
                    completion.cost,
                )
            )
        return completion

    async def _send_suffix_first(
        self,
        request: GatewayRequest,
        chat_fallback: GatewayRequest,
        decision: Decision,
        models: list[str],
    ) -> Completion:
        try:
            return await self.client.send(request, self._suffix_models(decision))
        except GatewayError as exc:
            retry = exc.fallback or isinstance(
                exc, BadRequestError | NoModelAvailableError
            )
            if not retry:
                raise
            logger.info(
                "suffix completion failed (%s); asking with the chat prompt",
                type(exc).__name__,
            )
        return await self.client.send(chat_fallback, models)

    def _record(
        self,
        request_id: str,
        decision: Decision | None,
        outcome: str,
        completion: Completion | None,
        *,
        kind: str,
        error: Exception | None = None,
        latency: float | None = None,
        sent: GatewayRequest | None = None,
    ) -> None:
        usage = completion.usage if completion else None
        prompt_text = completion_text = None
        if self.router.policy.telemetry.store_text:
            prompt_text = _prompt_text(sent) if sent is not None else None
            completion_text = completion.text if completion else None
        model = decision.model if decision else None
        record = RequestRecord(
            request_id=request_id,
            developer=self.caller.developer,
            team=self.caller.team,
            kind=kind,
            tier=decision.tier if decision else None,
            model=completion.model if completion else model,
            outcome=outcome,
            error=type(error).__name__ if error else None,
            fallbacks_used=completion.fallbacks_used if completion else 0,
            input_tokens=usage.prompt_tokens
            if usage
            else (decision.input_tokens if decision else 0),
            output_tokens=usage.completion_tokens if usage else 0,
            cached_tokens=usage.cached_tokens if usage else 0,
            cost=completion.cost if completion else None,
            cost_source=completion.cost_source if completion else "none",
            latency_seconds=completion.latency_seconds if completion else latency,
            first_token_seconds=completion.first_token_seconds if completion else None,
            redactions=completion.redactions if completion else _redactions(error),
            model_requested=model,
            canary=decision.canary if decision else False,
            estimated_cost=decision.estimated_cost if decision else 0.0,
            requested_tier=decision.requested_tier if decision else None,
            prompt_text=prompt_text,
            completion_text=completion_text,
        )
        try:
            self.sink.record_request(record)
        except Exception:
            # Telemetry must never cost the developer an answer.
            logger.exception("recording a request failed")

    def _cached(self, key: str) -> Answer | None:
        entry = self._cache.get(key)
        if entry is None:
            return None
        stored_at, answer = entry
        if time.monotonic() - stored_at > self.inline_settings.cache_seconds:
            del self._cache[key]
            return None
        self._cache.move_to_end(key)
        return answer

    def _remember(self, key: str, answer: Answer) -> None:
        self._cache[key] = (time.monotonic(), answer)
        self._cache.move_to_end(key)
        while len(self._cache) > self.inline_settings.cache_entries:
            self._cache.popitem(last=False)


def _cache_key(decision: Decision, request: GatewayRequest) -> str:
    digest = hashlib.sha256()
    for part in (decision.model, *decision.fallbacks):
        digest.update(part.encode() + b"\0")
    for message in request.messages:
        digest.update(message.role.encode() + b"\0" + message.content.encode() + b"\0")
    digest.update(request.endpoint.encode() + b"\0" + request.prompt.encode() + b"\0")
    digest.update((request.suffix or "").encode() + b"\0")
    digest.update(repr((request.max_tokens, request.stop)).encode())
    return digest.hexdigest()


def _redactions(error: Exception | None) -> int:
    """Secrets the filter found in a request that got no answer: those it replaced
    before the gateway failed, or those that made it block the request."""
    if isinstance(error, SecretBlockedError):
        return len(error.kinds)
    if isinstance(error, GatewayError):
        return error.redactions
    return 0


def _prompt_text(request: GatewayRequest) -> str:
    """What a request asked, as kept when the policy stores text."""
    if request.endpoint != "chat":
        suffix = f"\n<suffix>{request.suffix}</suffix>" if request.suffix else ""
        return f"{request.prompt}{suffix}"
    parts = [f"{m.role}: {m.content}" for m in request.messages]
    parts += [f"attached {a.path}:\n{a.text}" for a in request.attachments]
    return "\n\n".join(parts)
