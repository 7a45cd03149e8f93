"""HTML pages of the sample site: article pages, the aggregator's pages and listings.

Each outlet has its own markup, as real sites do: the French outlet uses semantic
``<article>``/``<time>`` tags, the English one nested ``<div>``s with UTC timestamps and an
inline "Read also" box, the Spanish one shows its date only as day-first text, and the
Arabic one is right-to-left. Around every article sits the usual noise - menu, ticker with
other headlines, cookie banner, share buttons, sidebars, newsletter box, reader comments and
footer - so that extraction is tested against something like the real web. Nothing here is
shaped to suit a particular extractor.

The outlets also declare tags, top image and access each their own way: the French one in
JSON-LD (``keywords`` list, ``image`` object, boolean ``isAccessibleForFree``), the English one
in OpenGraph (``article:tag`` per tag, ``article:content_tier``, ``og:image``), the Spanish one
in ``news_keywords`` and JSON-LD only (the paywall flag on the ``hasPart`` part alone), the
Arabic one with a comma-separated JSON-LD ``keywords`` string, "True"/"False" flags and a
relative ``og:image``. A paywalled article keeps its full text in the HTML, all but the first
paragraph in the element JSON-LD ``hasPart`` names, as Google asks of paywalled pages.

Every function is pure: same arguments, same string.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from html import escape

from newslake.sample_site.chrome import (
    LABELS,
    READER_COMMENTS,
    SECTION_SLUGS,
    Labels,
    format_day,
    format_local_datetime,
)
from newslake.sample_site.content import (
    ACCESS_FREE,
    ACCESS_PAYWALLED,
    ACCESS_UNKNOWN,
    ARTICLES,
    ORIGINAL_ARTICLES,
    OUTLETS,
    Outlet,
    SampleArticle,
    articles_of,
    original_of,
    outlet,
)
from newslake.sample_site.urls import (
    absolute,
    archive_path,
    expected_url,
    feed_path,
    home_path,
    legal_path,
    section_path,
    sitemap_path,
)


def esc(text: str) -> str:
    return escape(text, quote=True)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as many CMSs write machine dates."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def summary(article: SampleArticle, limit: int = 160) -> str:
    """The article's first sentence (cut at a word under ``limit``): its description."""
    first = article.paragraphs[0]
    end = first.find(". ")
    sentence = first if end == -1 else first[: end + 1]
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0] + "…"


def _position(article: SampleArticle) -> int:
    """A stable number per article, used to vary which comments and sidebar links it gets."""
    return ARTICLES.index(article)


def _rotated(items: Sequence[SampleArticle], start: int, count: int) -> list[SampleArticle]:
    if not items:
        return []
    start %= len(items)
    return list(items[start:] + items[:start])[:count]


def _other_articles(article: SampleArticle) -> tuple[SampleArticle, ...]:
    """The outlet's other articles, newest first: what its ticker and sidebars show."""
    return tuple(a for a in reversed(articles_of(article.outlet_id)) if a != article)


def _related(article: SampleArticle, count: int = 3) -> list[SampleArticle]:
    others = _other_articles(article)
    same_section = [a for a in others if a.section == article.section]
    return (same_section + [a for a in others if a.section != article.section])[:count]


def _joined(parts: Sequence[str], labels: Labels) -> str:
    """``A``, ``A and B``, ``A, B and C`` in the page's language."""
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {labels.and_} {parts[-1]}"


def _link_list(articles: Iterable[SampleArticle], href: Callable[[SampleArticle], str],
               tag: str = "ul", css_class: str = "") -> str:
    class_attr = f' class="{css_class}"' if css_class else ""
    items = "".join(f'<li><a href="{esc(href(a))}">{esc(a.title)}</a></li>' for a in articles)
    return f"<{tag}{class_attr}>{items}</{tag}>"


def _comments(article: SampleArticle, labels: Labels, css_class: str) -> str:
    """Two fictional reader comments, in the article's language, plus the comment form."""
    pool = READER_COMMENTS[article.language]
    first = _position(article) % len(pool)
    chosen = (pool[first], pool[(first + 1) % len(pool)])
    local = article.local_published_at
    items = []
    for hours_later, (author, text) in zip((2, 5), chosen, strict=True):
        posted = local + timedelta(hours=hours_later, minutes=7 * hours_later)
        stamp = format_local_datetime(posted, article.language)
        items.append(
            f'<div class="{css_class}-item"><div class="{css_class}-author">{esc(author)}</div>'
            f'<div class="{css_class}-date">{esc(stamp)}</div><p>{esc(text)}</p></div>'
        )
    return (
        f'<section class="{css_class}" id="comments"><h2>'
        f"{esc(labels.comments_heading.format(count=len(items)))}</h2>{''.join(items)}"
        f'<form class="{css_class}-form" action="#comments" method="post">'
        f"<h3>{esc(labels.leave_comment)}</h3><textarea name=\"comment\"></textarea>"
        f'<button type="submit">{esc(labels.post_comment)}</button></form></section>'
    )


