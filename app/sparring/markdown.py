"""What members write (posts, notes, agendas) as safe HTML.

The Markdown is converted with raw HTML switched off (typed tags show as text), headings are
moved below the page's own (under an ``h2``, a post's "# Title" becomes an ``h3``; levels never
skip, so the page outline stays whole), and the result goes through the content library's nh3
allow-list (:func:`app.content.library.rendering.sanitise`): no scripts, no event handlers, only http(s)
links. Links get ``rel="noopener noreferrer"`` from nh3.
"""

import markdown
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from ..content.library.rendering import sanitise

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


class _ShiftHeadings(Treeprocessor):
    """The text's top heading level becomes ``below + 1``; deeper ones follow, one step at most."""

    def __init__(self, md, below: int):
        super().__init__(md)
        self.below = below

    def run(self, root):
        headings = [e for e in root.iter() if e.tag in HEADINGS]
        if not headings:
            return
        top = min(int(e.tag[1]) for e in headings)
        previous = self.below
        for element in headings:
            level = min(6, self.below + 1 + int(element.tag[1]) - top, previous + 1)
            element.tag = f"h{level}"
            previous = level


def _converter(below: int) -> markdown.Markdown:
    md = markdown.Markdown(extensions=["sane_lists"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.treeprocessors.register(_ShiftHeadings(md, below), "shift_headings", 1)
    return md


def render(source: str, below: int = 3) -> Markup:
    """Markdown typed by a person → sanitised HTML, safe to put in a page. ``below``: the level
    of the page heading the text sits under."""
    return Markup(sanitise(_converter(below).convert(source or "")))
