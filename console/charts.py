"""Bar charts as inline SVG, drawn on the server: no JavaScript, and text is escaped."""
from __future__ import annotations

from typing import List, Tuple

from markupsafe import Markup, escape


def bar_chart(title: str, bars: List[Tuple[str, float]], unit: str = "",
              width: int = 640, bar_height: int = 22) -> Markup:
    """Horizontal bars with labels and values; an accessible image with a title."""
    label_width, gap = 220, 6
    top = max((value for _, value in bars), default=0) or 1
    height = max(1, len(bars)) * (bar_height + gap) + gap
    parts = [f'<svg role="img" aria-label="{escape(title)}" class="chart" '
             f'viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    if not bars:
        parts.append(f'<text x="0" y="{bar_height}">No data yet</text>')
    for i, (label, value) in enumerate(bars):
        y = gap + i * (bar_height + gap)
        length = (width - label_width - 90) * value / top
        shown = f"{value:g}{unit}"
        parts.append(f'<text x="{label_width - 8}" y="{y + bar_height * 0.75}" '
                     f'text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{length:.1f}" '
                     f'height="{bar_height}" class="bar"/>')
        parts.append(f'<text x="{label_width + length + 6:.1f}" y="{y + bar_height * 0.75}">'
                     f"{escape(shown)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))
