"""Text that changes every day, blended straight into a canvas's pixels from cached FreeType glyphs.

matplotlib lays out and draws a Text in about 2 ms on this machine, most of it FreeType loading every
glyph again (`FT2Font.set_text`, ~40 µs a glyph): a map with forty numbers a day would spend 80 ms
on them. A Stamp renders each character of its font once, builds a string's alpha mask from the
cached glyphs and blends it into the pixels: tens of microseconds a string (bench/viz.md). No kerning
(digits have none) and no rotation: labels, not typesetting. The glyphs are matplotlib's own
(its font, size and hinting), so a stamp looks like the names drawn by matplotlib beside it.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.backends.backend_agg import get_hinting_flag
from matplotlib.colors import to_rgb
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font

MASKS_KEPT = 2048           # strings whose masks are kept (a day repeats most of yesterday's)


class Glyph:
    """One character's alpha mask, where its ink starts against the pen (px) and how far it moves
    the pen (hinted, whole pixels, as FT2Font.set_text lays a string out)."""

    def __init__(self, font: FT2Font, char: str):
        flags = get_hinting_flag()
        font.set_text(char, 0.0, flags=flags)
        font.draw_glyphs_to_bitmap(antialiased=True)
        self.mask = np.asarray(font.get_image()).copy()
        self.xmin = font.get_bitmap_offset()[0] / 64          # the ink box's left edge
        self.left = math.floor(self.xmin)
        # FreeType's image of a string starts one pixel above its ink's top
        self.baseline = self.mask.shape[0] - 1 - round(font.get_descent() / 64)   # the baseline's row
        self.advance = round(font.load_char(ord(char), flags=flags).horiAdvance / 64)


class Stamp:
    """A font (size, weight, colour) that draws short strings into an RGBA canvas buffer."""

    def __init__(self, size_pt: float, dpi: float, colour="0.1", weight: str = "normal"):
        # a font object of its own: matplotlib's are shared per thread, and each set_size changes them
        self.font = FT2Font(findfont(FontProperties(size=size_pt, weight=weight)))
        self.font.set_size(size_pt, dpi)
        self.colour = (np.array(to_rgb(colour)) * 255).astype(np.uint16)
        self.glyphs: dict[str, Glyph] = {}
        self.masks: dict[str, tuple[np.ndarray, int, int]] = {}

    def glyph(self, char: str) -> Glyph:
        g = self.glyphs.get(char)
        if g is None:
            g = self.glyphs[char] = Glyph(self.font, char)
        return g

    def mask(self, text: str) -> tuple[np.ndarray, int, int]:
        """The string's alpha mask, the row of its baseline and its ink's offset from the pen (px)."""
        hit = self.masks.get(text)
        if hit is not None:
            return hit
        glyphs = [self.glyph(c) for c in text]
        # as FreeType lays out a string for matplotlib: each glyph at int(pen + floor(its xmin) - the
        # string's xmin), the string at round(its xmin) (rounded advances alone drift apart)
        pens, pen = [], 0
        for g in glyphs:
            pens.append(pen)
            pen += g.advance
        xmin = min((p + g.xmin for p, g in zip(pens, glyphs, strict=True)), default=0.0)
        lefts = [max(0, int(p + g.left - xmin)) for p, g in zip(pens, glyphs, strict=True)]
        above = max((g.baseline for g in glyphs), default=0)
        below = max((g.mask.shape[0] - g.baseline for g in glyphs), default=0)
        mask = np.zeros((above + below, max((x + g.mask.shape[1] for x, g in zip(lefts, glyphs, strict=True)), default=0)), np.uint8)
        for left, g in zip(lefts, glyphs, strict=True):
            h, w = g.mask.shape
            top = above - g.baseline
            np.maximum(mask[top:top + h, left:left + w], g.mask, out=mask[top:top + h, left:left + w])
        if len(self.masks) > MASKS_KEPT:
            self.masks.clear()
        self.masks[text] = hit = (mask, above, round(xmin))
        return hit

    def width(self, text: str) -> int:
        return self.mask(text)[0].shape[1]

    def draw(self, pixels: np.ndarray, x: float, y: float, text: str, ha: str = "left") -> None:
        """Blend `text` into `pixels` (a canvas's RGBA buffer, top row first) with its baseline at
        display point (x, y), y counted up from the bottom as matplotlib counts it."""
        mask, baseline, offset = self.mask(text)
        h, w = mask.shape
        left = round(x) + offset - {"left": 0, "center": w // 2, "right": w}[ha]
        top = pixels.shape[0] - round(y) - baseline
        # clip to the canvas
        r0, c0 = max(0, top), max(0, left)
        r1, c1 = min(pixels.shape[0], top + h), min(pixels.shape[1], left + w)
        if r0 >= r1 or c0 >= c1:
            return
        alpha = mask[r0 - top:r1 - top, c0 - left:c1 - left, None].astype(np.uint16)
        region = pixels[r0:r1, c0:c1, :3]
        region[:] = (region * (255 - alpha) + self.colour * alpha) // 255
