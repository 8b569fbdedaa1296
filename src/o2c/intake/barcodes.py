"""Read barcodes from images (label photos, scanned case sheets, faxed packing slips).

Built on zxing-cpp. Each symbol comes back with its format, the raw text exactly as encoded (GS1
data keeps its GS separators, so nothing is lost between element strings), its AIM symbology
identifier, its corners on the *original* image, and, when it carries a UDI (GS1 or HIBC), the
parsed UDI.

Photos and scans are often small, dim, rotated or noisy. ``decode_barcodes`` therefore tries a
short ladder of preprocessing steps -- as-is, greyscale with stretched contrast, sharpened,
upscaled, binarised, rotated -- and stops at the first step that finds anything, so a clean image costs one
zxing call. A step whose pixels are those of a step already scanned is skipped (on a bilevel fax page
contrast and sharpening change nothing), and results zxing marks invalid are dropped.
"""
from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import zxingcpp
from PIL import Image, ImageFilter, ImageOps

from o2c.formats import gs1
from o2c.formats.udi import UdiError, UdiResult, parse_udi
from o2c.kernel.errors import InvalidValue

__all__ = ["DecodedSymbol", "decode_barcodes", "create_barcode_image", "create_gs1_datamatrix",
           "load_image"]

# Linear retail symbols whose whole content is a GTIN (a device identifier without production data).
_GTIN_FORMATS = {"EAN13", "EAN8", "UPCA", "ITF", "ITF14"}
Point = tuple[int, int]


@dataclass(frozen=True)
class DecodedSymbol:
    format: str                                  # zxing name: "DataMatrix", "Code128", "QRCode"...
    text: str                                    # raw content, GS (0x1D) separators preserved
    symbology_identifier: str                    # AIM id, e.g. "]d2" GS1 DataMatrix, "]C1" GS1-128
    is_gs1: bool
    corners: tuple[Point, Point, Point, Point]  # top-left, top-right, bottom-right, bottom-left
    udi: UdiResult | None = None
    udi_error: str | None = None
    step: str = "original"                       # the preprocessing step that found it

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) on the original image."""
        xs = [p[0] for p in self.corners]
        ys = [p[1] for p in self.corners]
        return min(xs), min(ys), max(xs), max(ys)

    @property
    def gs1_text(self) -> str:
        """The text with its symbology identifier, the form GS1 parsers and scanners exchange."""
        return self.symbology_identifier + self.text


# ----------------------------------------------------------------------------- input

def load_image(source) -> Image.Image:
    """Accept a PIL image, raw bytes of an image file, or a path."""
    if isinstance(source, Image.Image):
        return source
    try:
        if isinstance(source, (bytes, bytearray, memoryview)):
            image = Image.open(io.BytesIO(bytes(source)))
        elif isinstance(source, (str, Path)):
            image = Image.open(source)
        else:
            raise InvalidValue("image", f"cannot read an image from {type(source).__name__}")
        image.load()
        return image
    except (OSError, ValueError) as exc:
        raise InvalidValue("image", f"not a readable image: {exc}") from None


# ----------------------------------------------------------------------------- preprocessing

# A step returns the image to scan and a function mapping its points back onto the original.
Step = tuple[str, Callable[[Image.Image], tuple[Image.Image, Callable[[Point], Point]]]]


def _identity(image: Image.Image):
    return image, lambda p: p


def _grey_contrast(image: Image.Image):
    return ImageOps.autocontrast(ImageOps.grayscale(image), cutoff=1), lambda p: p


def _sharpen(image: Image.Image):
    """Soft-focus phone photos: a sharpening pass restores module edges for the binariser."""
    return ImageOps.grayscale(image).filter(ImageFilter.SHARPEN), lambda p: p


def _upscale(factor: int):
    def step(image: Image.Image):
        grey = ImageOps.grayscale(image)
        big = grey.resize((grey.width * factor, grey.height * factor), Image.Resampling.LANCZOS)
        return big, lambda p: (round(p[0] / factor), round(p[1] / factor))
    return step


def _binarise(image: Image.Image):
    """Otsu threshold on a lightly denoised greyscale: helps faxes and uneven photos."""
    grey = ImageOps.grayscale(image).filter(ImageFilter.MedianFilter(3))
    threshold = _otsu(grey.histogram())
    return grey.point(lambda v: 255 if v > threshold else 0), lambda p: p


def _otsu(histogram: list[int]) -> int:
    total = sum(histogram)
    grand = sum(i * h for i, h in enumerate(histogram))
    best, best_t, weight, cumulative = -1.0, 127, 0, 0
    for t, h in enumerate(histogram):
        weight += h
        cumulative += t * h
        if weight == 0 or weight == total:
            continue
        mean_b = cumulative / weight
        mean_f = (grand - cumulative) / (total - weight)
        between = weight * (total - weight) * (mean_b - mean_f) ** 2
        if between > best:
            best, best_t = between, t
    return best_t


def _rotate(quarter_turns: int):
    """Rotate counter-clockwise; the inverse maps rotated points back to the original frame."""
    transpose = {1: Image.Transpose.ROTATE_90, 2: Image.Transpose.ROTATE_180}[quarter_turns]

    def step(image: Image.Image):
        w, h = image.size
        rotated = ImageOps.grayscale(image).transpose(transpose)
        if quarter_turns == 1:
            return rotated, lambda p: (w - 1 - p[1], p[0])
        return rotated, lambda p: (w - 1 - p[0], h - 1 - p[1])
    return step


def _steps(image: Image.Image) -> Iterator[Step]:
    yield "original", _identity
    yield "contrast", _grey_contrast
    yield "sharpen", _sharpen
    if max(image.size) < 600:
        yield "upscale", _upscale(3 if max(image.size) < 250 else 2)
    yield "binarise", _binarise
    yield "rotate90", _rotate(1)
    yield "rotate180", _rotate(2)


# ----------------------------------------------------------------------------- decoding

def decode_barcodes(source, *, formats: zxingcpp.BarcodeFormats | None = None,
                    preprocess: bool = True) -> list[DecodedSymbol]:
    """Every barcode found on the image, in zxing's order; an empty list when there is none."""
    image = load_image(source)
    if image.mode not in ("L", "RGB", "RGBA"):
        # bilevel, palette, 16-bit...: one byte of grey per pixel is all zxing reads
        image = image.convert("L") if image.mode in ("1", "I;16", "I", "F") else image.convert("RGB")
    kwargs = {"text_mode": zxingcpp.TextMode.Plain}
    if formats is not None:
        kwargs["formats"] = formats
    scanned: set[bytes] = set()
    for name, step in _steps(image):
        prepared, back = step(image)
        if name != "original":
            key = _pixels_key(prepared)
            if key in scanned:
                continue                # same pixels as a step already scanned: same answer
            scanned.add(key)
        found = [b for b in zxingcpp.read_barcodes(prepared, **kwargs) if b.valid and b.text]
        if found:
            return [_symbol(b, back, name) for b in found]
        if not preprocess:
            break
        if name == "original":
            scanned.add(_pixels_key(ImageOps.grayscale(prepared)))
    return []


