"""A self-contained HTML page with gold, FP32 and INT8 entity spans of test documents side by side.

The page has inline CSS only and no scripts or external assets, so it opens offline.
"""

import colorsys
import html
import zlib

from nerel_mtl.metrics import strict_entities

STYLE = """
body { font-family: sans-serif; margin: 1em 2em; }
.legend span, mark { padding: 0 2px; border-radius: 3px; }
mark sub { font-size: 60%; color: #333; }
.doc { display: grid; grid-template-columns: 1fr 1fr 1fr; gap: 1em; margin-bottom: 2em; }
.doc h3 { grid-column: 1 / 4; margin-bottom: 0; }
.column { white-space: pre-wrap; line-height: 1.7; border: 1px solid #ccc; padding: .5em; }
.column h4 { margin: 0 0 .5em 0; }
mark.wrong { outline: 2px dashed #c00; }
"""


def type_color(type: str) -> str:
    """Return a light CSS colour that is stable for an entity type across pages."""
    hue = (zlib.crc32(type.encode("utf-8")) % 360) / 360
    red, green, blue = colorsys.hls_to_rgb(hue, 0.82, 0.7)
    return f"#{int(red * 255):02x}{int(green * 255):02x}{int(blue * 255):02x}"


def render_page(texts: dict, fp32_records, int8_records, documents: int) -> str:
    """Render the first `documents` prediction records of both models.

    `texts` maps a document id to its text; records are prediction records (see
    `nerel_mtl.metrics.load_predictions`) in the same document order for both models.
    """
    int8_by_id = {record["id"]: record for record in int8_records}
    chosen = [record for record in fp32_records if record["id"] in int8_by_id][:documents]
    types = sorted({
        tag.split("-", 1)[1]
        for record in chosen
        for tags in (record["gold_tags"], record["pred_tags"], int8_by_id[record["id"]]["pred_tags"])
        for tag in tags if tag != "O"
    })
    parts = [
        "<!DOCTYPE html>",
        '<html lang="ru"><head><meta charset="utf-8">',
        "<title>NEREL test: gold, FP32 and INT8 entities</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>NEREL test: gold, FP32 and INT8 entities</h1>",
        "<p>Strict IOB2 spans of the flat gold tags and of each model's tags. "
        "A dashed red outline marks a predicted span with no exact gold match.</p>",
        _legend(types),
    ]
    for record in chosen:
        parts.append(_document(texts[record["id"]], record, int8_by_id[record["id"]]))
    parts.append("</body></html>")
    return "\n".join(parts)


def _legend(types) -> str:
    items = " ".join(
        f'<span style="background:{type_color(type)}">{html.escape(type)}</span>' for type in types
    )
    return f'<p class="legend">Types: {items}</p>'


def _document(text: str, fp32: dict, int8: dict) -> str:
    words = fp32["words"]
    gold = set(strict_entities([fp32["gold_tags"]])[0])
    columns = [
        ("Gold", gold, gold),
        ("FP32", set(strict_entities([fp32["pred_tags"]])[0]), gold),
        ("INT8", set(strict_entities([int8["pred_tags"]])[0]), gold),
    ]
    parts = [f'<div class="doc"><h3>Document {html.escape(str(fp32["id"]))}</h3>']
    for title, spans, reference in columns:
        body = highlight(text, words, spans, reference)
        parts.append(f'<div class="column"><h4>{title}</h4>{body}</div>')
    parts.append("</div>")
    return "\n".join(parts)


def highlight(text: str, words, spans, reference=None) -> str:
    """Escape `text` and wrap each `(type, start, stop)` word span in a coloured <mark>.

    Spans must not overlap. A span missing from `reference` gets the class `wrong`.
    """
    pieces = []
    position = 0
    for type, start, stop in sorted(spans, key=lambda span: span[1]):
        begin, end = words[start][0], words[stop - 1][1]
        pieces.append(html.escape(text[position:begin]))
        wrong = reference is not None and (type, start, stop) not in reference
        css_class = ' class="wrong"' if wrong else ""
        pieces.append(
            f'<mark{css_class} style="background:{type_color(type)}" title="{html.escape(type)}">'
            f"{html.escape(text[begin:end])}<sub>{html.escape(type)}</sub></mark>"
        )
        position = end
    pieces.append(html.escape(text[position:]))
    return "".join(pieces)
