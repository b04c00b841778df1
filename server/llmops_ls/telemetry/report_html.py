"""The HTML report: one self-contained file, inline CSS and SVG charts, no scripts."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from llmops_ls.telemetry.report import GroupStats, Report

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;
 background:#f5f6f8;color:#1d2433}
main{max-width:1120px;margin:0 auto;padding:28px 32px 48px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:0 0 12px}
.sub{color:#5b6475;margin-bottom:22px}
.cards{display:grid;grid-template-columns:repeat(5,1fr);gap:12px;margin-bottom:18px}
.card,.panel{background:#fff;border-radius:10px;box-shadow:0 1px 3px #0001}
.card{padding:14px 16px}.card b{display:block;font-size:24px;margin-top:2px}
.card span{color:#5b6475;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card small{color:#5b6475}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px;margin-bottom:16px}
.panel{padding:16px 18px;margin-bottom:16px}.grid .panel{margin-bottom:0}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:5px 8px;text-align:right;border-bottom:1px solid #eceef2}
th:first-child,td:first-child{text-align:left}
th{color:#5b6475;font-weight:600;font-size:12px}
svg text{font:12px system-ui,sans-serif;fill:#1d2433}.muted{fill:#5b6475}
.warn{background:#fff4e5;border-left:4px solid #f0a000;padding:10px 14px;
 margin-bottom:16px;border-radius:6px}
"""
_BLUE, _GREEN, _ORANGE, _GREY = "#3b6fd8", "#2e9d62", "#e8833a", "#e3e6ec"


def render_html(report: Report) -> str:
    """The report as one HTML document a browser shows without any other file."""
    t = report.total
    period = f"since {report.since[:10]}" if report.since else "all recorded time"
    cards = [
        ("Requests", f"{t.requests:,}", f"{t.errors:,} errors"),
        ("Acceptance", _rate(t.acceptance_rate), f"{t.accepted:,} of {t.decided:,}"),
        ("Cost", f"${t.cost:,.2f}", f"{t.input_tokens + t.output_tokens:,} tokens"),
        (
            "Latency p50 / p95",
            f"{_ms(t.latency_p50_ms)}",
            f"p95 {_ms(t.latency_p95_ms)}",
        ),
        ("First token p50", f"{_ms(t.ttft_p50_ms)}", f"p95 {_ms(t.ttft_p95_ms)}"),
    ]
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<title>llmops-ls telemetry report</title>",
        f"<style>{_CSS}</style></head><body><main>",
        "<h1>AI assistant usage</h1>",
        f"<div class=sub>{escape(period)} · generated {escape(report.generated)}</div>",
    ]
    if report.dropped_unsent:
        parts.append(
            f"<div class=warn>{report.dropped_unsent:,} events were dropped at the "
            "store's hard cap before they could be uploaded.</div>"
        )
    parts.append("<div class=cards>")
    for title, value, note in cards:
        parts.append(
            f"<div class=card><span>{escape(title)}</span><b>{escape(value)}</b>"
            f"<small>{escape(note)}</small></div>"
        )
    parts.append("</div>")
    parts.append(
        _panel(
            "Acceptance by model and tier",
            acceptance_chart(report.by_model_tier),
        )
    )
    parts.append("<div class=grid>")
    parts.append(_panel("Cost per day (USD)", cost_chart(report.by_day)))
    parts.append(
        _panel("Latency distribution (ms)", latency_chart(report.latency_histogram))
    )
    parts.append("</div>")
    for title, groups in (
        ("By tier", report.by_tier),
        ("By model", report.by_model),
        ("By kind", report.by_kind),
        ("By rules-file version", report.by_rules_version),
        ("By day", report.by_day),
    ):
        parts.append(_panel(title, _table(groups)))
    parts.append("</main></body></html>\n")
    return "".join(parts)


def _panel(title: str, body: str) -> str:
    return f"<section class=panel><h2>{escape(title)}</h2>{body}</section>"