def _pixels_key(image: Image.Image) -> bytes:
    """A digest of a greyscale image's size and pixels. On a bilevel fax page, contrast stretching
    and sharpening give back exactly the page, so their zxing passes (a tenth of a second or more
    each on a full page) would only repeat the first one."""
    digest = hashlib.blake2b(image.tobytes(), digest_size=16)
    digest.update(f"{image.mode}{image.size}".encode())
    return digest.digest()


def _format_name(fmt) -> str:
    return repr(fmt).split(".")[-1].rstrip(">")


def _symbol(barcode, back: Callable[[Point], Point], step: str) -> DecodedSymbol:
    pos = barcode.position
    corners = tuple(back((pt.x, pt.y)) for pt in (pos.top_left, pos.top_right, pos.bottom_right,
                                                  pos.bottom_left))
    fmt = _format_name(barcode.format)
    sid = barcode.symbology_identifier or ""
    is_gs1 = barcode.content_type == zxingcpp.ContentType.GS1 or sid in gs1.GS1_SYMBOLOGIES
    udi, error = _udi_for(fmt, barcode.text, sid, is_gs1)
    return DecodedSymbol(fmt, barcode.text, sid, is_gs1, corners, udi, error, step)


def _udi_for(fmt: str, text: str, sid: str, is_gs1: bool) -> tuple[UdiResult | None, str | None]:
    """Parse only what can be a UDI: GS1 data, HIBC (``+``), a Digital Link, a bare GTIN symbol."""
    try:
        if fmt in _GTIN_FORMATS:
            if gs1.is_valid_gtin(text):
                return parse_udi(text), None
            return None, None
        if is_gs1:
            return parse_udi(sid + text if sid in gs1.GS1_SYMBOLOGIES else text), None
        if text.startswith("+") or text.startswith("*+"):
            return parse_udi(text), None
        if text.lower().startswith(("http://", "https://")):
            try:
                return parse_udi(text), None
            except UdiError:
                return None, None        # an ordinary web link, not a Digital Link
    except UdiError as exc:
        return None, str(exc)
    return None, None


# ----------------------------------------------------------------------------- writing (tests, labels)

def create_barcode_image(content: str, format: str = "Code128", *, gs1_data: bool = False,
                         scale: int = 3, quiet_zone: bool = True) -> Image.Image:
    """Render a barcode as a greyscale PIL image (for tests and demo labels).

    zxing-cpp 3.x takes GS1 mode as ``gs1=True`` at creation; an ``options="gs1"`` string is
    silently ignored, which would produce a non-GS1 symbol with the same digits.
    """
    fmt = getattr(zxingcpp.BarcodeFormat, format)
    kwargs = {"gs1": True} if gs1_data else {}
    if format == "DataMatrix":
        kwargs["forceSquare"] = True
    barcode = zxingcpp.create_barcode(content, fmt, **kwargs)
    rendered = memoryview(zxingcpp.write_barcode_to_image(barcode, scale=scale,
                                                          add_quiet_zones=quiet_zone))
    height, width = rendered.shape[:2]
    return Image.frombytes("L", (width, height), rendered.tobytes())


def create_gs1_datamatrix(hri: str, *, scale: int = 4) -> Image.Image:
    """A GS1 DataMatrix from the bracketed form, e.g. ``(01)…(17)…(10)…``, validated first."""
    gs1.parse_hri(hri)
    return create_barcode_image(hri, "DataMatrix", gs1_data=True, scale=scale)
