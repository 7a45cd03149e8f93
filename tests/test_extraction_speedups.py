"""The extractor's speed-ups compute exactly what the code they replace computes.

``newslake.extraction.content`` runs readability through ``FastDocument`` (readability's
Document with cheaper, equivalent methods and cleaner), and ``lineage.page_candidate_blocks``
lets XPath drop whitespace-only text nodes. Each replacement is compared here with the original:
readability's own ``clean``/``Document``/``Cleaner`` and the original XPath, on pages written
here (synthetic and randomly generated, always run) and on the shared corpus (tests marked
``corpus``, skipped with a reason when ``../shared/corpus`` is absent).
"""

from __future__ import annotations

import copy
import random

import pytest
from lxml import etree
from readability import Document
from readability.cleaners import html_cleaner as readability_cleaner
from readability.readability import clean

from newslake import extract as extract_module
from newslake.extraction import content, lineage
from newslake.extraction.html_input import parse_html

CORPUS_PAGE_URL = "http://fakehost/test/page.html"
SEED_PAGE_URL = "http://aggregator.test/yabiladi/148251"
ORIGINAL_PAGE_TEXT_NODES = ".//text()[not(parent::script) and not(parent::style)]"

# --- pages written here ------------------------------------------------------------------------

SYNTHETIC_PAGES = {
    "links and scripts": """<html><head><title>t</title>
        <base href="http://example.org/dir/">
        <link rel="stylesheet" href="x.css"><style>body{background:url(javascript:x)}</style>
        <meta http-equiv="refresh" content="0; url=javascript:alert(1)">
        </head><body onload="go()">
        <div class="article-body" onclick="x()" onmouseover='y' data-on="kept">
        <p>First paragraph, with <a href="javascript:alert(1)">a script link</a>, a
        <a href=" /relative/path ">padded link</a> and <a href="%6Aavascript%3Aalert(1)">an
        encoded one</a>, long enough to be scored by readability as content.</p>
        <p>Second paragraph <a href="https://example.com/metadata:x">colon in path</a>
        <a href="jav&#x09;ascript:x">tab inside</a> <a href="HTTPS://EXAMPLE.COM/a">caps</a>
        <img src="data:image/svg+xml;base64,PHN2Zz4=" onerror="z"><img src="data:image/png;base64,AA==">
        and more words to make it long, long, long enough for the scoring of paragraphs.</p>
        <form action="javascript:x"><button formaction="vbscript:y">b</button><input onfocus="q"></form>
        <svg><use xlink:href="javascript:x"/></svg>
        <object codebase="http://x.test/" data="javascript:y" archive="a.jar b.jar" classid="java:z"></object>
        <param valuetype="ref" value="javascript:x"><param value=" plain ">
        <div style="background: url(javascript:x); color: red">styled text, with a comma</div>
        <p hidden>hidden paragraph</p><p style="display:none">not displayed</p>
        <image src="x.png"><?php echo 1 ?>
        <blockquote cite="javascript:q">A quote, long enough to be a paragraph of the article text.</blockquote>
        </div></body></html>""",
    "unlikely candidates": """<html><body>
        <div id="sidebar"><p>Sidebar text, with commas, that is long enough to be scored.</p>
          <div class="comment"><p>A comment inside the sidebar, long enough to count here.</p>
            <div class="comment-reply"><p>A reply in the comments, long enough to be scored.</p></div></div></div>
        <div class="footer menu"><main><p>Main inside a footer, with text long enough to count.</p></main></div>
        <pre class="comment"><code class="sidebar">code in a pre, kept whatever its class</code></pre>
        <div class="header"><math class="footer">x</math><p>Header paragraph long enough to matter.</p></div>
        <div class="post-body"><p>The article itself, with enough words, commas, and clauses to win.</p>
          <p>Another paragraph of the article, also long enough, with commas, to be counted.</p></div>
        <div class="rss shoutbox"><span class="twitter">tweet text</span></div>
        </body></html>""",
    "misused divs": """<html><body><div class="content">
        <div>Only inline <b>text</b> and <a href="/x">a link</a><br>after a break</div>
        <div title="&lt;p&gt;looks like a tag">attribute holding markup text</div>
        <div><span><param name="a"></span> a param inside a span</div>
        <div><p-card>custom element starting with p</p-card></div>
        <div><ul-x>custom element starting with ul</ul-x></div>
        <div><svg><path d="M0"></path></svg> an svg path</div>
        <div>text <span>span with <div>a div inside</div></span> tail text</div>
        <div>lead text<em>em</em> tail<br><br> more <i>i</i><div>inner <b>bold</b></div> last tail</div>
        <div><picture><source srcset="a.png"></picture> picture</div>
        <div><textarea>&lt;p&gt; in a textarea</textarea></div>
        <div><p>A real paragraph, long enough to be scored, with a few commas, here and there.</p></div>
        </div></body></html>""",
    "whitespace": (
        "<html><body><div class='entry'><p>tabs\t\tand\t spaces \t and nbsp\xa0\xa0here, "
        "and a long run" + " " * 300 + "of spaces, then" + "\n\t" * 200 + "lines</p>"
        "<p>\u2009thin\u2009\u2009spaces\u3000ideographic\r\ncrlf\r\n\r\nend, with commas, many, of them</p>"
        "<p>" + "word, " * 80 + "</p><a href='/x'>\t link\xa0text \t</a></div></body></html>"
    ),
}

