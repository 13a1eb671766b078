"""Parses an HTML report as a browser's parser would see it (html.parser), checks that every
non-void element is closed in order, decodes each embedded picture, and prints what it found as
JSON: {"pictures": [[id, width, height], ...], "curves": {id: points}, "tables": {id: {key: value}}}.
Exits 1 with one line when the document is not well formed or a picture is not a PNG.

usage: check_report.py REPORT.html"""
import base64
import html.parser
import json
import struct
import sys

VOID = {"meta", "img", "br", "hr", "input", "link", "line", "polyline", "path", "circle", "rect"}


class Reader(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.pictures, self.curves, self.tables = [], [], {}, {}
        self.figure = None
        self.table = None
        self.row = []
        self.text = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "figure":
            self.figure = a.get("id")
        if tag == "img":
            src = a.get("src", "")
            if not src.startswith("data:image/png;base64,"):
                raise ValueError("a picture that is not an embedded PNG: " + src[:40])
            png = base64.b64decode(src.split(",", 1)[1], validate=True)
            if png[:8] != b"\x89PNG\r\n\x1a\n":
                raise ValueError("an embedded picture is not a PNG")
            w, h = struct.unpack(">II", png[16:24])
            self.pictures.append([self.figure, w, h])
        if tag == "svg":
            self.curves[a.get("id")] = int(a.get("data-points", "0"))
        if tag == "table":
            self.table = a.get("id")
            self.tables[self.table] = {}
        if tag == "tr":
            self.row = []
        if tag in ("th", "td"):
            self.text = ""

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            raise ValueError("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else "nothing"))
        self.stack.pop()
        if tag in ("th", "td"):
            self.row.append(self.text)
            self.text = None
        if tag == "tr" and self.table and len(self.row) == 2:
            self.tables[self.table][self.row[0]] = self.row[1]

    def handle_data(self, data):
        if self.text is not None:
            self.text += data


def main():
    r = Reader()
    try:
        r.feed(open(sys.argv[1], encoding="utf-8").read())
        r.close()
        if r.stack:
            raise ValueError("unclosed: " + " ".join(r.stack))
    except Exception as e:  # one line, as every tool of the project says what it found
        print("report %s: %s" % (sys.argv[1], e))
        sys.exit(1)
    print(json.dumps({"pictures": r.pictures, "curves": r.curves, "tables": r.tables}))


if __name__ == "__main__":
    main()