def _cookie_banner(labels: Labels, element_id: str) -> str:
    return (
        f'<div id="{element_id}" role="dialog"><p>{esc(labels.cookie_text)}</p>'
        f'<button class="accept">{esc(labels.cookie_accept)}</button> '
        f'<button class="settings">{esc(labels.cookie_settings)}</button></div>'
    )


def _newsletter(labels: Labels, css_class: str) -> str:
    return (
        f'<div class="{css_class}"><h3>{esc(labels.newsletter_title)}</h3>'
        f"<p>{esc(labels.newsletter_text)}</p>"
        f'<form action="#newsletter" method="post"><input type="email" name="email" '
        f'placeholder="{esc(labels.email_placeholder)}"><button type="submit">'
        f"{esc(labels.newsletter_button)}</button></form></div>"
    )


def _share_buttons(labels: Labels, css_class: str) -> str:
    networks = ("Facebook", "X", "WhatsApp", "LinkedIn")
    buttons = " ".join(f'<a href="#" data-network="{n.lower()}">{n}</a>' for n in networks)
    return f'<div class="{css_class}"><span>{esc(labels.share)}</span> {buttons}</div>'


def _menu(site_outlet: Outlet, css_class: str) -> str:
    labels = LABELS[site_outlet.language]
    items = [f'<li><a href="{home_path(site_outlet)}">{esc(labels.home)}</a></li>']
    items += [
        f'<li><a href="{section_path(site_outlet.id, slug)}">{esc(name)}</a></li>'
        for name, slug in SECTION_SLUGS[site_outlet.id].items()
    ]
    return f'<nav class="{css_class}"><ul>{"".join(items)}</ul></nav>'


def _legal_links(site_outlet: Outlet) -> str:
    labels = LABELS[site_outlet.language]
    return " · ".join(
        f'<a href="{legal_path(site_outlet.id, key)}">{esc(label)}</a>'
        for key, label, _ in labels.legal_pages
    )


def _search_form(site_outlet: Outlet) -> str:
    labels = LABELS[site_outlet.language]
    return (f'<form class="search" action="{home_path(site_outlet)}" method="get">'
            f'<input name="q" placeholder="{esc(labels.search)}"></form>')


def _feed_link(site_outlet: Outlet, base_url: str) -> str:
    return (f'<link rel="alternate" type="application/{site_outlet.feed_format}+xml" '
            f'href="{esc(absolute(feed_path(site_outlet), base_url))}">')


def _document(lang: str, head: str, body: str, rtl: bool = False, body_class: str = "") -> str:
    direction = ' dir="rtl"' if rtl else ""
    body_attr = f' class="{body_class}"' if body_class else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"{direction}>\n<head>\n{head}\n</head>\n'
        f"<body{body_attr}>\n{body}\n</body>\n</html>\n"
    )


def _image_url(article: SampleArticle, base_url: str) -> str:
    """Absolute URL of the article's top image (not served: only its address matters)."""
    assert article.image_path is not None, article.path
    return absolute(article.image_path, base_url)


def _image_tag(src: str, article: SampleArticle, css_class: str) -> str:
    return (f'<div class="{css_class}"><img src="{esc(src)}" alt="{esc(article.title)}" '
            'width="1200" height="675"></div>')


def _access_json(article: SampleArticle, selector: str, *, declare_free: bool = True,
                 flag_on_article: bool = True, as_text: bool = False) -> dict:
    """schema.org access markup: a free article says so (when ``declare_free``); a paywalled
    one says it is not free and names the paywalled part with ``hasPart``/``cssSelector``
    (Google's markup for paywalled content). ``flag_on_article=False`` puts the paywalled
    flag only on that part; ``as_text`` writes "True"/"False" as older CMSs do."""
    def flag(free: bool) -> bool | str:
        return ("True" if free else "False") if as_text else free

    if article.access == ACCESS_FREE and declare_free:
        return {"isAccessibleForFree": flag(True)}
    if article.access != ACCESS_PAYWALLED:
        return {}
    data: dict = {"isAccessibleForFree": flag(False)} if flag_on_article else {}
    data["hasPart"] = {"@type": "WebPageElement", "isAccessibleForFree": flag(False),
                       "cssSelector": selector}
    return data