def acceptance_chart(groups: Sequence[GroupStats], width: int = 1040) -> str:
    """Horizontal bars: acceptance rate per group, with the decided count."""
    shown = [g for g in groups if g.decided][:12]
    if not shown:
        return "<p class=muted>No decided completions yet.</p>"
    label_w, bar_h, gap = 330, 22, 8
    plot_w = width - label_w - 120
    height = len(shown) * (bar_h + gap) + 24
    out = [f'<svg width="100%" viewBox="0 0 {width} {height}" role=img>']
    for pct in (0, 25, 50, 75, 100):
        x = label_w + plot_w * pct / 100
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height - 18}" '
            f'stroke="{_GREY}"/><text x="{x:.1f}" y="{height - 4}" '
            f"text-anchor=middle class=muted>{pct}%</text>"
        )
    for i, g in enumerate(shown):
        y = i * (bar_h + gap)
        rate = g.acceptance_rate or 0.0
        colour = _GREEN if rate >= 0.3 else _ORANGE
        out.append(
            f'<text x="{label_w - 10}" y="{y + 15}" text-anchor=end>'
            f"{escape(_short(g.key, 46))}</text>"
            f'<rect x="{label_w}" y="{y}" width="{plot_w * rate:.1f}" height="{bar_h}" '
            f'rx=3 fill="{colour}"/>'
            f'<text x="{label_w + plot_w * rate + 6:.1f}" y="{y + 15}">'
            f"{rate:.0%} <tspan class=muted>of {g.decided:,}</tspan></text>"
        )
    out.append("</svg>")
    return "".join(out)


def cost_chart(days: Sequence[GroupStats], width: int = 500, height: int = 260) -> str:
    """Vertical bars: cost per day."""
    if not days:
        return "<p class=muted>No requests yet.</p>"
    days = list(days)[-31:]
    top = max(d.cost for d in days) or 1.0
    left, bottom, plot_h = 48, 36, height - 60
    step = (width - left - 10) / len(days)
    out = [f'<svg width="100%" viewBox="0 0 {width} {height}" role=img>']
    for frac in (0, 0.5, 1):
        y = 10 + plot_h * (1 - frac)
        out.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{_GREY}"/><text x="{left - 6}" y="{y + 4:.1f}" '
            f"text-anchor=end class=muted>{top * frac:.2f}</text>"
        )
    every = max(1, len(days) // 7)
    for i, d in enumerate(days):
        h = plot_h * d.cost / top
        x = left + i * step + step * 0.15
        out.append(
            f'<rect x="{x:.1f}" y="{10 + plot_h - h:.1f}" width="{step * 0.7:.1f}" '
            f'height="{h:.1f}" rx=2 fill="{_BLUE}"><title>{escape(d.key)}: '
            f"${d.cost:.4f}</title></rect>"
        )
        if i % every == 0:
            out.append(
                f'<text x="{x + step * 0.35:.1f}" y="{height - bottom + 18}" '
                f"text-anchor=middle class=muted>{escape(d.key[5:])}</text>"
            )
    out.append("</svg>")
    return "".join(out)


def latency_chart(
    histogram: Sequence[tuple[str, int]], width: int = 500, height: int = 260
) -> str:
    """Columns: how many requests took how long."""
    total = sum(c for _, c in histogram)
    if not total:
        return "<p class=muted>No latencies recorded yet.</p>"
    top = max(c for _, c in histogram)
    left, plot_h = 16, height - 60
    step = (width - 2 * left) / len(histogram)
    out = [f'<svg width="100%" viewBox="0 0 {width} {height}" role=img>']
    for i, (label, count) in enumerate(histogram):
        h = plot_h * count / top
        x = left + i * step + step * 0.1
        out.append(
            f'<rect x="{x:.1f}" y="{14 + plot_h - h:.1f}" width="{step * 0.8:.1f}" '
            f'height="{h:.1f}" rx=2 fill="{_ORANGE}"/>'
            f'<text x="{x + step * 0.4:.1f}" y="{10 + plot_h - h:.1f}" '
            f"text-anchor=middle class=muted>{count / total:.0%}</text>"
            f'<text x="{x + step * 0.4:.1f}" y="{height - 26}" '
            f"text-anchor=middle>{escape(label)}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def _table(groups: Sequence[GroupStats]) -> str:
    head = ("", "Requests", "Errors", "Acceptance", "Tokens in", "Tokens out",
            "Cost $", "p50 ms", "p95 ms", "TTFT p50", "TTFT p95")  # fmt: skip
    rows = ["<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for g in groups:
        cells = (g.key, f"{g.requests:,}", f"{g.errors:,}", _rate(g.acceptance_rate),
                 f"{g.input_tokens:,}", f"{g.output_tokens:,}", f"{g.cost:,.4f}",
                 _ms(g.latency_p50_ms), _ms(g.latency_p95_ms), _ms(g.ttft_p50_ms),
                 _ms(g.ttft_p95_ms))  # fmt: skip
        rows.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    rows.append("</table>")
    return "".join(rows)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rate(rate: float | None) -> str:
    return "\u2013" if rate is None else f"{rate:.0%}"


def _ms(value: float | None) -> str:
    return "\u2013" if value is None else f"{value:,.0f} ms"
