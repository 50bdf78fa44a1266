"""The text a reader sees on a page: what the golden files pin.

Markup, styles and attribute values are left out; each block (heading, paragraph, list
item, table row, chart label) becomes one line, table cells joined by " | ".
"""

from html.parser import HTMLParser

BLOCKS = {
    "h1",
    "h2",
    "h3",
    "p",
    "li",
    "tr",
    "caption",
    "blockquote",
    "dt",
    "dd",
    "section",
    "table",
    "ol",
    "ul",
    "nav",
    "div",
    "text",
    "title",
    "svg",
}
CELLS = {"td", "th"}
HIDDEN = {"style", "script", "head"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.hidden = 0
        self.cells_in_row = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in BLOCKS:
            self._flush()
            self.cells_in_row = 0
        elif tag in CELLS:
            if self.cells_in_row:
                self.current.append(" | ")
            self.cells_in_row += 1
        elif tag == "br":
            self.current.append(" ")

    def handle_endtag(self, tag):
        if tag in HIDDEN:
            self.hidden -= 1
        elif tag in BLOCKS:
            self._flush()

    def handle_data(self, data):
        if not self.hidden:
            self.current.append(data)

    def _flush(self):
        line = " ".join("".join(self.current).split())
        if line and line != "|":
            self.lines.append(line)
        self.current = []


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    parser._flush()
    return "\n".join(parser.lines) + "\n"