def _text_blocks(article: SampleArticle, blocks: Sequence[str], paywall_class: str) -> str:
    """The article body; on a paywalled article everything after the first paragraph sits in
    the paywalled element (the full text is in the HTML, hidden by script for non-subscribers)."""
    if article.access != ACCESS_PAYWALLED:
        return "\n".join(blocks)
    return f'{blocks[0]}\n<div class="{paywall_class}">\n' + "\n".join(blocks[1:]) + "\n</div>"


def _badge(article: SampleArticle, labels: Labels, css_class: str, tag: str = "span") -> str:
    """The "subscribers only" badge of a paywalled article ("" otherwise)."""
    if article.access != ACCESS_PAYWALLED:
        return ""
    return f'<{tag} class="{css_class}">{esc(labels.subscribers_only)}</{tag}>'


def _article_head(article: SampleArticle, base_url: str, iso: Callable[[datetime], str],
                  json_ld: dict, style: str, extra_metas: Sequence[str] = ()) -> str:
    site_outlet = outlet(article.outlet_id)
    url = expected_url(article, base_url)
    description = summary(article)
    metas = [
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(article.title)} | {esc(site_outlet.name)}</title>",
        f'<meta name="description" content="{esc(description)}">',
        f'<link rel="canonical" href="{esc(url)}">',
        _feed_link(site_outlet, base_url),
        '<meta property="og:type" content="article">',
        f'<meta property="og:site_name" content="{esc(site_outlet.name)}">',
        f'<meta property="og:title" content="{esc(article.title)}">',
        f'<meta property="og:description" content="{esc(description)}">',
        f'<meta property="og:url" content="{esc(url)}">',
        f'<meta property="article:published_time" content="{iso(article.published_at)}">',
    ]
    if article.modified_at is not None:
        metas.append(f'<meta property="article:modified_time" content="{iso(article.modified_at)}">')
    metas.append(f'<meta property="article:section" content="{esc(article.section)}">')
    metas.extend(extra_metas)
    # "</" must not appear inside a <script> element.
    json_text = json.dumps(json_ld, ensure_ascii=False, indent=1).replace("</", "<\\/")
    metas.append(f'<script type="application/ld+json">\n{json_text}\n</script>')
    metas.append(f"<style>{style}</style>")
    return "\n".join(metas)


def _news_article(article: SampleArticle, base_url: str, iso: Callable[[datetime], str],
                  single_author_object: bool = False, extra: dict | None = None) -> dict:
    """schema.org NewsArticle; ``dateModified`` only when the article was modified; ``extra``
    (image, keywords, access markup) in the outlet's own style."""
    site_outlet = outlet(article.outlet_id)
    people = [{"@type": "Person", "name": name} for name in article.authors]
    data: dict = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": expected_url(article, base_url),
        "headline": article.title,
        "description": summary(article),
        "inLanguage": article.language,
        "articleSection": article.section,
        "datePublished": iso(article.published_at),
    }
    if article.modified_at is not None:
        data["dateModified"] = iso(article.modified_at)
    data["author"] = people[0] if single_author_object and len(people) == 1 else people
    data["publisher"] = {
        "@type": "NewsMediaOrganization",
        "name": site_outlet.name,
        "url": absolute(home_path(site_outlet), base_url),
    }
    data.update(extra or {})
    return data


# --- La Gazette de l'Atlas: semantic HTML5 ----------------------------------------------------

