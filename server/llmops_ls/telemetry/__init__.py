"""Telemetry: request events and outcomes, the local store, the OTLP uploader, reports.

This package is the only one that imports sqlite-utils. The editor hands events to a
`TelemetryWriter` (never blocking); the `Uploader` delivers them over OTLP/HTTP.
"""
