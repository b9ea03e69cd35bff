"""Draw a return label: a 4 by 6 inch page, the addresses, the RMA as text, Code 128 and QR code."""

from io import BytesIO

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import createBarcodeDrawing
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

WIDTH, HEIGHT = 4 * inch, 6 * inch
MARGIN = 0.25 * inch
MAX_LINES = 6  # an address longer than this is cut: the label has room for no more


def _block(canvas: Canvas, title: str, lines: list[str], top: float) -> float:
    canvas.setFont("Helvetica-Bold", 8)
    canvas.drawString(MARGIN, top, title)
    canvas.setFont("Helvetica", 10)
    y = top - 13
    for line in lines[:MAX_LINES]:
        canvas.drawString(MARGIN, y, line[:60])
        y -= 12
    return y


def label_pdf(*, rma: str, order_number: str, store_name: str, from_address: list[str], to_address: list[str]) -> bytes:
    """The label as PDF bytes. Text is real text (searchable, extractable), the codes are vectors."""
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=(WIDTH, HEIGHT))
    canvas.setTitle(f"Return label {rma}")
    canvas.setAuthor(store_name)
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(MARGIN, HEIGHT - MARGIN - 14, "RETURN")
    canvas.setFont("Helvetica", 9)
    canvas.drawRightString(WIDTH - MARGIN, HEIGHT - MARGIN - 12, f"Order {order_number}")
    y = _block(canvas, "FROM", from_address or ["(customer)"], HEIGHT - MARGIN - 40)
    y = _block(canvas, "TO", [store_name, *to_address], y - 10)
    canvas.line(MARGIN, y - 4, WIDTH - MARGIN, y - 4)

    barcode = createBarcodeDrawing(
        "Code128", value=rma, barWidth=1.2, barHeight=0.8 * inch, humanReadable=False, quiet=False
    )
    scale = min(1.0, (WIDTH - 2 * MARGIN) / barcode.width)
    barcode.scale(scale, scale)
    renderPDF.draw(barcode, canvas, MARGIN, y - 16 - 0.8 * inch)
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(MARGIN, y - 36 - 0.8 * inch, rma)

    size = 1.3 * inch
    qr = QrCodeWidget(rma)
    x1, y1, x2, y2 = qr.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, canvas, WIDTH - MARGIN - size, MARGIN)
    canvas.setFont("Helvetica", 8)
    canvas.drawString(MARGIN, MARGIN + 4, "Put this label on the parcel.")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