def _semantic_article_page(article: SampleArticle, base_url: str) -> str:
    site_outlet = outlet(article.outlet_id)
    labels = LABELS[article.language]
    local = article.local_published_at
    others = _other_articles(article)
    section_slug = SECTION_SLUGS[site_outlet.id][article.section]
    authors = _joined(
        [f'<a rel="author" href="{home_path(site_outlet)}">{esc(name)}</a>' for name in article.authors],
        labels,
    )
    updated = ""
    if article.modified_at is not None:
        local_modified = article.modified_at.astimezone(local.tzinfo)
        updated = (f' <time class="updated" datetime="{_iso(article.modified_at)}">'
                   f"{esc(labels.updated)} {esc(format_local_datetime(local_modified, 'fr'))}</time>")
    paragraphs = [f"<p>{esc(p)}</p>" for p in article.paragraphs]
    body = f"""{_cookie_banner(labels, "cookie-banner")}
<header class="site-header">
<div class="brand"><a href="{home_path(site_outlet)}">{esc(site_outlet.name)}</a><span class="tagline">{esc(site_outlet.tagline)}</span></div>
{_menu(site_outlet, "main-nav")}
{_search_form(site_outlet)}
</header>
<div class="breaking-news"><strong>{esc(labels.ticker)}</strong>
{_link_list(others[:5], lambda a: expected_url(a, base_url), css_class="breaking-list")}
</div>
<nav class="breadcrumb" aria-label="Fil d'Ariane"><ol><li><a href="{home_path(site_outlet)}">{esc(labels.home)}</a></li><li><a href="{section_path(site_outlet.id, section_slug)}">{esc(article.section)}</a></li><li aria-current="page">{esc(article.title)}</li></ol></nav>
<main class="layout">
<article class="post">
<header class="post-header">
<a class="post-category" href="{section_path(site_outlet.id, section_slug)}">{esc(article.section)}</a>{_badge(article, labels, "badge-abonnes")}
<h1 class="post-title">{esc(article.title)}</h1>
<div class="post-meta"><span class="byline">{esc(labels.by)} {authors}</span> <time class="published" datetime="{_iso(article.published_at)}">{esc(labels.published)} {esc(format_local_datetime(local, "fr"))}</time>{updated}</div>
</header>
<figure class="post-thumbnail"><img src="{esc(_image_url(article, base_url))}" alt="{esc(article.title)}" width="1200" height="800"></figure>
{_share_buttons(labels, "share-buttons")}
<div class="post-content">
{_text_blocks(article, paragraphs, "reserve-abonnes")}
</div>
<footer class="post-footer"><ul class="tags"><li><a href="{section_path(site_outlet.id, section_slug)}">{esc(article.section)}</a></li></ul></footer>
</article>
<section class="related"><h2>{esc(labels.related)}</h2>
{_link_list(_related(article), lambda a: expected_url(a, base_url))}
</section>
{_comments(article, labels, "comments")}
<aside class="sidebar">
<div class="widget most-read"><h3>{esc(labels.most_read)}</h3>
{_link_list(_rotated(others, _position(article), 4), lambda a: a.path, tag="ol")}
</div>
{_newsletter(labels, "widget newsletter")}
</aside>
</main>
<footer class="site-footer">
<p>{_legal_links(site_outlet)}</p>
<p>{esc(labels.rights.format(name=site_outlet.name))}</p>
</footer>"""
    json_ld = _news_article(article, base_url, _iso, extra={
        "image": {"@type": "ImageObject", "url": _image_url(article, base_url),
                  "width": 1200, "height": 800},
        "keywords": list(article.tags),
        **_access_json(article, ".reserve-abonnes"),
    })
    head = _article_head(
        article, base_url, _iso, json_ld,
        "body{font-family:Georgia,serif}.layout{display:grid;grid-template-columns:3fr 1fr}",
        extra_metas=[f'<meta property="og:image" content="{esc(_image_url(article, base_url))}">'],
    )
    return _document("fr", head, body, body_class="single-post")


# --- The Casablanca Courier: nested divs, machine dates in UTC --------------------------------

