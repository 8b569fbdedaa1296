"""Self-made page documents for the intake tests: HTML rendered to PDF with weasyprint and text drawn
on images with PIL, so the tests run without ../shared."""
from __future__ import annotations

import io
from functools import lru_cache

PO_HTML = """<html><body style="font-family: sans-serif; font-size: 10pt">
<table style="width:100%"><tr><td style="font-size:18pt"><b>Riverside Orthopedic Hospital</b></td>
<td style="text-align:right; font-size:14pt">PURCHASE ORDER</td></tr></table>
<p>Materials Management</p>
<table style="width:100%"><tr><td style="width:60%"></td><td>P.O. #:</td><td>RO-77120</td></tr>
<tr><td></td><td>Order Date:</td><td>Nov 6, 2026</td></tr></table>
<table style="width:100%; margin-top:20px"><tr><td><b>SHIP TO</b></td><td><b>BILL TO</b></td></tr>
<tr><td>Riverside Receiving<br>12 Harbor Rd<br>Salem, OR 97301</td>
<td>Riverside Accounts Payable<br>PO Box 99<br>Salem, OR 97302</td></tr></table>
<table style="width:100%; margin-top:30px; border-collapse:collapse">
<tr><th style="text-align:left">Line</th><th style="text-align:left">Catalog #</th>
<th style="text-align:left">Description</th><th>Qty</th><th>UOM</th>
<th style="text-align:right">Unit Price</th><th style="text-align:right">Ext</th></tr>
<tr><td>1</td><td>7402-3514</td><td>CORTICAL SCREW 3.5 X 14MM</td><td style="text-align:center">10</td>
<td>EA</td><td style="text-align:right">42.24</td><td style="text-align:right">422.40</td></tr>
<tr><td>2</td><td>7104-1001</td><td>ACETABULAR LINER XLPE 28MM<br>10DEG HOODED</td>
<td style="text-align:center">1</td><td>EA</td><td style="text-align:right">650.00</td>
<td style="text-align:right">650.00</td></tr>
<tr><td>3</td><td>7404-0020</td><td>K-WIRE 2.0MM X 150MM BX/10</td><td style="text-align:center">2</td>
<td>BX</td><td style="text-align:right">1,086.24</td><td style="text-align:right">2,172.48</td></tr>
</table>
<table style="width:100%; margin-top:20px"><tr><td style="width:70%"></td><td>Subtotal</td><td>3,244.88</td></tr>
<tr><td></td><td>TOTAL USD</td><td>3,244.88</td></tr></table>
</body></html>"""

CASE_HTML = """<html><body style="font-family: sans-serif; font-size: 10pt">
<table style="width:100%"><tr><td style="font-size:18pt"><b>Hillcrest Medical Center</b></td>
<td style="text-align:right">IMPLANT RECORD</td></tr></table>
<table style="width:100%; margin-top:20px">
<tr><td>Patient MRN</td><td>Case #</td></tr>
<tr><td style="padding-left:80px">MRN 0011223</td><td style="padding-left:80px">CS-9001</td></tr>
<tr><td>Date of Surgery</td><td>Surgeon</td></tr>
<tr><td style="padding-left:80px">10/30/2026</td><td style="padding-left:80px">Ann Lee, MD</td></tr>
</table>
<p style="margin-top:30px">Place implant stickers below.</p>
<table style="width:100%; margin-top:20px"><tr>
<td style="vertical-align:top; width:50%">ACME ORTHO<br>REF 7201-0500<br>FEMORAL COMPONENT<br>LOT L31246<br>SN SN882211<br>
EXP 2028-06-24<br>(01)00847120002633(17)280624(10)L31246(21)SN882211</td>
<td style="vertical-align:top">(no sticker)<br><br>7402-3518<br>lot L81003</td></tr></table>
</body></html>"""


@lru_cache(maxsize=None)
def html_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def text_image(lines: list[str], size=(1275, 700), font_size: int = 34, angle: float = 0.0, fmt: str = "PNG",
               frames: int = 1) -> bytes:
    """Draw lines of text (150 dpi letter width) with a TrueType font, optionally rotated."""
    from PIL import Image, ImageDraw

    font = _font(font_size)
    images = []
    for _ in range(frames):
        im = Image.new("L", size, 255)
        draw = ImageDraw.Draw(im)
        y = 40
        for line in lines:
            draw.text((60, y), line, fill=0, font=font)
            y += int(font_size * 1.6)
        if angle:
            im = im.rotate(angle, fillcolor=255, resample=Image.BICUBIC)
        images.append(im)
    out = io.BytesIO()
    if frames > 1:
        images[0].save(out, format=fmt, save_all=True, append_images=images[1:], dpi=(150, 150))
    else:
        images[0].save(out, format=fmt, dpi=(150, 150))
    return out.getvalue()


def _font(size: int):
    from PIL import ImageFont

    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                 "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)
