#!/usr/bin/env python3
# Draws the demo documents in data/demo/ (a mock business licence PNG and a one-page application
# letter PDF) with the standard library only. They carry no real data. Run from data/demo/.
import zlib, struct, math
W, H = 480, 340
def png(path, draw):
    rows = []
    for y in range(H):
        row = bytearray([0])
        for x in range(W):
            row += bytes(draw(x, y))
        rows.append(bytes(row))
    raw = b"".join(rows)
    def chunk(t, d):
        c = struct.pack(">I", len(d)) + t + d
        return c + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    open(path, "wb").write(data)

def licence(x, y):
    # A cream sheet with a double red-brown border, a title band, text lines, a QR-like block and a red seal.
    bg = (250, 246, 232)
    if x < 8 or y < 8 or x >= W - 8 or y >= H - 8: return (160, 60, 40)
    if x < 12 or y < 12 or x >= W - 12 or y >= H - 12: return bg
    if x < 14 or y < 14 or x >= W - 14 or y >= H - 14: return (160, 60, 40)
    if 150 <= x < 330 and 36 <= y < 62: return (120, 40, 30)          # title band
    for i, line_y in enumerate(range(100, 260, 26)):                 # text lines
        length = [260, 220, 280, 200, 240, 180, 230][i % 7]
        if 50 <= x < 50 + length and line_y <= y < line_y + 8: return (70, 70, 80)
    if 370 <= x < 440 and 90 <= y < 160:                              # QR-like block
        cx, cy = (x - 370) // 7, (y - 90) // 7
        return (30, 30, 30) if (cx * 7 + cy * 3 + cx * cy) % 3 == 0 else (255, 255, 255)
    d = math.hypot(x - 380, y - 250)
    if 40 <= d <= 46: return (210, 30, 30)                            # seal ring
    if d < 40 and abs((x - 380)) < 12 and abs(y - 250) < 12: return (210, 30, 30)
    return bg
png("business-licence.png", licence)

def pdf(path, lines):
    content = "BT /F1 18 Tf 60 760 Td " + " ".join(f"({l}) Tj 0 -28 Td" for l in lines) + " ET\n"
    content += "1 0 0 RG 4 w 440 140 m 500 140 l S 470 140 36 0 360 re\n"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(content)} >>\nstream\n{content}endstream",
    ]
    out = "%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{o}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects)+1}\n0000000000 65535 f \n" + "".join(f"{o:010d} 00000 n \n" for o in offsets)
    out += f"trailer\n<< /Size {len(objects)+1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    open(path, "w").write(out)
pdf("application-letter.pdf", ["Application letter (demo)", "Renzheng gonghan - with company seal", "Xiaodian demo data: not a real document."])