def _nested_div_article_page(article: SampleArticle, base_url: str) -> str:
    site_outlet = outlet(article.outlet_id)
    labels = LABELS[article.language]
    local = article.local_published_at
    others = _other_articles(article)
    read_also = others[_position(article) % len(others)]
    blocks = [f"<p>{esc(p)}</p>" for p in article.paragraphs]
    # Real story pages break the text with promos and ads; these sit between paragraphs.
    blocks.insert(2, f'<div class="read-also"><strong>{esc(labels.read_also)}:</strong> '
                     f'<a href="{read_also.path}">{esc(read_also.title)}</a></div>')
    blocks.insert(4, '<div class="ad-slot" data-slot="mpu-1"><span>Advertisement</span></div>')
    dateline = f"{esc(labels.published)} {esc(format_local_datetime(local, 'en'))}"
    if article.modified_at is not None:
        local_modified = article.modified_at.astimezone(local.tzinfo)
        dateline += (f' <span class="updated">· {esc(labels.updated)} '
                     f"{esc(format_local_datetime(local_modified, 'en'))}</span>")
    section_slug = SECTION_SLUGS[site_outlet.id][article.section]
    body = f"""<div id="page">
<div id="masthead"><div class="logo-wrap"><a class="logo" href="{home_path(site_outlet)}">{esc(site_outlet.name)}</a></div>
<div class="nav-bar">{_menu(site_outlet, "primary-menu")}{_search_form(site_outlet)}</div></div>
<div class="ticker-wrap"><div class="ticker-title">{esc(labels.ticker)}</div><div class="ticker">
{"".join(f'<div class="ticker-item"><a href="{a.path}">{esc(a.title)}</a></div>' for a in others[:5])}
</div></div>
<div id="content" class="container"><div class="row">
<div class="col-8 main-col">
<div class="breadcrumbs"><a href="{home_path(site_outlet)}">{esc(labels.home)}</a> › <a href="{section_path(site_outlet.id, section_slug)}">{esc(article.section)}</a></div>
<div class="story">
<div class="story-head">
<div class="kicker">{esc(article.section)}</div>{_badge(article, labels, "premium-badge", "div")}
<h1 class="headline">{esc(article.title)}</h1>
<div class="story-meta">
<div class="author">{esc(labels.by)} <span class="author-name">{esc(_joined(article.authors, labels))}</span></div>
<div class="dateline"><time datetime="{_iso_utc(article.published_at)}">{dateline}</time></div>
</div>
</div>
{_share_buttons(labels, "social-share")}
{_image_tag(_image_url(article, base_url), article, "story-image")}
<div class="story-body"><div class="story-text">
{_text_blocks(article, blocks, "premium-content")}
</div></div>
</div>
{_newsletter(labels, "newsletter-signup")}
{_comments(article, labels, "discussion")}
</div>
<div class="col-4 sidebar">
<div class="most-read"><div class="box-title">{esc(labels.most_read)}</div>
{_link_list(_rotated(others, _position(article), 5), lambda a: a.path, tag="ol")}
</div>
<div class="related"><div class="box-title">{esc(labels.related)}</div>
{_link_list(_related(article), lambda a: a.path)}
</div>
</div>
</div></div>
<div id="footer"><div class="footer-links">{_legal_links(site_outlet)}</div>
<div class="copyright">{esc(labels.rights.format(name=site_outlet.name))}</div></div>
</div>
{_cookie_banner(labels, "consent-popup")}
<script>document.querySelectorAll('#consent-popup button').forEach(function(b){{b.onclick=function(){{document.getElementById('consent-popup').remove();}};}});</script>"""
    json_ld = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "@id": expected_url(article, base_url), "name": article.title},
            {key: value for key, value in _news_article(article, base_url, _iso_utc, extra={
                "image": [_image_url(article, base_url)],
                # The content tier meta says "free"; JSON-LD only marks the paywalled part.
                **_access_json(article, ".premium-content", declare_free=False),
            }).items() if key != "@context"},
        ],
    }
    image = esc(_image_url(article, base_url))
    metas = [f'<meta property="og:image" content="{image}">',
             '<meta name="twitter:card" content="summary_large_image">',
             f'<meta name="twitter:image" content="{image}">']
    metas += [f'<meta property="article:tag" content="{esc(tag)}">' for tag in article.tags]
    # A metered paywall: a few stories a month free, then blocked.
    tier = {ACCESS_FREE: "free", ACCESS_PAYWALLED: "metered", ACCESS_UNKNOWN: None}[article.access]
    if tier is not None:
        metas.append(f'<meta property="article:content_tier" content="{tier}">')
    head = _article_head(article, base_url, _iso_utc, json_ld,
                         "body{font-family:Helvetica,Arial,sans-serif}.row{display:flex}",
                         extra_metas=metas)
    return _document("en", head, body)


# --- Diario del Estrecho: the date only as day-first text in the page body --------------------

def _text_date_article_page(article: SampleArticle, base_url: str) -> str:
    site_outlet = outlet(article.outlet_id)
    labels = LABELS[article.language]
    local = article.local_published_at
    others = _other_articles(article)
    section_slug = SECTION_SLUGS[site_outlet.id][article.section]
    date_text = format_local_datetime(local, "es")
    if article.modified_at is not None:
        local_modified = article.modified_at.astimezone(local.tzinfo)
        date_text += f" | {labels.updated}: {format_local_datetime(local_modified, 'es')}"
    authors = _joined([f'<span class="autor">{esc(name)}</span>' for name in article.authors], labels)
    paragraphs = [f"<p>{esc(p)}</p>" for p in article.paragraphs]
    ticker = " | ".join(f'<a href="{a.path}">{esc(a.title)}</a>' for a in others[:4])
    body = f"""<header id="cabecera">
<div class="logo"><a href="{home_path(site_outlet)}">{esc(site_outlet.name)}</a></div>
<div class="lema">{esc(site_outlet.tagline)}</div>
{_menu(site_outlet, "menu-principal")}
</header>
<div id="ultima-hora"><b>{esc(labels.ticker)}:</b> {ticker}</div>
<div class="contenedor">
<div class="columna-principal">
<div class="migas"><a href="{home_path(site_outlet)}">{esc(labels.home)}</a> / <a href="{section_path(site_outlet.id, section_slug)}">{esc(article.section)}</a></div>
<div class="noticia">
<div class="antetitulo">{esc(article.section)}</div>{_badge(article, labels, "exclusivo", "div")}
<h1 class="titular">{esc(article.title)}</h1>
<div class="firma">{authors}</div>
<div class="fecha">{esc(date_text)}</div>
{_share_buttons(labels, "compartir")}
{_image_tag(_image_url(article, base_url), article, "foto-principal")}
<div class="cuerpo">
{_text_blocks(article, paragraphs, "contenido-exclusivo")}
</div>
</div>
<div class="noticias-relacionadas"><h4>{esc(labels.related)}</h4>
{_link_list(_related(article, 2), lambda a: a.path)}
</div>
{_comments(article, labels, "comentarios")}
</div>
<div class="columna-lateral">
<div class="lo-mas-leido"><h4>{esc(labels.most_read)}</h4>
{_link_list(_rotated(others, _position(article), 3), lambda a: a.path, tag="ol")}
</div>
{_newsletter(labels, "boletin")}
</div>
</div>
<footer id="pie"><p>{_legal_links(site_outlet)}</p><p>{esc(labels.rights.format(name=site_outlet.name))}</p></footer>
{_cookie_banner(labels, "aviso-cookies")}"""
    # No og:image here: the image is only in JSON-LD; the paywall flag only on the hasPart.
    json_ld = _news_article(article, base_url, _iso, single_author_object=True, extra={
        "image": {"@type": "ImageObject", "url": _image_url(article, base_url)},
        **_access_json(article, ".contenido-exclusivo", flag_on_article=False),
    })
    head = _article_head(
        article, base_url, _iso, json_ld,
        ".contenedor{display:flex}.columna-principal{width:70%}",
        extra_metas=[f'<meta name="news_keywords" content="{esc(", ".join(article.tags))}">'],
    )
    return _document("es", head, body)


