"""Pad signatures: strokes of normalised points rendered as vector lines in a reportlab Drawing.

A stroke is a list of ``[x, y]`` points with coordinates in 0..1, ``y`` growing downwards (screen
convention, as captured by the pad). The drawing keeps the aspect ratio of the strokes' bounding box and
centres it in the box.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from reportlab.graphics.shapes import Drawing, PolyLine

from app.services.printing.base import FONT, INK

Point = tuple[float, float]
Stroke = tuple[Point, ...]


class InvalidSignatureError(ValueError):
    """Strokes that are not lists of [x, y] points with finite coordinates in 0..1."""


def clean_strokes(strokes: Sequence[Sequence[Sequence[float]]] | None) -> tuple[Stroke, ...]:
    """Validate strokes and return them as tuples; empty strokes are dropped.

    Raises :class:`InvalidSignatureError` on malformed data (a point that is not two finite numbers
    within 0..1, with a small tolerance for pad jitter, which is clamped).
    """
    result: list[Stroke] = []
    for stroke in strokes or ():
        points: list[Point] = []
        for point in stroke:
            if len(point) != 2:
                raise InvalidSignatureError("Un point de signature doit avoir deux coordonnées.")
            x, y = float(point[0]), float(point[1])
            if not (math.isfinite(x) and math.isfinite(y)) or not (-0.05 <= x <= 1.05 and -0.05 <= y <= 1.05):
                raise InvalidSignatureError("Coordonnées de signature hors du cadre.")
            points.append((min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)))
        if points:
            result.append(tuple(points))
    return tuple(result)


def has_signature(strokes: Sequence[Sequence[Sequence[float]]] | None) -> bool:
    """True when the strokes hold at least one point (a blank pad is no signature)."""
    try:
        return bool(clean_strokes(strokes))
    except InvalidSignatureError:
        return False


def signature_drawing(
    strokes: Sequence[Sequence[Sequence[float]]] | None,
    width: float,
    height: float,
    *,
    padding: float = 3.0,
    stroke_width: float = 1.1,
) -> Drawing | None:
    """A Drawing of ``width`` × ``height`` points with the strokes scaled into it, or None when empty."""
    cleaned = clean_strokes(strokes)
    if not cleaned:
        return None
    xs = [x for stroke in cleaned for x, _ in stroke]
    ys = [y for stroke in cleaned for _, y in stroke]
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
    span_x = max(max_x - min_x, 1e-6)
    span_y = max(max_y - min_y, 1e-6)
    inner_w, inner_h = width - 2 * padding, height - 2 * padding
    scale = min(inner_w / span_x, inner_h / span_y)
    off_x = padding + (inner_w - span_x * scale) / 2
    off_y = padding + (inner_h - span_y * scale) / 2
    drawing = Drawing(width, height, initialFontName=FONT, initialFontSize=9)
    for stroke in cleaned:
        coords: list[float] = []
        for x, y in stroke:
            coords.append(off_x + (x - min_x) * scale)
            coords.append(height - off_y - (y - min_y) * scale)  # pad y grows downwards
        if len(stroke) == 1:  # a dot
            coords += [coords[0] + 0.6, coords[1]]
        drawing.add(
            PolyLine(coords, strokeColor=INK, strokeWidth=stroke_width, strokeLineCap=1, strokeLineJoin=1)
        )
    return drawing