_WORDS = "the news of the day in Rabat, Casablanca and Tangier was about trains, roads and the sea".split()
_CLASSES = [
    "", "", "", "content", "article", "post", "entry", "sidebar", "comment", "footer", "header",
    "menu", "related", "widget", "promo", "main", "body", "text", "story", "ad-break", "share",
    "subhead", "standfirst", "shadow", "meta", "tags", "page", "pagination", "tweet", "extra",
]
_TAGS = [
    "div", "div", "div", "p", "p", "p", "span", "a", "section", "article", "main", "aside", "nav",
    "footer", "header", "ul", "li", "table", "td", "h2", "h3", "pre", "code", "blockquote", "em",
    "b", "form", "input", "img", "iframe", "br", "figure", "figcaption",
]
_WHITESPACE = [" ", " ", " ", "  ", "\n", "\n    ", "\t", "\xa0", " \t ", "\r\n"]


def _random_text(rng: random.Random, words: int) -> str:
    parts = []
    for _ in range(words):
        parts.append(rng.choice(_WORDS) + ("," if rng.random() < 0.1 else ""))
        parts.append(rng.choice(_WHITESPACE))
    return "".join(parts)


def _random_element(rng: random.Random, depth: int) -> str:
    tag = rng.choice(_TAGS)
    attributes = ""
    if rng.random() < 0.5:
        attributes += f' class="{rng.choice(_CLASSES)} {rng.choice(_CLASSES)}"'
    if rng.random() < 0.2:
        attributes += f' id="{rng.choice(_CLASSES)}"'
    if tag == "a" or rng.random() < 0.05:
        attributes += f' href="{rng.choice(["/a", "http://x.test/b", "javascript:void(0)", " /c ", "#d"])}"'
    if tag in ("img", "iframe"):
        attributes += f' src="{rng.choice(["/i.png", "https://www.youtube.com/embed/x", "data:image/png;base64,AA"])}"'
    if rng.random() < 0.03:
        attributes += rng.choice([' style="display:none"', " hidden", ' onclick="x()"', ' style="color:red"'])
    if tag in ("br", "img", "input"):
        return f"<{tag}{attributes}>{_random_text(rng, rng.randint(0, 3))}"
    children = []
    if depth > 0:
        for _ in range(rng.randint(0, 4)):
            if rng.random() < 0.4:
                children.append(_random_text(rng, rng.randint(1, 40)))
            else:
                children.append(_random_element(rng, depth - 1))
    else:
        children.append(_random_text(rng, rng.randint(0, 60)))
    return f"<{tag}{attributes}>{''.join(children)}</{tag}>"


def _random_page(seed: int) -> str:
    rng = random.Random(seed)
    body = "".join(_random_element(rng, rng.randint(2, 6)) for _ in range(rng.randint(1, 6)))
    return f"<html><head><title>Page {seed}</title></head><body>{body}</body></html>"


RANDOM_PAGES = {f"random-{seed}": _random_page(seed) for seed in range(150)}


def _corpus_pages() -> dict[str, tuple[str, str]]:
    """name -> (html, url) for the readability pages and the seed page; skips without corpus."""
    from conftest import shared_corpus_or_skip

    corpus = shared_corpus_or_skip()
    pages = {}
    for page_dir in sorted((corpus / "readability-pages").iterdir()):
        if (page_dir / "source.html").is_file():
            pages[page_dir.name] = ((page_dir / "source.html").read_bytes().decode("utf-8"), CORPUS_PAGE_URL)
    seed = corpus / "seed-aggregator" / "source.html"
    if seed.is_file():
        pages["seed-aggregator"] = (seed.read_bytes().decode("utf-8"), SEED_PAGE_URL)
    return pages


def _readability_input(html: str) -> etree._Element:
    """The tree run_readability hands to readability."""
    root = parse_html(html)
    etree.strip_elements(root, "script", "style", "template", "noscript", etree.Comment, with_tail=False)
    return root


def _serialised(element) -> bytes:
    return etree.tostring(element, encoding="utf-8")


# --- clean_length ---------------------------------------------------------------------------------