# --- صوت المغرب: right-to-left ----------------------------------------------------------------

def _rtl_article_page(article: SampleArticle, base_url: str) -> str:
    site_outlet = outlet(article.outlet_id)
    labels = LABELS[article.language]
    local = article.local_published_at
    others = _other_articles(article)
    section_slug = SECTION_SLUGS[site_outlet.id][article.section]
    updated = ""
    if article.modified_at is not None:
        local_modified = article.modified_at.astimezone(local.tzinfo)
        updated = (f'<span class="update-date">{esc(labels.updated)} '
                   f"{esc(format_local_datetime(local_modified, 'ar'))}</span>")
    paragraphs = [f"<p>{esc(p)}</p>" for p in article.paragraphs]
    body = f"""{_cookie_banner(labels, "cookies-notice")}
<div class="top-bar"><div class="site-logo"><a href="{home_path(site_outlet)}">{esc(site_outlet.name)}</a></div>{_search_form(site_outlet)}</div>
{_menu(site_outlet, "main-menu")}
<div class="urgent-news"><span class="urgent-label">{esc(labels.ticker)}</span>
{_link_list(others[:5], lambda a: a.path, css_class="urgent-list")}
</div>
<div class="wrapper">
<div class="right-col">
<div class="path"><a href="{home_path(site_outlet)}">{esc(labels.home)}</a> » <a href="{section_path(site_outlet.id, section_slug)}">{esc(article.section)}</a></div>
<div class="article-content">
{_badge(article, labels, "premium-label", "div")}
<h1 class="article-title">{esc(article.title)}</h1>
<div class="article-info"><span class="writer">{esc(labels.by)} {esc(_joined(article.authors, labels))}</span>
<time datetime="{_iso(article.published_at)}">{esc(format_local_datetime(local, "ar"))}</time>
{updated}</div>
{_share_buttons(labels, "share-bar")}
{_image_tag(article.image_path or "", article, "article-image")}
<div class="article-text">
{_text_blocks(article, paragraphs, "paid-content")}
</div>
</div>
<div class="related-news"><h3>{esc(labels.related)}</h3>
{_link_list(_related(article), lambda a: a.path)}
</div>
{_comments(article, labels, "comments-box")}
</div>
<div class="left-col">
<div class="most-read-box"><h3>{esc(labels.most_read)}</h3>
{_link_list(_rotated(others, _position(article), 4), lambda a: a.path, tag="ol")}
</div>
{_newsletter(labels, "newsletter-box")}
</div>
</div>
<div class="footer"><div class="footer-links">{_legal_links(site_outlet)}</div><p>{esc(labels.rights.format(name=site_outlet.name))}</p></div>"""
    json_ld = _news_article(article, base_url, _iso, extra={
        "image": _image_url(article, base_url),
        "keywords": ", ".join(article.tags),
        **_access_json(article, ".paid-content", as_text=True),
    })
    head = _article_head(
        article, base_url, _iso, json_ld,
        "body{font-family:Tahoma,sans-serif;direction:rtl}.wrapper{display:flex}",
        # The CMS writes the image path relative to the site.
        extra_metas=[f'<meta property="og:image" content="{esc(article.image_path or "")}">'],
    )
    return _document("ar", head, body, rtl=True)


