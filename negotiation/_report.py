"""One self-contained, interactive HTML report of a pair's tariffs over a range (needs the ``report`` extra).

The page works offline: the Vega, Vega-Lite and Vega-Embed JavaScript (from ``vl-convert-python``), the chart's
specification and its data are all inlined, and a Content-Security-Policy lets the page load nothing else. The
only script of our own is the call that embeds the chart. Text from the log is escaped everywhere it is shown
(HTML-escaped, control and bidirectional characters made visible), and a source link is kept only for an
``http`` or ``https`` address.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from events import AnyEvent, Record, converter
from events._codec import _replace_atomically  # the one home of all-or-nothing file writes (flushed, mode kept)

from ._report_data import ReportData, describe, gather
from ._safe import for_terminal
from ._tariffs import QuotaChoice

__all__ = ["report"]

SERIES_ID = "tariff-series"
"""The id of the ``<script type="application/json">`` block that holds :func:`negotiation.tariff_series`'s rows."""

_EMBED = ('vegaEmbed("#chart", JSON.parse(document.getElementById("chart-spec").textContent), '
          '{"actions": false, "renderer": "svg"})'
          '.then(function (result) { window.reportView = result.view; })'
          '.catch(function (error) { console.error(error); });')
"""The one line of JavaScript the report runs: embed the chart; keep its view for the tests; report a failure."""

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; color: #222; margin: 24px auto; max-width: 1300px; padding: 0 16px; }
h1 { font-size: 20px; margin: 0 0 4px; }
.sub { color: #555; margin: 0 0 16px; }
#chart { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; position: sticky; top: 0; }
td.day { white-space: nowrap; }
code { font-size: 12px; }
footer { margin-top: 20px; padding-top: 8px; border-top: 2px solid #ccc; color: #333; }
footer li { margin: 2px 0; }
"""


def _h(value: object) -> str:
    """Text from the log, safe inside HTML: control and bidirectional characters written as escapes, then HTML-escaped."""
    return html.escape(for_terminal(str(value)), quote=True)


def _script_json(data: Any) -> str:
    """JSON for a ``<script type="application/json">`` block: ASCII only, ``<``, ``>`` and ``&`` as ``\\u`` escapes,
    so that no text in it can close the block or hide in it; ``json.loads`` of the block's text gives ``data`` back."""
    text = json.dumps(data, ensure_ascii=True, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _link(event: AnyEvent) -> str:
    """The event's source: publisher and title, the title a link only for an http(s) address."""
    source = event.source
    if source is None:
        return "no source"
    title = _h(source.title)
    url = source.url
    parts = urlsplit(url) if url is not None and for_terminal(url) == url and url.strip() == url else None
    if parts is not None and parts.scheme in ("http", "https") and parts.netloc:
        title = f'<a href="{html.escape(url or "", quote=True)}" rel="noopener noreferrer">{title}</a>'
    published = f", {source.published}" if source.published else ""
    return f"{_h(source.publisher)}: {title}{published}"


def _table(shown: dict[str, AnyEvent]) -> str:
    rows = "\n".join(
        f"<tr><td class=\"day\">{event.effective}</td><td class=\"day\">{event.recorded:%Y-%m-%d %H:%M}</td>"
        f"<td>{_h(event.TYPE)}</td><td><code>{_h(event_id)}</code></td><td>{_h(describe(event))}</td>"
        f"<td>{_link(event)}</td></tr>"
        for event_id, event in shown.items()
    )
    return ("<table id=\"events\"><thead><tr><th>effective</th><th>recorded (UTC)</th><th>type</th><th>event</th>"
            f"<th>what</th><th>source</th></tr></thead>\n<tbody>\n{rows}\n</tbody></table>")


def _footnote(data: ReportData) -> str:
    items = "".join(f"<li>{_h(note)}</li>" for note in data.coverage)
    rules = "".join(f"<li>{day}: {_h(words)}</li>" for day, words in data.projection)
    projected = (f"<p>The projected days rest on these rules of the log:</p><ul>{rules}</ul>" if rules else "")
    return f'<footer id="coverage"><h2>What the figures cover</h2><ul>{items}</ul>{projected}</footer>'


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def _page(data: ReportData, spec: dict[str, Any], bundle: str) -> str:
    if "</script" in bundle.lower() or "<!--" in bundle:
        raise ValueError("the bundled JavaScript holds '</script' or '<!--': it cannot be inlined safely")
    policy = (f"default-src 'none'; script-src {_csp_hash(bundle)} {_csp_hash(_EMBED)} 'unsafe-eval'; "
              "style-src 'unsafe-inline'; img-src data:; font-src data:; connect-src 'none'; "
              "base-uri 'none'; form-action 'none'")
    series = _script_json(converter.unstructure(list(data.rows)))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{html.escape(policy, quote=True)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_h(data.title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>{_h(data.title)}</h1>
<p class="sub">Made by negotiation-state from an event log; every figure is the library's own
(<code>negotiation.tariff_series</code>). The data are in this file: it opens offline.</p>
<div id="chart"></div>
{_footnote(data)}
<h2>Events shown ({len(data.shown)})</h2>
{_table(data.shown)}
<script type="application/json" id="{SERIES_ID}">{series}</script>
<script type="application/json" id="chart-spec">{_script_json(spec)}</script>
<script>{bundle}</script>
<script>{_EMBED}</script>
</body>
</html>
"""


def report(
    log: Iterable[Record],
    *,
    start: date,
    end: date,
    imposer: str = "USA",
    target: str = "CHN",
    product: str | None = None,
    base: Decimal | None = None,
    quota: QuotaChoice = None,
    known_at: datetime | None = None,
    path: str | os.PathLike[str] | None = None,
) -> str:
    """A self-contained interactive HTML report of ``imposer``'s tariff on goods of ``target`` from ``start`` to
    ``end`` (inclusive), from one forward fold; written to ``path`` too when given (all or nothing).

    The page holds: the daily duty stacked by layer (the base first where every day has one), the projected days
    after the log's horizon shaded, a tooltip per day with each layer's contribution, event and source; the
    accords' windows with their deadlines and extensions; talks, leaders' calls and meetings and rulings as
    markers; instruments and suspended layer parts in a band of their own, never as rates; pan and zoom on the
    time axis; a table of every event shown with its source link; and a footnote of what the figures cover
    (base included or not, the measures the log holds, ``known_at``, the horizon). It needs no network: every
    script and style is inlined. :func:`negotiation.tariff_series`'s rows for the same arguments are in the
    ``<script type="application/json" id="tariff-series">`` block (dates ISO, rates as exact decimal strings).

    Args:
        log: The events, in any order.
        start, end: The first and last day shown.
        imposer, target: The pair (alpha-3 codes).
        product, base, quota: As :func:`negotiation.tariff_series`: an HS code, the base (MFN) rate in percent,
            the side of a tariff-rate quota.
        known_at: Only events recorded at or before this instant.
        path: Where to write the page (UTF-8), or ``None``.

    Returns:
        The HTML text (about 1 MB: the chart library is most of it).

    Raises:
        ImportError: the ``report`` extra (altair, vl-convert-python) is not installed; ``exc.name`` names the module.
        OSError: ``path`` cannot be written (nothing is left half-written).
        QueryError, InconsistentEventError: as :func:`negotiation.tariff_series`.
    """
    try:
        import vl_convert

        from ._report_chart import chart_spec, vega_lite_version
    except ImportError as exc:
        raise ImportError(
            "negotiation.report needs altair and vl-convert-python: install the 'report' extra, "
            "e.g. pip install 'negotiation-state[report]'", name=exc.name,
        ) from exc
    version = vega_lite_version()
    if version not in vl_convert.get_vegalite_versions():
        raise ImportError(f"altair writes Vega-Lite {version}, which this vl-convert-python does not bundle (it has "
                          f"{', '.join(vl_convert.get_vegalite_versions())}): upgrade vl-convert-python", name="vl_convert")
    data = gather(log, start, end, imposer=imposer, target=target, product=product, base=base, quota=quota,
                  known_at=known_at)
    # The standard bundle (no snippet: vega, vegaLite and vegaEmbed on window); the stub wants a snippet string.
    bundle = vl_convert.javascript_bundle(None, vl_version=version)  # type: ignore[arg-type]
    page = _page(data, chart_spec(data), bundle)
    if path is not None:
        _replace_atomically(path, page.encode("utf-8"))
    return page
