"""The language server: handlers named after the LSP methods they serve.

Each handler finds the session and calls one feature object; the features live in
their own modules. Only what the `initialize` reply needs is imported at start-up: the
linter, its checks and the configuration models are imported with the session, when
the client sends `initialized`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError
from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol

from llmops_ls import __version__
from llmops_ls.linter import tokens
from llmops_ls.lsp import memory
from llmops_ls.lsp.logging import ClientLogHandler, install
from llmops_ls.lsp.stdio import start_io

if TYPE_CHECKING:
    from llmops_ls.gateway.assistant import Assistant
    from llmops_ls.lsp.session import Session

# Builds the assistant for a workspace root (None when the client opened no folder).
AssistantFactory = Callable[[Path | None], "Assistant"]
# Does the slow part of building an assistant that needs no event loop (imports, the
# token vocabulary), so that a worker thread can do it ahead of the first request.
AssistantPreparer = Callable[[], None]

logger = logging.getLogger(__name__)

_LOG_LEVELS = {
    logging.ERROR: types.MessageType.Error,
    logging.WARNING: types.MessageType.Warning,
    logging.INFO: types.MessageType.Info,
    logging.DEBUG: types.MessageType.Log,
}
_PARSE_ERROR = -32700
_INVALID_REQUEST = -32600


class _InvalidRequest:
    """A request whose parameters could not be read; it still deserves an answer."""

    jsonrpc = "2.0"

    def __init__(self, msg_id: Any, error: JsonRpcException) -> None:
        self.id = msg_id
        self.error = error


class LlmopsProtocol(LanguageServerProtocol):
    """pygls' protocol, answering requests that it would otherwise drop silently."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        """Deserialize a message; a request with bad params becomes an error reply."""
        if "method" in data and "params" not in data:
            # JSON-RPC lets a request or notification leave out `params` (Neovim does
            # for nil); pygls' message type for methods of its own requires the key.
            data = {**data, "params": None}
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            # pygls raises here and the request id is lost, so the client would
            # wait forever for its answer.
            if "id" in data and "method" in data:
                return _InvalidRequest(data["id"], exc)
            raise

    def handle_message(self, message: Any) -> None:
        """Dispatch a message, answering unreadable requests with an error."""
        if isinstance(message, _InvalidRequest):
            logger.warning("request %s has invalid parameters", message.id)
            self._send_response(message.id, error=message.error.to_response_error())
            return
        if not hasattr(message, "jsonrpc"):
            logger.warning("ignoring a message that is not a JSON-RPC object")
            self._send_raw_error(None, _INVALID_REQUEST, "Invalid Request")
            return
        if not self._dispatch(message):
            super().handle_message(message)
        # pygls keeps the future of every notification it ran in `_request_futures`
        # and never removes it, which grows without bound over a day of typing.
        finished = [k for k, f in self._request_futures.items() if f.done()]
        for key in finished:
            del self._request_futures[key]

    def _dispatch(self, message: Any) -> bool:
        """Run a request's or notification's handler as pygls would; False if neither.

        pygls tells them apart with `isinstance` against runtime-checkable protocols,
        which Python 3.11 answers by listing each protocol's members: about 20 µs for
        a notification, paid by every keystroke. The same members are looked up here.
        Messages during shutdown, of another version, and responses are left to pygls.
        """
        if self._shutdown or message.jsonrpc != JsonRPCProtocol.VERSION:
            return False
        if not (hasattr(message, "method") and hasattr(message, "params")):
            return False
        context = contextvars.copy_context()
        if hasattr(message, "id"):
            context.run(
                self._handle_request, message.id, message.method, message.params
            )
        else:
            context.run(self._handle_notification, message.method, message.params)
        return True

    def _send_raw_error(self, msg_id: Any, code: int, message: str) -> None:
        self._send_data(
            {
                "jsonrpc": "2.0",
                "id": msg_id,
                "error": {"code": code, "message": message},
            }
        )