_ARTICLE_LAYOUTS: dict[str, Callable[[SampleArticle, str], str]] = {
    "atlas-gazette": _semantic_article_page,
    "casablanca-courier": _nested_div_article_page,
    "diario-del-estrecho": _text_date_article_page,
    "sawt-al-maghrib": _rtl_article_page,
}


# --- Revue Maghreb: French chrome around a verbatim copy --------------------------------------

def _aggregator_article_page(article: SampleArticle, base_url: str) -> str:
    aggregator = outlet(article.outlet_id)
    original = original_of(article)
    source = outlet(original.outlet_id)
    # The multilingual front-page ticker: the newest originals from every outlet.
    headlines = sorted((a for a in ORIGINAL_ARTICLES if a != original),
                       key=lambda a: a.published_at, reverse=True)
    copies = [a for a in reversed(articles_of(aggregator.id)) if a != article]
    paragraphs = "\n".join(f"<p>{esc(p)}</p>" for p in article.paragraphs)
    sources_menu = "".join(
        f'<li><a href="{home_path(o)}">{esc(o.name)}</a></li>' for o in OUTLETS if not o.is_aggregator
    )
    # "Publié dans <outlet> le DD - MM - YYYY": day first, the original's local day.
    credit_date = f"{original.local_date:%d - %m - %Y}"
    body = f"""<header class="entete">
<a class="logo" href="{home_path(aggregator)}">{esc(aggregator.name)}</a>
<nav class="menu"><ul><li><a href="{home_path(aggregator)}">Accueil</a></li>{sources_menu}</ul></nav>
{_search_form(aggregator)}
</header>
<div class="bandeau-une"><span class="bandeau-titre">À la une</span>
{_link_list(headlines[:10], lambda a: expected_url(a, base_url), css_class="bandeau-liens")}
</div>
<div class="fenetre-signalement" style="display:none"><p>Merci pour votre signalement.</p><p>Cette image sera masquée après vérification par notre équipe.</p></div>
<main class="page">
<div class="colonne-principale">
<div class="contenu-article">
<h1 class="titre">{esc(article.title)}</h1>
<div class="origine">Publié dans <a class="nom-source" href="{home_path(source)}">{esc(source.name)}</a> le <span class="date">{credit_date}</span></div>
<div class="partage"><a href="#">Facebook</a> <a href="#">X</a> <a href="#" class="signaler">Signaler une image</a></div>
<div class="texte">
{paragraphs}
</div>
<p class="lien-source"><a href="{esc(expected_url(original, base_url))}" rel="nofollow">Cliquez ici pour lire l'article depuis sa source.</a></p>
</div>
</div>
<aside class="colonne-laterale">
<h3>Les plus lus</h3>
{_link_list(_rotated(copies, _position(article), 3), lambda a: a.path)}
</aside>
</main>
<footer class="pied">
<p>{esc(aggregator.name)} rassemble les articles de la presse marocaine. Les articles restent la propriété de leurs éditeurs.</p>
<p>{_legal_links(aggregator)}</p>
</footer>"""
    url = expected_url(article, base_url)
    head = "\n".join((
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(aggregator.name)} : {esc(article.title)}</title>",
        f'<meta name="description" content="{esc(summary(article))}">',
        # Section and tags come over from the original's feed; the image is hotlinked.
        f'<meta name="keywords" content="{esc(", ".join(article.tags))}">',
        f'<link rel="canonical" href="{esc(url)}">',
        f'<meta property="og:site_name" content="{esc(aggregator.name)}">',
        f'<meta property="og:title" content="{esc(article.title)}">',
        f'<meta property="og:url" content="{esc(url)}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:image" content="{esc(_image_url(article, base_url))}">',
        f'<meta property="article:section" content="{esc(article.section)}">',
        "<style>.page{display:flex}.colonne-principale{width:68%}</style>",
    ))
    return _document("fr", head, body)


def article_page(article: SampleArticle, base_url: str) -> str:
    if article.is_aggregator_copy:
        return _aggregator_article_page(article, base_url)
    return _ARTICLE_LAYOUTS[article.outlet_id](article, base_url)


# --- Listings and small pages -----------------------------------------------------------------

