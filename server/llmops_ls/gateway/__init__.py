"""The way to the organisation's LLM gateway; the only importer of httpx.

`client` speaks the OpenAI wire format (streamed or not) with timeouts, retries, the
fallback chain and a circuit breaker; `filter` scans everything that leaves; `fim`
builds fill-in-the-middle prompts; `assistant` ties routing, the client and recording
together for the editor.
"""
