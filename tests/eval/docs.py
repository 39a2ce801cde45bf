"""Writes the evaluation's resumes as PDF and DOCX files, with the standard
library only: a one-page PDF in Helvetica and a minimal Word document. Either
can carry hidden lines a reader cannot see (white text, or 1 pt text in the
PDF), which the extractor is expected to flag as hidden_text and keep out of
what is scored.
"""

import io
import zipfile
from xml.sax.saxutils import escape


def _pdf_str(s):
    b = s.encode("cp1252", "replace")
    return b"(" + b.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def pdf(lines, hidden=(), hidden_mode="white"):
    """A one-page A4 PDF of the visible lines, then the hidden ones drawn in
    white (hidden_mode "white") or at 1 pt ("tiny"); returns its bytes."""
    ops = [b"BT", b"/F1 10 Tf", b"0 0 0 rg", b"56 790 Td", b"13 TL"]
    for line in lines:
        ops.append(_pdf_str(line) + b" Tj T*")
    if hidden:
        ops.append(b"1 1 1 rg" if hidden_mode == "white" else b"/F1 1 Tf")
        for line in hidden:
            ops.append(_pdf_str(line) + b" Tj T*")
    ops.append(b"ET")
    stream = b"\n".join(ops)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
            b" /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + o + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


_CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  '<Default Extension="xml" ContentType="application/xml"/>'
                  '<Override PartName="/word/document.xml" ContentType="application/'
                  'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="word/document.xml"/></Relationships>')


def _para(text, rpr=""):
    return ('<w:p><w:r>%s<w:t xml:space="preserve">%s</w:t></w:r></w:p>'
            % ("<w:rPr>%s</w:rPr>" % rpr if rpr else "", escape(text)))


def docx(lines, hidden=()):
    """A Word document of the visible lines, then the hidden ones in white runs; returns its bytes (the same
    bytes for the same lines: the zip's times are fixed)."""
    body = "".join(_para(line) for line in lines) + "".join(_para(line, '<w:color w:val="FFFFFF"/>') for line in hidden)
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>%s'
           '</w:body></w:document>' % body)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS), ("word/document.xml", doc)):
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()