class LlmopsLanguageServer(LanguageServer):
    """The server object the handlers receive, holding the session once it exists."""

    def __init__(
        self,
        assistant_factory: AssistantFactory | None = None,
        assistant_preparer: AssistantPreparer | None = None,
    ) -> None:
        super().__init__(
            "llmops-ls",
            __version__,
            protocol_cls=LlmopsProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.initialization_options: Any = None
        self.log_handler = ClientLogHandler()
        self._session: Session | None = None
        self.assistant_factory = assistant_factory
        self.assistant_preparer = assistant_preparer
        self._assistant: Assistant | None = None
        self._warming: asyncio.Task[None] | None = None

    @property
    def session(self) -> Session:
        """The session, built (and the linter imported) on first use."""
        if self._session is None:
            from llmops_ls.lsp.session import make_session

            self._session = make_session(self)
        return self._session

    @property
    def assistant(self) -> Assistant:
        """The assistant (policy loaded, gateway client built) on first use."""
        if self._assistant is None:
            if self.assistant_factory is None:
                from llmops_ls.errors import ConfigError

                raise ConfigError("policy", None, "no LLM gateway is configured")
            roots = self.workspace_roots()
            self._assistant = self.assistant_factory(roots[0] if roots else None)
        return self._assistant

    def warm_assistant(self) -> None:
        """Get the assistant ready before the first completion asks for it.

        Building it imports the gateway client and loads the token vocabulary, about
        half a second that the first inline completion would otherwise wait. The
        imports and the vocabulary are done in a worker thread; the assistant itself
        is then built on the event loop, as any request would build it.
        """
        if self.assistant_factory is None or self._warming is not None:
            return
        self._warming = asyncio.get_running_loop().create_task(self._warm())

    async def _warm(self) -> None:
        try:
            if self.assistant_preparer is not None:
                await asyncio.to_thread(self.assistant_preparer)
        except Exception:
            # Only ahead of time: the first request imports and loads what it needs.
            logger.warning(
                "could not prepare the assistant ahead of time", exc_info=True
            )
        if self._assistant is not None:
            return
        try:
            self.assistant  # noqa: B018 -- built for its side effect
        except Exception as error:
            # The first request reports it to the user; here it is only logged.
            logger.warning("the assistant is not available: %s", error, exc_info=True)
        else:
            memory.settle()
            logger.info("assistant ready")

    async def stop_warming(self) -> None:
        """Stop getting the assistant ready (at shutdown): nothing is built after it."""
        if self._warming is not None:
            self._warming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._warming

    def workspace_roots(self) -> list[Path]:
        """The folders the client opened (none for a loose file)."""
        from llmops_ls.lsp.convert import uri_to_path

        workspace = self.workspace
        uris = [folder.uri for folder in workspace.folders.values()]
        if not uris and workspace.root_uri:
            uris = [workspace.root_uri]
        return [p for uri in uris if (p := uri_to_path(uri)) is not None and p.is_dir()]

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log errors outside a request instead of popping up a message box."""
        if isinstance(error, json.JSONDecodeError):
            logger.warning("received a message that is not JSON: %s", error)
            self.protocol._send_raw_error(None, _PARSE_ERROR, "Parse error")  # type: ignore[attr-defined]
            return
        if isinstance(error, JsonRpcInternalError):
            logger.error("internal error: %s", error)
            return
        logger.error("%s: %s", getattr(source, "__name__", source), error)

    def send_log(self, level: int, message: str) -> None:
        """Send one log line to the client's log channel."""
        kind = _LOG_LEVELS.get(level, types.MessageType.Log)
        if level >= logging.ERROR:
            kind = types.MessageType.Error
        self.window_log_message(types.LogMessageParams(type=kind, message=message))


def build_server(
    assistant_factory: AssistantFactory | None = None,
    assistant_preparer: AssistantPreparer | None = None,
) -> LlmopsLanguageServer:
    """A server with every handler registered."""
    server = LlmopsLanguageServer(assistant_factory, assistant_preparer)

    @server.feature(types.INITIALIZE)
    def initialize(ls: LlmopsLanguageServer, params: types.InitializeParams) -> None:
        ls.initialization_options = params.initialization_options

    @server.feature(types.INITIALIZED)
    async def initialized(
        ls: LlmopsLanguageServer, params: types.InitializedParams
    ) -> None:
        loop = asyncio.get_running_loop()
        ls.log_handler.attach(ls.send_log, loop.call_soon_threadsafe)
        await _pull_configuration(ls)
        session = ls.session
        # The vocabulary is loaded by lints, completions and the preparation of the
        # assistant alike; whichever loads it, it is released once left unused.
        session.diagnostics.encodings.follow_loads(loop)
        for project in session.projects.values():
            session.diagnostics.publish_config(project)
        await session.watcher.start()
        await session.scanner.scan()
        if _shows_inline_completions(ls.client_capabilities):
            ls.warm_assistant()

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: LlmopsLanguageServer, params: None) -> None:
        await ls.stop_warming()
        if ls._session is not None:
            ls._session.watcher.stop()
            ls._session.diagnostics.encodings.close()
        tokens.stop_kept_workers()
        if ls._assistant is not None:
            # Closes gateway connections and writes out telemetry (bounded wait).
            await ls._assistant.aclose()
        ls.log_handler.detach()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(
        ls: LlmopsLanguageServer, params: types.DidOpenTextDocumentParams
    ) -> None:
        ls.session.did_open(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(
        ls: LlmopsLanguageServer, params: types.DidChangeTextDocumentParams
    ) -> None:
        ls.session.did_change(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(
        ls: LlmopsLanguageServer, params: types.DidSaveTextDocumentParams
    ) -> None:
        ls.session.did_save(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(
        ls: LlmopsLanguageServer, params: types.DidCloseTextDocumentParams
    ) -> None:
        ls.session.did_close(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(
        ls: LlmopsLanguageServer, params: types.DidChangeWatchedFilesParams
    ) -> None:
        ls.session.watcher.client_events(params.changes)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: LlmopsLanguageServer, params: types.DidChangeConfigurationParams
    ) -> None:
        if not await _pull_configuration(ls):
            ls.session.apply_editor_settings(params.settings)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[
                types.CodeActionKind.QuickFix,
                types.CodeActionKind.SourceFixAll,
            ]
        ),
    )
    def code_action(
        ls: LlmopsLanguageServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        return ls.session.code_actions.actions(params)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(
        ls: LlmopsLanguageServer, params: types.HoverParams
    ) -> types.Hover | None:
        return ls.session.hover.hover(params)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_LINK)
    def document_link(
        ls: LlmopsLanguageServer, params: types.DocumentLinkParams
    ) -> list[types.DocumentLink] | None:
        return ls.session.links.document_links(params)

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(
        ls: LlmopsLanguageServer, params: types.DefinitionParams
    ) -> list[types.Location] | None:
        return ls.session.links.definition(params)

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=[":", " "]),
    )
    def completion(
        ls: LlmopsLanguageServer, params: types.CompletionParams
    ) -> types.CompletionList | None:
        return ls.session.completion.complete(params)

    from llmops_ls.lsp import assistant_features

    assistant_features.register(server)
    return server


