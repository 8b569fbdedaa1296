"""Inline SVG charts drawn here (no JavaScript, no library): they print, scale on phones and work offline.

Bar heights are computed from exact Decimal amounts; only the pixel coordinates are rounded.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from html import escape


def _px(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def bar_chart(bars: list[tuple[str, Decimal]], *, width: int = 560, height: int = 240, title: str = "") -> str:
    """A vertical bar chart of labelled amounts as an ``<svg>`` string (values label each bar)."""
    top, bottom, left = 24, 36, 8
    plot_h = Decimal(height - top - bottom)
    biggest = max([v for _, v in bars if v > 0], default=Decimal(0))
    slot = Decimal(width - 2 * left) / max(len(bars), 1)
    bar_w = slot * Decimal("0.6")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'class="chart" aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - left}" y2="{height - bottom}" class="axis"/>']
    for index, (label, value) in enumerate(bars):
        h = (plot_h * value / biggest) if biggest > 0 and value > 0 else Decimal(0)
        x = left + slot * index + (slot - bar_w) / 2
        y = Decimal(height - bottom) - h
        parts.append(f'<rect x="{_px(x)}" y="{_px(y)}" width="{_px(bar_w)}" height="{_px(h)}" '
                     f'class="bar bar-{index}"><title>{escape(label)}: {value:,.2f}</title></rect>')
        center = _px(x + bar_w / 2)
        parts.append(f'<text x="{center}" y="{_px(y - 6)}" text-anchor="middle" class="value">{value:,.2f}</text>')
        parts.append(f'<text x="{center}" y="{height - bottom + 18}" text-anchor="middle" class="label">'
                     f'{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