def _clean_length_cases() -> list[str]:
    rng = random.Random(7)
    alphabet = [" ", "\t", "\n", "\r", "\xa0", "\u2009", "\x0b", "\x0c", "\u3000", "\x1c", "\x85", "\u2028", "a", "b", ","]
    cases = ["", " ", "\n", "\t", "a", " a ", "a\t\tb", "a \tb", "a\t b", "a  \t b", "a\xa0\xa0b", "a\n \tb"]
    cases += ["a" + " " * n + "b" for n in (253, 254, 255, 256, 600)]
    cases += ["a" + "\t" * n + "b" for n in (2, 254, 255)]
    cases += ["a" + "\xa0" * n + "b" for n in (2, 254, 255)]
    for _ in range(20000):
        cases.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))))
    for _ in range(300):
        parts = []
        for _ in range(rng.randint(1, 6)):
            parts.append(rng.choice(["a", "x y", ",", ""]))
            parts.append("".join(rng.choice(alphabet[:9]) for _ in range(rng.randint(0, 600))))
        cases.append("".join(parts))
    return cases


def test_clean_length_is_the_length_of_readabilitys_clean():
    mismatches = [text for text in _clean_length_cases() if content.clean_length(text) != len(clean(text))]
    assert not mismatches, [repr(text[:80]) for text in mismatches[:5]]


@pytest.mark.corpus
def test_clean_length_on_corpus_texts():
    """Paragraph-like elements, links and the whole body of every page (readability measures
    such elements and their containers)."""
    for name, (html, _url) in _corpus_pages().items():
        root = _readability_input(html)
        for element in root.iter("p", "a", "td", "li", "pre", "blockquote", "h2", "span", "body"):
            text = element.text_content() or ""
            assert content.clean_length(text) == len(clean(text)), (name, element.tag)


# --- the cleaner ----------------------------------------------------------------------------------


def test_fast_cleaner_is_used_with_readabilitys_configuration():
    assert isinstance(content._FAST_GLOBALS["html_cleaner"], content._FastCleaner)


def _assert_cleaners_agree(name: str, html: str) -> None:
    """On the tree run_readability hands to readability."""
    root = _readability_input(html)
    expected = readability_cleaner.clean_html(root)
    actual = content._FAST_GLOBALS["html_cleaner"].clean_html(root)
    assert _serialised(actual) == _serialised(expected), name


@pytest.mark.parametrize("name", [*SYNTHETIC_PAGES, *list(RANDOM_PAGES)[:40]])
def test_fast_cleaner_equals_readabilitys_cleaner(name):
    _assert_cleaners_agree(name, {**SYNTHETIC_PAGES, **RANDOM_PAGES}[name])


@pytest.mark.corpus
def test_fast_cleaner_equals_readabilitys_cleaner_on_the_corpus():
    for name, (html, _url) in _corpus_pages().items():
        # The raw page, with the scripts, styles and comments that run_readability strips
        # beforehand, so that the cleaner has them to kill too.
        expected = readability_cleaner.clean_html(parse_html(html))
        actual = content._FAST_GLOBALS["html_cleaner"].clean_html(parse_html(html))
        assert _serialised(actual) == _serialised(expected), name


# --- Document methods -----------------------------------------------------------------------------


def _prepared_tree(html: str) -> etree._Element:
    """The tree as summary() has it before remove_unlikely_candidates (first pass)."""
    document = Document(_readability_input(html))
    document._html(True)
    for element in document.tags(document.html, "script", "style", "noscript"):
        element.drop_tree()
    for element in document.tags(document.html, "body"):
        element.set("id", "readabilityBody")
    return document.html


def _pair(tree: etree._Element) -> tuple[Document, content.FastDocument]:
    plain, fast = Document(None), content.FastDocument(None)
    plain.html, fast.html = copy.deepcopy(tree), copy.deepcopy(tree)
    return plain, fast


def _path(element) -> str:
    return element.getroottree().getpath(element)


def _assert_methods_agree(name: str, html: str, *, density_of_every_element: bool = True) -> None:
    tree = _prepared_tree(html)
    # Each step on the same input tree, then the next step on the result, as summary() runs them.
    plain, fast = _pair(tree)
    plain.remove_unlikely_candidates()
    fast.remove_unlikely_candidates()
    assert _serialised(fast.html) == _serialised(plain.html), (name, "remove_unlikely_candidates")
    plain.transform_misused_divs_into_paragraphs()
    fast.transform_misused_divs_into_paragraphs()
    assert _serialised(fast.html) == _serialised(plain.html), (name, "transform_misused_divs_into_paragraphs")
    if density_of_every_element:  # (on big pages, score_paragraphs below covers the candidates)
        for plain_element, fast_element in zip(plain.html.iter(), fast.html.iter(), strict=True):
            if isinstance(plain_element.tag, str):
                assert fast.get_link_density(fast_element) == plain.get_link_density(plain_element), (
                    name,
                    _path(plain_element),
                )
    expected = plain.score_paragraphs()
    actual = fast.score_paragraphs()
    assert [(_path(e), c["content_score"]) for e, c in actual.items()] == [
        (_path(e), c["content_score"]) for e, c in expected.items()
    ], (name, "score_paragraphs")


