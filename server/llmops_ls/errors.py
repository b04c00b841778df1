"""The exceptions llmops-ls raises, under one base class.

LlmopsError
 +-- ConfigError        a configuration or policy file is invalid; names file and key
 +-- CatalogueError     the rule catalogue shipped with the package is inconsistent
 +-- UsageError         the command line asked for something impossible
 +-- BudgetSpentError   the router refused: a developer or team budget is spent
 +-- UnknownTierError   a request asked for a tier the policy does not define
 +-- UnreadableStoreError  a telemetry store that cannot be read as it is; names it
 +-- ContentFilterError a request was stopped before it left the workspace
 |    +-- SecretBlockedError      a secret was found and the policy says `block`
 |    +-- AttachmentRefusedError  a file the policy never attaches (`.env`, `*.pem`)
 +-- GatewayError       the LLM gateway did not answer a request; `model`, `status`
      +-- RateLimitError          429; `retry_after_seconds` from `Retry-After`
      +-- BudgetExceededError     the gateway's budget is spent (`budget_exceeded`)
      +-- GatewayTimeoutError     connect, first-token, total timeout or 408; `phase`
      +-- ServerError             5xx, or a connection dropped half-way
      +-- ModelNotFoundError      404: the gateway does not serve that model
      +-- BadRequestError         4xx the request itself caused (including 401/403)
      +-- ContentPolicyError      the provider refused the content
      +-- MalformedStreamError    an answer that is not the OpenAI wire format
      +-- GatewayUnavailableError no connection to the gateway at all
      +-- NoModelAvailableError   every model of the chain is cooling down

Which gateway errors are retried or passed down the fallback chain is decided in
`llmops_ls.gateway.client` from the class alone; `GatewayError.fallback` says whether
another model may succeed where this one failed.

Lower-level errors (OSError, tomllib.TOMLDecodeError, pydantic.ValidationError) are
translated into these at the boundary that reads the file, so callers catch one family.
"""


class LlmopsError(Exception):
    """Base class of every error llmops-ls raises on purpose."""


class ConfigError(LlmopsError):
    """A configuration file is invalid."""

    def __init__(self, path: str, key: str | None, message: str) -> None:
        self.path = path
        self.key = key
        self.message = message
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {message}")


class CatalogueError(LlmopsError):
    """The rule catalogue is inconsistent (a packaging defect)."""


class UsageError(LlmopsError):
    """The command line cannot be satisfied."""


class BudgetSpentError(LlmopsError):
    """The router refused a request: a budget is spent until it resets."""

    def __init__(self, message: str, resets_at: str) -> None:
        self.resets_at = resets_at
        super().__init__(message)


class UnknownTierError(LlmopsError):
    """A request asked for a tier the policy does not define; `known` lists them."""

    def __init__(self, tier: str, known: tuple[str, ...]) -> None:
        self.tier = tier
        self.known = known
        super().__init__(
            f"unknown tier {tier!r}: the policy's tiers are {', '.join(known)}"
        )


class UnreadableStoreError(LlmopsError):
    """A telemetry store that cannot be read as it is: too new, or no store at all."""


class ContentFilterError(LlmopsError):
    """The outgoing content filter stopped a request; nothing was sent."""


class SecretBlockedError(ContentFilterError):
    """A secret was found in outgoing text and the policy blocks such requests."""

    def __init__(self, kinds: tuple[str, ...]) -> None:
        self.kinds = kinds
        super().__init__(
            f"request not sent: it contains {len(kinds)} secret(s) "
            f"({', '.join(sorted(set(kinds)))}); remove them or ask for `redact`"
        )


class AttachmentRefusedError(ContentFilterError):
    """A file the policy never attaches (`.env`, `*.pem`, ...) was attached."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"{path} is never attached to a request (content_filter.never_attach)"
        )


class GatewayError(LlmopsError):
    """The gateway did not answer a request with a completion."""

    #: Whether another model of the fallback chain may succeed.
    fallback = False
    #: Whether the failure counts against the model in the circuit breaker.
    counts_against_model = False

    def __init__(
        self, message: str, *, model: str | None = None, status: int | None = None
    ) -> None:
        self.model = model
        self.status = status
        #: Secrets the outgoing filter replaced in the request that failed.
        self.redactions = 0
        super().__init__(message)


class RateLimitError(GatewayError):
    """Too many requests; the model is not tried again before `Retry-After`."""

    fallback = True
    counts_against_model = True

    def __init__(
        self,
        message: str,
        *,
        model: str | None = None,
        status: int | None = None,
        retry_after_seconds: float | None = None,
    ) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(message, model=model, status=status)


class BudgetExceededError(GatewayError):
    """The gateway refused because a budget it tracks is spent."""


class GatewayTimeoutError(GatewayError):
    """No connection, first token or full answer within the policy's timeouts."""

    fallback = True
    counts_against_model = True

    def __init__(
        self,
        message: str,
        *,
        phase: str,
        model: str | None = None,
        status: int | None = None,
    ) -> None:
        self.phase = phase
        super().__init__(message, model=model, status=status)


class ServerError(GatewayError):
    """The gateway or the provider behind it failed (5xx)."""

    fallback = True
    counts_against_model = True


class BadRequestError(GatewayError):
    """The gateway rejected the request itself (4xx); retrying would not help."""


class ModelNotFoundError(GatewayError):
    """The gateway does not serve the model (404): another in the chain may be."""

    fallback = True
    counts_against_model = True


class ContentPolicyError(GatewayError):
    """The provider's content policy refused the request."""


class MalformedStreamError(GatewayError):
    """The answer is not what the OpenAI wire format says it should be."""

    fallback = True
    counts_against_model = True


class GatewayUnavailableError(GatewayError):
    """No connection to the gateway could be made."""


class NoModelAvailableError(GatewayError):
    """Every model of the chain is cooling down after failures."""