async def _pull_configuration(ls: LlmopsLanguageServer) -> bool:
    """Ask the client for its `llmops-ls` settings; False when it cannot answer."""
    capabilities = ls.client_capabilities.workspace
    if capabilities is None or not capabilities.configuration:
        # The session reads initialization options itself when it is built.
        return ls._session is None and ls.initialization_options is not None
    try:
        answer = await ls.workspace_configuration_async(
            types.ConfigurationParams(
                items=[types.ConfigurationItem(section="llmops-ls")]
            )
        )
    except Exception:
        logger.warning("the client did not send its settings", exc_info=True)
        return False
    settings = answer[0] if answer else None
    if not settings and ls._session is None:
        return True
    ls.session.apply_editor_settings(_merged(ls.initialization_options, settings))
    return True


def _merged(initial: Any, pulled: Any) -> Any:
    """Pulled settings over initialization options."""
    if isinstance(initial, dict) and isinstance(pulled, dict):
        return {**initial, **pulled}
    return pulled if pulled is not None else initial


def _shows_inline_completions(capabilities: types.ClientCapabilities) -> bool:
    """Whether the client asks for inline completions as the developer types."""
    document = capabilities.text_document
    return document is not None and document.inline_completion is not None


def serve(
    tcp: str | None = None,
    *,
    verbose: bool = False,
    assistant_factory: AssistantFactory | None = None,
    assistant_preparer: AssistantPreparer | None = None,
) -> None:
    """Run the language server on stdio, or on TCP as `HOST:PORT` for debugging."""
    server = build_server(assistant_factory, assistant_preparer)
    install(server.log_handler, verbose=verbose)
    # Lints count in a worker process that is stopped when left unused, so that the
    # vocabulary's memory comes back (see `memory.EncodingReleaser`).
    tokens.keep_workers()
    logger.info("llmops-ls %s starting", __version__)
    if tcp is None:
        start_io(server)
        return
    host, _, port = tcp.rpartition(":")
    server.start_tcp(host or "127.0.0.1", int(port))