def _simple_page(site_outlet: Outlet, title: str, canonical_path: str, main: str,
                 base_url: str, extra_head: str = "") -> str:
    """A page in the outlet's language with plain chrome: listings and legal pages."""
    labels = LABELS[site_outlet.language]
    if site_outlet.is_aggregator:
        menu = (f'<nav class="menu"><ul><li><a href="{home_path(site_outlet)}">Accueil</a></li>'
                + "".join(f'<li><a href="{home_path(o)}">{esc(o.name)}</a></li>'
                          for o in OUTLETS if not o.is_aggregator)
                + "</ul></nav>")
    else:
        menu = _menu(site_outlet, "menu")
    head = "\n".join(filter(None, (
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)} | {esc(site_outlet.name)}</title>",
        f'<link rel="canonical" href="{esc(absolute(canonical_path, base_url))}">',
        _feed_link(site_outlet, base_url),
        extra_head,
    )))
    body = f"""<header class="site-header"><a class="logo" href="{home_path(site_outlet)}">{esc(site_outlet.name)}</a>
{menu}</header>
<main>
{main}
</main>
<footer class="site-footer"><p>{_legal_links(site_outlet)}</p><p>{esc(labels.rights.format(name=site_outlet.name))}</p></footer>"""
    return _document(site_outlet.language, head, body, rtl=site_outlet.language == "ar")


def _listing(articles: Sequence[SampleArticle], site_outlet: Outlet) -> str:
    labels = LABELS[site_outlet.language]
    if not articles:
        return f'<p class="empty">{esc(labels.empty_listing)}</p>'
    items = []
    for article in articles:
        local = article.local_published_at
        source = ""
        if article.is_aggregator_copy:
            source = f'<span class="source">{esc(outlet(original_of(article).outlet_id).name)}</span> '
        items.append(
            f'<li class="item"><h2><a href="{article.path}">{esc(article.title)}</a></h2>'
            f'{source}<time datetime="{_iso(article.published_at)}">'
            f"{esc(format_local_datetime(local, site_outlet.language))}</time>"
            f'<div class="teaser">{esc(summary(article))}</div></li>'
        )
    return f'<ul class="listing">{"".join(items)}</ul>'


def home_page(site_outlet: Outlet, base_url: str) -> str:
    """The outlet's front page: every article, newest first (a listing, not an article)."""
    labels = LABELS[site_outlet.language]
    newest_first = tuple(reversed(articles_of(site_outlet.id)))
    main = f"<h1>{esc(labels.latest)}</h1>\n{_listing(newest_first, site_outlet)}"
    return _simple_page(site_outlet, labels.latest, home_path(site_outlet), main, base_url)


def archive_page(site_outlet: Outlet, day: date, base_url: str) -> str:
    """One local day's articles of the outlet, oldest first; empty days are valid pages."""
    labels = LABELS[site_outlet.language]
    heading = labels.archive_heading.format(date=format_day(day, site_outlet.language))
    day_articles = tuple(a for a in articles_of(site_outlet.id) if a.local_date == day)
    main = f"<h1>{esc(heading)}</h1>\n{_listing(day_articles, site_outlet)}"
    return _simple_page(site_outlet, heading, archive_path(site_outlet, day), main, base_url,
                        extra_head='<meta name="robots" content="noindex, follow">')


def section_page(site_outlet: Outlet, section_name: str, base_url: str) -> str:
    labels = LABELS[site_outlet.language]
    heading = labels.section_heading.format(section=section_name)
    section_articles = tuple(
        a for a in reversed(articles_of(site_outlet.id)) if a.section == section_name
    )
    slug = SECTION_SLUGS[site_outlet.id][section_name]
    main = f"<h1>{esc(heading)}</h1>\n{_listing(section_articles, site_outlet)}"
    return _simple_page(site_outlet, heading, section_path(site_outlet.id, slug), main, base_url)


def legal_page(site_outlet: Outlet, page_key: str, base_url: str) -> str | None:
    for key, label, text in LABELS[site_outlet.language].legal_pages:
        if key == page_key:
            main = f"<h1>{esc(label)}</h1>\n<p>{esc(text)}</p>"
            return _simple_page(site_outlet, label, legal_path(site_outlet.id, key), main, base_url)
    return None


def index_page(base_url: str) -> str:
    """The site root: what the sample site holds, for a person browsing it."""
    rows = "".join(
        f'<li><a href="{home_path(o)}">{esc(o.name)}</a> ({o.language}{", agrégateur" if o.is_aggregator else ""}) '
        f'- <a href="{feed_path(o)}">{o.feed_format.upper()}</a> - <a href="{sitemap_path(o)}">sitemap</a></li>'
        for o in OUTLETS
    )
    head = "\n".join((
        '<meta charset="utf-8">',
        "<title>newslake sample news site</title>",
        f'<link rel="canonical" href="{esc(absolute("/", base_url))}">',
    ))
    body = (
        "<h1>newslake sample news site</h1>\n"
        "<p>Fictional outlets served offline for development and tests.</p>\n"
        f"<ul>{rows}</ul>"
    )
    return _document("en", head, body)


def not_found_page(path: str) -> str:
    head = '<meta charset="utf-8">\n<title>404 Not Found</title>'
    body = f"<h1>404 Not Found</h1>\n<p>Nothing lives at {esc(path)}.</p>"
    return _document("en", head, body)
