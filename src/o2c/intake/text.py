"""Text acquisition: turn the bytes of a page-like document into positioned words.

Every input kind (PDF with a text layer, scanned PDF, image, fax TIFF, spreadsheet, CSV, plain text)
ends up as the same structure: pages of words with a bounding box and a confidence, grouped into
lines. The layout parser (``o2c.intake.layout``) then works on geometry only, so one parser serves
all kinds. Coordinates are in points for PDFs, pixels for images and a synthetic grid for tables
and plain text; only relative positions matter downstream.
"""
from __future__ import annotations

import csv
import io
import os
import time
from dataclasses import dataclass, field
from statistics import median
from typing import Callable, Sequence

#: below this mean word confidence a scanned page is OCR'd a second time with another page model.
LOW_CONFIDENCE_RETRY = 0.45
#: images whose resolution is below this many dpi are upscaled before OCR (tesseract wants ~300).
MIN_OCR_DPI = 180
TARGET_OCR_DPI = 200
PDF_RENDER_DPI = 300
#: a page skewed less than this many degrees is read as it is.
DESKEW_FROM = 0.3


@dataclass
class Word:
    """One word with its box (top-left origin, y grows downwards) and a 0..1 confidence."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float = 1.0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def yc(self) -> float:
        return (self.y0 + self.y1) / 2


class WordRun:
    """Geometry of a run of words (a line, a phrase): the box around them and their text."""

    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def y0(self) -> float:
        return min(w.y0 for w in self.words)

    @property
    def y1(self) -> float:
        return max(w.y1 for w in self.words)

    @property
    def height(self) -> float:
        return median(w.height for w in self.words)


@dataclass
class Line(WordRun):
    """Words sharing a baseline band, left to right."""

    words: list[Word]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)


@dataclass
class Page:
    number: int
    width: float
    height: float
    words: list[Word]
    lines: list[Line] = field(default_factory=list)
    ocr: bool = False
    ocr_seconds: float = 0.0
    seconds: float = 0.0
    #: the deskewed, rescaled image tesseract read (OCR pages only) and the factor from page
    #: coordinates to its pixels, so a few cells can be read again (``reread_cells``).
    ocr_image: object = field(default=None, repr=False, compare=False)
    ocr_scale: float = 1.0
    #: the degrees the image was turned (counter-clockwise) to straighten it before OCR: the words
    #: are in the straightened frame, a barcode found on the image as it came is not (``image_point``).
    ocr_angle: float = 0.0

    def image_point(self, x: float, y: float) -> tuple[float, float]:
        """A point of the page image as it came (a barcode's corner), in this page's coordinates:
        turned about the image centre as the image was before OCR."""
        if not self.ocr_angle:
            return x, y
        import math
        cx, cy = self.width / 2, self.height / 2
        a = math.radians(self.ocr_angle)
        dx, dy = x - cx, y - cy
        return cx + dx * math.cos(a) + dy * math.sin(a), cy - dx * math.sin(a) + dy * math.cos(a)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass
class TextDocument:
    filename: str
    source_kind: str  # text_pdf | scanned_pdf | image | spreadsheet | text
    pages: list[Page]
    warnings: list[str] = field(default_factory=list)
    #: the page images that were OCR'd (PIL, index = page - 1, None for text pages), kept for
    #: barcode decoding: a DataMatrix on a sticker is read more reliably than its printed text.
    images: list = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        return "\n\f".join(p.text for p in self.pages)


# ------------------------------------------------------------------ grouping
def group_lines(words: list[Word]) -> list[Line]:
    """Group words into lines by vertical overlap, because OCR and PDF words of one printed line
    rarely share an exact baseline (subscripts, mixed fonts, slightly skewed scans). A word far
    taller than the page's text (OCR reading a column of line numbers as one blob) would bridge
    several printed lines into one: such words join the line they overlap most, after the others
    are grouped, and never widen a line's band."""
    heights = sorted(w.height for w in words)
    tall_from = 2.2 * heights[len(heights) // 2] if heights else 0.0
    normal = [w for w in words if w.height <= tall_from]
    tall = [w for w in words if w.height > tall_from]
    lines: list[list[Word]] = []
    for w in sorted(normal, key=lambda w: (w.yc, w.x0)):
        best = None
        for cand in lines[-4:]:
            top = min(x.y0 for x in cand)
            bot = max(x.y1 for x in cand)
            overlap = min(bot, w.y1) - max(top, w.y0)
            if overlap > 0.5 * min(w.height, bot - top):
                best = cand
        if best is None:
            lines.append([w])
        else:
            best.append(w)
    bands = [(min(x.y0 for x in ws), max(x.y1 for x in ws)) for ws in lines]
    for w in sorted(tall, key=lambda w: (w.yc, w.x0)):
        overlaps = [min(bot, w.y1) - max(top, w.y0) for top, bot in bands]
        k = max(range(len(overlaps)), key=overlaps.__getitem__) if overlaps else None
        if k is None or overlaps[k] <= 0:
            lines.append([w])
            bands.append((w.y0, w.y1))
        else:
            lines[k].append(w)
    result = [Line(sorted(ws, key=lambda w: w.x0)) for ws in lines]
    result.sort(key=lambda l: (l.y0 + l.y1) / 2)
    return result


def make_page(number: int, width: float, height: float, words: list[Word], ocr: bool = False) -> Page:
    words = [w for w in words if w.text.strip()]
    return Page(number=number, width=width, height=height, words=words, lines=group_lines(words), ocr=ocr)


# ------------------------------------------------------------------ entry point
def acquire(data: bytes, filename: str) -> TextDocument:
    """Read any supported page-like document. The kind is sniffed from the bytes first and the file
    name second, because mail attachments and uploads often carry wrong extensions."""
    name = filename.lower()
    if data[:5] == b"%PDF-":
        return _acquire_pdf(data, filename)
    if data[:4] in (b"II*\x00", b"MM\x00*") or data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff" \
            or data[:2] == b"BM" or data[:4] == b"GIF8" or name.endswith((".png", ".jpg", ".jpeg", ".tif", ".tiff")):
        return _acquire_image(data, filename)
    if data[:2] == b"PK" or name.endswith((".xlsx", ".xlsm")):
        return _acquire_xlsx(data, filename)
    if name.endswith((".csv", ".tsv")):
        return _acquire_csv(data, filename)
    return _acquire_plain(data, filename)


# ------------------------------------------------------------------ PDF
def _acquire_pdf(data: bytes, filename: str) -> TextDocument:
    """Use the text layer where a page has one; render and OCR the pages that do not."""
    import pdfplumber

    pages: list[Page] = []
    images: dict[int, object] = {}
    scanned = 0
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for i, p in enumerate(pdf.pages):
            t0 = time.perf_counter()
            raw = p.extract_words(x_tolerance=1.5, y_tolerance=2, keep_blank_chars=False, use_text_flow=False)
            words = [Word(w["text"], float(w["x0"]), float(w["top"]), float(w["x1"]), float(w["bottom"]), 1.0)
                     for w in raw if w["text"].strip()]
            if len(words) >= 3:
                page = make_page(i + 1, float(p.width), float(p.height), words)
            else:
                scanned += 1
                image = _render_pdf_page(data, i)
                images[i] = image
                page = _ocr_page(image, i + 1, dpi=PDF_RENDER_DPI)
            page.seconds = time.perf_counter() - t0
            pages.append(page)
    kind = "scanned_pdf" if scanned and scanned == len(pages) else "text_pdf"
    return TextDocument(filename, kind, pages, images=[images.get(i) for i in range(len(pages))])


def _render_pdf_page(data: bytes, index: int):
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        return pdf[index].render(scale=PDF_RENDER_DPI / 72, grayscale=True).to_pil()
    finally:
        pdf.close()


# ------------------------------------------------------------------ images and OCR
def _acquire_image(data: bytes, filename: str) -> TextDocument:
    """Every frame of a (fax) TIFF is a page."""
    from PIL import Image, ImageSequence

    img = Image.open(io.BytesIO(data))
    dpi = _image_dpi(img)
    pages, images = [], []
    for i, frame in enumerate(ImageSequence.Iterator(img)):
        t0 = time.perf_counter()
        frame = frame.copy()
        images.append(frame)
        page = _ocr_page(frame, i + 1, dpi=dpi)
        page.seconds = time.perf_counter() - t0
        pages.append(page)
    return TextDocument(filename, "image", pages, images=images)


def _image_dpi(img) -> float | None:
    """The resolution the file states, when plausible; fax TIFFs state 204x196 or 200x200."""
    dpi = img.info.get("dpi")
    try:
        value = float(min(dpi)) if dpi else None
    except (TypeError, ValueError):
        value = None
    return value if value and 50 <= value <= 1200 else None


def prepare_for_ocr(image, dpi: float | None = None):
    """Greyscale, upscale low-resolution pages, and straighten skew: the cheap steps that help
    tesseract most. Returns (image, scale) where scale maps output pixels back to input pixels."""
    from PIL import Image

    im = image.convert("L")
    # A letter page is ~11in tall: infer the resolution from the pixel height when the file is silent.
    est_dpi = dpi or max(im.size) / 11.0
    scale = 1.0
    if est_dpi < MIN_OCR_DPI:
        scale = min(TARGET_OCR_DPI / est_dpi, 3.0)
        im = im.resize((int(im.width * scale), int(im.height * scale)), Image.LANCZOS)
    angle = estimate_skew(im)
    if abs(angle) >= DESKEW_FROM:
        im = im.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    return im, scale, angle


def estimate_skew(im, max_angle: float = 10.0, step: float = 0.25, coarse: float = 1.0) -> float:
    """Skew angle in degrees by projection profile: text rows give the sharpest row-sum profile when
    they are horizontal. A phone photo may be turned 10 degrees, a scan a few tenths: the angles are
    searched ``coarse`` degrees apart over +-``max_angle``, then ``step`` apart within a coarse step
    of the best, so the wide search costs what a fine one over +-4 did. Works on a small thumbnail
    so it costs a few percent of an OCR run."""
    from PIL import Image

    thumb = im.copy()
    thumb.thumbnail((500, 650))
    thumb = thumb.point(lambda v: 255 if v < 128 else 0)  # ink is 255, paper 0
    scores: dict[float, float] = {}

    def score(a: float) -> float:
        if a not in scores:
            rot = thumb.rotate(a, resample=Image.NEAREST, expand=False, fillcolor=0)
            scores[a] = _profile_sharpness(list(rot.resize((1, rot.height), Image.BOX).convert("L").tobytes()))
        return scores[a]

    def best(angles: list[float]) -> float:
        # the sharpest profile; of equal ones the smallest turn
        return max(angles, key=lambda a: (round(score(a), 6), -abs(a)))

    n = int(max_angle / coarse)
    rough = best([k * coarse for k in range(-n, n + 1)])
    k = int(round(coarse / step))
    return best([round(rough + j * step, 4) for j in range(-k, k + 1) if abs(rough + j * step) <= max_angle])


def _profile_sharpness(profile: list[int]) -> float:
    """Sum of squared differences of adjacent row sums: large when rows alternate ink / paper."""
    return float(sum((b - a) ** 2 for a, b in zip(profile, profile[1:])))


def _ocr_page(image, number: int, dpi: float | None = None) -> Page:
    """OCR one page once with tesseract (a second run only when the first is nearly unreadable) and
    map word boxes back to the original image's pixel grid."""
    import pytesseract

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    im, scale, angle = prepare_for_ocr(image, dpi)
    t0 = time.perf_counter()
    words = _tesseract_words(pytesseract, im, os.environ.get("O2C_OCR_PSM", "--psm 3"))
    mean_conf = sum(w.confidence for w in words) / len(words) if words else 0.0
    if mean_conf < LOW_CONFIDENCE_RETRY:
        retry = _tesseract_words(pytesseract, im, "--psm 6")
        retry_conf = sum(w.confidence for w in retry) / len(retry) if retry else 0.0
        if retry_conf > mean_conf:
            words = retry
    ocr_seconds = time.perf_counter() - t0
    if scale != 1.0:
        words = [Word(w.text, w.x0 / scale, w.y0 / scale, w.x1 / scale, w.y1 / scale, w.confidence) for w in words]
    page = make_page(number, float(image.width), float(image.height), words, ocr=True)
    page.ocr_seconds = ocr_seconds
    page.ocr_image, page.ocr_scale = im, scale
    page.ocr_angle = angle if abs(angle) >= DESKEW_FROM else 0.0
    return page


def ocr_text(im, config: str = "--psm 6") -> str:
    """The text tesseract reads on an image, one printed line per line, through the same engine as
    page OCR (for pictures inside a text PDF, such as a letterhead)."""
    import pytesseract

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    return "\n".join(line.text for line in group_lines(_tesseract_words(pytesseract, im, config)))


def _tesseract_words(pytesseract, im, config: str) -> list[Word]:
    """The words tesseract reads on ``im`` with ``config`` (``--psm N`` and ``-c name=value``): from the
    library loaded in this process when it can be (``_Engines``), else from the tesseract program
    through pytesseract. Both give the same words for the same pixels."""
    data = _ENGINES.read(im, config)
    if data is None:
        data = pytesseract.image_to_data(_uncompressed(im), config=config, output_type=pytesseract.Output.DICT)
    words = []
    for text, left, top, width, height, conf in zip(data["text"], data["left"], data["top"], data["width"],
                                                    data["height"], data["conf"]):
        text = (text or "").strip()
        try:
            c = float(conf)
        except (TypeError, ValueError):
            c = -1.0
        if not text or c < 0:
            continue
        words.append(Word(text, float(left), float(top), float(left + width), float(top + height),
                          max(0.0, min(1.0, c / 100.0))))
    return words


def _uncompressed(im):
    """The image handed to tesseract as a PGM file: pytesseract writes a PNG unless told otherwise,
    and compressing a noisy page scan costs about half as long as reading it. PGM carries no
    resolution either, so tesseract sees exactly what it would from the PNG."""
    if im.mode != "L":
        im = im.convert("L")
    elif im.format:
        im = im.copy()
    im.format = "PPM"
    return im


class _Engines:
    """Tesseract's library (libtesseract, through its C API) loaded once in this process.

    The tesseract program loads its model on every run: about a tenth of a second of CPU, a fifth of
    a 150-dpi page's reading, paid again by every re-read of a few cells. Here an engine keeps the
    model loaded and reads the page's pixels directly (no image file written and decoded); its words
    are those of the program on the same pixels. An engine serves one thread at a time: idle engines
    wait in a pool per set of ``-c`` variables (they stay set on an engine), a busy pool grows.
    ``O2C_OCR_ENGINE=program`` or a library that cannot be loaded leaves OCR to the program."""

    _TSV_COLUMNS = ("level", "page_num", "block_num", "par_num", "line_num", "word_num", "left", "top",
                    "width", "height", "conf", "text")

    def __init__(self):
        import threading
        self._lock = threading.Lock()
        self._lib = None
        self._loaded = False
        self._idle: dict[tuple, list[int]] = {}
        self._all: list[int] = []

    def _library(self):
        if self._loaded:
            return self._lib
        with self._lock:
            if not self._loaded:
                self._lib = self._load()
                self._loaded = True
        return self._lib

    def _load(self):
        if os.environ.get("O2C_OCR_ENGINE", "library").lower() == "program":
            return None
        import ctypes
        import ctypes.util
        # OpenMP reads its thread limit when it is loaded (with the library): one thread, as for the program.
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        names = [n for n in (ctypes.util.find_library("tesseract"), "libtesseract.so.5", "libtesseract.5.dylib") if n]
        lib = None
        for name in names:
            try:
                lib = ctypes.CDLL(name)
                break
            except OSError:
                continue
        if lib is None:
            return None
        try:
            p, i, s = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p
            for fn, args, res in (("TessBaseAPICreate", [], p), ("TessBaseAPIDelete", [p], None),
                                  ("TessBaseAPIEnd", [p], None), ("TessBaseAPIInit3", [p, s, s], i),
                                  ("TessBaseAPISetVariable", [p, s, s], i),
                                  ("TessBaseAPISetPageSegMode", [p, i], None),
                                  ("TessBaseAPISetImage", [p, s, i, i, i, i], None),
                                  ("TessBaseAPIRecognize", [p, p], i), ("TessBaseAPIGetTsvText", [p, i], p),
                                  ("TessDeleteText", [p], None), ("TessBaseAPIClear", [p], None)):
                getattr(lib, fn).argtypes, getattr(lib, fn).restype = args, res
        except AttributeError:
            return None
        import atexit
        atexit.register(self._close)
        return lib

    def _engine(self, lib, variables: tuple) -> int | None:
        with self._lock:
            idle = self._idle.get(variables)
            if idle:
                return idle.pop()
        handle = lib.TessBaseAPICreate()
        if not handle or lib.TessBaseAPIInit3(handle, None, b"eng") != 0:
            if handle:
                lib.TessBaseAPIDelete(handle)
            self._lib = None            # no model to load: the program reports why, every time
            return None
        # tesseract's notes ("Estimating resolution as ...") would go to our stderr: the program's went to a pipe.
        lib.TessBaseAPISetVariable(handle, b"debug_file", os.devnull.encode())
        for name, value in variables:
            if not lib.TessBaseAPISetVariable(handle, name.encode(), value.encode()):
                lib.TessBaseAPIEnd(handle)
                lib.TessBaseAPIDelete(handle)
                return None
        with self._lock:
            self._all.append(handle)
        return handle

    def _close(self):
        with self._lock:
            handles, self._all, self._idle = self._all, [], {}
        for handle in handles:
            self._lib.TessBaseAPIEnd(handle)
            self._lib.TessBaseAPIDelete(handle)

    @staticmethod
    def _parse(config: str) -> tuple[int, tuple] | None:
        """(page segmentation mode, sorted -c variables), or None for an option only the program knows."""
        tokens, psm, variables = config.split(), 3, {}
        k = 0
        while k < len(tokens):
            token = tokens[k]
            if token == "--psm" and k + 1 < len(tokens) and tokens[k + 1].isdigit():
                psm, k = int(tokens[k + 1]), k + 2
            elif token == "-c" and k + 1 < len(tokens) and "=" in tokens[k + 1]:
                name, value = tokens[k + 1].split("=", 1)
                variables[name] = value
                k += 2
            else:
                return None
        return psm, tuple(sorted(variables.items()))

    def read(self, im, config: str) -> dict | None:
        """tesseract's TSV columns as lists (as pytesseract's ``Output.DICT``), or None when the
        library cannot serve this read."""
        parsed = self._parse(config)
        lib = self._library() if parsed else None
        if lib is None:
            return None
        if im.mode != "L":
            im = im.convert("L")
        data: dict[str, list] = {c: [] for c in self._TSV_COLUMNS}
        if im.width < 3 or im.height < 3:
            return data
        psm, variables = parsed
        handle = self._engine(lib, variables)
        if handle is None:
            return None
        import ctypes
        try:
            lib.TessBaseAPISetPageSegMode(handle, psm)
            pixels = im.tobytes()
            lib.TessBaseAPISetImage(handle, pixels, im.width, im.height, 1, im.width)
            if lib.TessBaseAPIRecognize(handle, None) != 0:
                return None
            raw = lib.TessBaseAPIGetTsvText(handle, 0)
            try:
                tsv = ctypes.string_at(raw).decode("utf-8", "replace") if raw else ""
            finally:
                if raw:
                    lib.TessDeleteText(raw)
        finally:
            lib.TessBaseAPIClear(handle)
            with self._lock:
                self._idle.setdefault(variables, []).append(handle)
        for row in tsv.splitlines():
            cells = row.split("\t")
            if len(cells) < len(self._TSV_COLUMNS):
                cells += [""] * (len(self._TSV_COLUMNS) - len(cells))
            for column, cell in zip(self._TSV_COLUMNS, cells):
                data[column].append(cell if column == "text" else _number(cell))
        return data


def _number(cell: str):
    """A TSV number as pytesseract gives it: whole (confidences truncated), the cell when not a number."""
    try:
        return int(float(cell))
    except ValueError:
        return cell


_ENGINES = _Engines()


#: digits (and the marks of amounts) for re-reading numeric cells.
NUMERIC_WHITELIST = "0123456789.,$"
#: cells are re-read with their text this many pixels tall (tesseract reads best at 20-40 px).
REREAD_TEXT_PX = 40
_REREAD_GAP = 30


def reread_cells(page: Page, boxes: list[tuple[float, float, float, float]],
                 whitelist: str | None = NUMERIC_WHITELIST,
                 text_height: float | Sequence[float] | None = None, *, psm: int = 6,
                 clean: Callable | None = None, text_px: float = REREAD_TEXT_PX, gap: int = _REREAD_GAP,
                 min_size: int = 2) -> list[list[Word]]:
    """Read a few parts of an OCR'd page again, for the words the page OCR lost or garbled (an
    isolated "1" read as "i!", a small caption, a handwritten name). The boxes (page coordinates) are
    cut from the image tesseract read, passed through ``clean`` when given (a greyscale crop in, one
    out: painting over box rules), scaled so their text is ``text_px`` tall (``text_height`` is the
    expected text height in page units, one for all boxes or one per box; by default a box's height
    / 1.6), stacked into one strip ``gap`` pixels apart and read in a single tesseract run with page
    segmentation mode ``psm``, restricted to ``whitelist`` when one is given: one reading for the
    page however many boxes. Boxes under ``min_size`` pixels are not read. Returns the words found in
    each box, in page coordinates; the time is added to the page's."""
    if page.ocr_image is None or not boxes:
        return [[] for _ in boxes]
    import pytesseract
    from PIL import Image

    t0 = time.perf_counter()
    im, s = page.ocr_image, page.ocr_scale
    heights = list(text_height) if isinstance(text_height, (list, tuple)) else [text_height] * len(boxes)
    crops, placed = [], []
    for (x0, y0, x1, y1), th in zip(boxes, heights):
        box = (max(0, int(x0 * s)), max(0, int(y0 * s)), min(im.width, int(x1 * s) + 1),
               min(im.height, int(y1 * s) + 1))
        if box[2] - box[0] < min_size or box[3] - box[1] < min_size:
            crops.append(None)
            continue
        crop = im.crop(box)
        if clean is not None:
            crop = clean(crop.convert("L"))
        k = text_px / max(1.0, (th or (y1 - y0) / 1.6) * s)
        k = max(1.0, min(k, 4.0))
        if k > 1.01:
            crop = crop.resize((int(crop.width * k), int(crop.height * k)), Image.LANCZOS)
        crops.append((crop, box, k))
    width = max((c[0].width for c in crops if c), default=0) + 2 * gap
    height = sum(c[0].height + gap for c in crops if c) + gap
    if width <= 2 * gap:
        return [[] for _ in boxes]
    strip = Image.new("L", (width, height), 255)
    y = gap
    for c in crops:
        if c is None:
            placed.append(None)
            continue
        strip.paste(c[0], (gap, y))
        placed.append((y, y + c[0].height))
        y += c[0].height + gap
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    config = f"--psm {psm}" + (f" -c tessedit_char_whitelist={whitelist}" if whitelist else "")
    found = _tesseract_words(pytesseract, strip, config)
    out: list[list[Word]] = [[] for _ in boxes]
    for w in found:
        for n, (c, band) in enumerate(zip(crops, placed)):
            if band is None or not band[0] <= w.yc <= band[1]:
                continue
            _crop, box, k = c
            out[n].append(Word(w.text, (box[0] + (w.x0 - gap) / k) / s,
                               (box[1] + (w.y0 - band[0]) / k) / s, (box[0] + (w.x1 - gap) / k) / s,
                               (box[1] + (w.y1 - band[0]) / k) / s, w.confidence))
            break
    spent = time.perf_counter() - t0
    page.seconds += spent
    page.ocr_seconds += spent
    return out


# ------------------------------------------------------------------ tables and plain text
#: synthetic grid for tabular sources: each cell is a fixed-width box so column geometry is exact.
_CELL_W, _ROW_H, _CHAR_W = 120.0, 12.0, 6.0


def _table_page(number: int, rows: list[list[str]]) -> Page:
    """Lay cells out on a grid, one word per whitespace token, so the layout parser sees columns."""
    words: list[Word] = []
    for r, row in enumerate(rows):
        y0 = r * _ROW_H * 1.5
        for c, cell in enumerate(row):
            text = "" if cell is None else str(cell).strip()
            x = c * _CELL_W
            for token in text.split():
                w = len(token) * _CHAR_W * 0.8
                if x + w > (c + 1) * _CELL_W - _CHAR_W:
                    w = max(_CHAR_W, (c + 1) * _CELL_W - _CHAR_W - x)
                words.append(Word(token, x, y0, x + w, y0 + _ROW_H, 1.0))
                x += w + _CHAR_W * 0.5
    width = max((len(r) for r in rows), default=1) * _CELL_W
    return make_page(number, width, max(1, len(rows)) * _ROW_H * 1.5, words)


def _acquire_xlsx(data: bytes, filename: str) -> TextDocument:
    """Each worksheet is a page; numbers keep the text Excel shows (no float round trip)."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    pages = []
    for i, ws in enumerate(wb.worksheets):
        rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        pages.append(_table_page(i + 1, rows))
    return TextDocument(filename, "spreadsheet", pages)


def _cell_text(value) -> str:
    from datetime import date, datetime
    from decimal import Decimal

    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # repr gives the shortest text that round-trips: what the user typed, not binary noise.
        text = repr(value)
        return str(Decimal(text).normalize()) if "e" not in text else text
    return str(value)


def _acquire_csv(data: bytes, filename: str) -> TextDocument:
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    return TextDocument(filename, "spreadsheet", [_table_page(1, rows)])


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


def _acquire_plain(data: bytes, filename: str) -> TextDocument:
    """Plain text keeps its character columns as x positions, so fixed-width tables still parse;
    form feeds separate pages."""
    text = _decode(data).replace("\r\n", "\n").replace("\t", "    ")
    pages = []
    for n, chunk in enumerate(text.split("\f")):
        words = []
        for r, line in enumerate(chunk.split("\n")):
            col = 0
            for token in line.split(" "):
                if token:
                    words.append(Word(token, col * _CHAR_W, r * _ROW_H * 1.5, (col + len(token)) * _CHAR_W,
                                      r * _ROW_H * 1.5 + _ROW_H, 1.0))
                col += len(token) + 1
        pages.append(make_page(n + 1, 100 * _CHAR_W, max(1, chunk.count("\n") + 1) * _ROW_H * 1.5, words))
    return TextDocument(filename, "text", pages)