def _assert_summaries_agree(name: str, html: str) -> None:
    plain, fast = Document(_readability_input(html)), content.FastDocument(_readability_input(html))
    try:
        expected = plain.summary(html_partial=True)
    except Exception as error:  # noqa: BLE001 -- then the fast one must fail alike
        with pytest.raises(type(error)):
            fast.summary(html_partial=True)
        return
    assert fast.summary(html_partial=True) == expected, name
    assert _serialised(fast.html) == _serialised(plain.html), name


@pytest.mark.parametrize("name", [*SYNTHETIC_PAGES, *RANDOM_PAGES])
def test_fast_document_equals_readabilitys_document(name):
    html = {**SYNTHETIC_PAGES, **RANDOM_PAGES}[name]
    _assert_methods_agree(name, html)
    _assert_summaries_agree(name, html)


@pytest.mark.corpus
def test_fast_document_methods_equal_readabilitys_on_the_corpus():
    """Step by step; the whole summary() is compared by the extraction test below."""
    for name, (html, _url) in _corpus_pages().items():
        _assert_methods_agree(name, html, density_of_every_element=False)


def test_plain_readability_is_left_untouched():
    """The fast paths live in the subclass: readability's module and class are not patched."""
    import readability.readability as readability_module

    module_globals = vars(readability_module)
    assert readability_module.text_length.__globals__ is module_globals
    assert readability_module.html_cleaner is readability_cleaner
    assert not isinstance(readability_cleaner, content._FastCleaner)
    for name in ("_parse", "sanitize", "score_paragraphs", "get_link_density", "remove_unlikely_candidates"):
        assert getattr(Document, name).__globals__ is module_globals, name


# --- page_candidate_blocks and the whole extraction ----------------------------------------------


def _blocks_key(blocks) -> list[tuple]:
    return [(b.text, _path(b.element), b.link_chars, b.unlinked_text) for b in blocks]


def _assert_candidate_blocks_agree(name: str, html: str, monkeypatch) -> None:
    root = parse_html(html)
    body = root.find("body")
    page = body if body is not None else root
    actual = _blocks_key(lineage.page_candidate_blocks(page))
    with monkeypatch.context() as patch:
        patch.setattr(lineage, "_PAGE_TEXT_NODES", etree.XPath(ORIGINAL_PAGE_TEXT_NODES))
        expected = _blocks_key(lineage.page_candidate_blocks(page))
    assert actual == expected, name


CREDIT_PAGE = """<html><body><div class="post"><p>Publié dans Yabiladi le 11 - 06 - 2024</p>
<p>\xa0</p><p>   </p><span>Source : MAP</span><a href="http://o.test/a">lire l'article depuis sa source</a>
<script>var s = "published in x";</script><style>.source{}</style></div></body></html>"""


@pytest.mark.parametrize("name", ["credit", *SYNTHETIC_PAGES])
def test_page_candidate_blocks_equal_the_original_xpath(name, monkeypatch):
    _assert_candidate_blocks_agree(name, {"credit": CREDIT_PAGE, **SYNTHETIC_PAGES}[name], monkeypatch)


def _assert_extractions_agree(name: str, html: str, url: str, monkeypatch) -> None:
    actual = extract_module.extract_article(html, url).to_dict()
    with monkeypatch.context() as patch:
        patch.setattr(content, "_DOCUMENT_CLASS", Document)
        patch.setattr(lineage, "_PAGE_TEXT_NODES", etree.XPath(ORIGINAL_PAGE_TEXT_NODES))
        expected = extract_module.extract_article(html, url).to_dict()
    assert actual == expected, name


@pytest.mark.parametrize("name", ["credit", *SYNTHETIC_PAGES, *list(RANDOM_PAGES)[:30]])
def test_extraction_equals_extraction_with_plain_readability(name, monkeypatch):
    html = {"credit": CREDIT_PAGE, **SYNTHETIC_PAGES, **RANDOM_PAGES}[name]
    _assert_extractions_agree(name, html, "http://aggregator.test/page", monkeypatch)


@pytest.mark.corpus
def test_extraction_equals_extraction_with_plain_readability_on_the_corpus(monkeypatch):
    for name, (html, url) in _corpus_pages().items():
        _assert_candidate_blocks_agree(name, html, monkeypatch)
        _assert_extractions_agree(name, html, url, monkeypatch)
