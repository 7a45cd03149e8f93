"""The localized words around the articles: menus, labels, reader comments and date formats.

Kept apart from ``content`` because none of it is article text: it is the boilerplate an
extractor has to see through. Dates are formatted by hand, not with ``locale``, so pages
are identical on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Labels:
    """Interface wording of one language."""

    home: str
    search: str
    ticker: str
    most_read: str
    related: str
    read_also: str
    latest: str
    archive_heading: str  # takes {date}
    section_heading: str  # takes {section}
    empty_listing: str
    share: str
    by: str
    and_: str
    published: str
    updated: str
    subscribers_only: str  # badge on paywalled articles
    comments_heading: str  # takes {count}
    leave_comment: str
    post_comment: str
    newsletter_title: str
    newsletter_text: str
    newsletter_button: str
    email_placeholder: str
    cookie_text: str
    cookie_accept: str
    cookie_settings: str
    rights: str  # takes {name}
    legal_pages: tuple[tuple[str, str, str], ...]  # (key, link label, page text)


LABELS: dict[str, Labels] = {
    "fr": Labels(
        home="Accueil",
        search="Rechercher",
        ticker="En continu",
        most_read="Les plus lus",
        related="À lire aussi",
        read_also="Lire aussi",
        latest="Dernières actualités",
        archive_heading="Archives du {date}",
        section_heading="Rubrique : {section}",
        empty_listing="Aucun article publié ce jour-là.",
        share="Partager",
        by="Par",
        and_="et",
        published="Publié le",
        updated="Mis à jour le",
        subscribers_only="Réservé aux abonnés",
        comments_heading="{count} commentaires",
        leave_comment="Laisser un commentaire",
        post_comment="Publier",
        newsletter_title="La lettre du matin",
        newsletter_text="Recevez chaque matin l'essentiel de l'actualité dans votre boîte mail.",
        newsletter_button="Je m'inscris",
        email_placeholder="Votre adresse e-mail",
        cookie_text="Nous utilisons des cookies pour mesurer l'audience et personnaliser les contenus.",
        cookie_accept="Tout accepter",
        cookie_settings="Paramétrer",
        rights="© 2026 {name}. Tous droits réservés.",
        legal_pages=(
            ("notice", "Mentions légales", "Ce site est une publication fictive créée pour des tests."),
            ("privacy", "Politique de confidentialité", "Aucune donnée personnelle n'est collectée."),
            ("contact", "Contact", "Pour nous écrire, utilisez le formulaire de la rédaction."),
        ),
    ),
    "en": Labels(
        home="Home",
        search="Search",
        ticker="Latest",
        most_read="Most read",
        related="Related stories",
        read_also="Read also",
        latest="Latest news",
        archive_heading="Archive for {date}",
        section_heading="{section}",
        empty_listing="No stories were published on this day.",
        share="Share",
        by="By",
        and_="and",
        published="Published",
        updated="Updated",
        subscribers_only="Subscribers only",
        comments_heading="{count} comments",
        leave_comment="Leave a comment",
        post_comment="Post comment",
        newsletter_title="Get the Courier in your inbox",
        newsletter_text="Our editors' pick of the day's stories, every evening at six.",
        newsletter_button="Sign up",
        email_placeholder="Your email address",
        cookie_text="We use cookies to understand how our site is used and to improve it.",
        cookie_accept="Accept all",
        cookie_settings="Manage settings",
        rights="© 2026 {name}. All rights reserved.",
        legal_pages=(
            ("notice", "Terms of use", "This site is a fictional publication made for testing."),
            ("privacy", "Privacy policy", "No personal data is collected."),
            ("contact", "Contact us", "Write to the newsroom using the contact form."),
        ),
    ),
    "es": Labels(
        home="Portada",
        search="Buscar",
        ticker="Última hora",
        most_read="Lo más leído",
        related="Noticias relacionadas",
        read_also="Lee también",
        latest="Últimas noticias",
        archive_heading="Hemeroteca del {date}",
        section_heading="{section}",
        empty_listing="No se publicaron noticias ese día.",
        share="Compartir",
        by="Por",
        and_="y",
        published="Publicado",
        updated="Actualizado",
        subscribers_only="Exclusivo para suscriptores",
        comments_heading="{count} comentarios",
        leave_comment="Deja tu comentario",
        post_comment="Enviar",
        newsletter_title="Boletín diario",
        newsletter_text="Recibe cada mañana las noticias más importantes del Estrecho.",
        newsletter_button="Suscribirme",
        email_placeholder="Tu correo electrónico",
        cookie_text="Utilizamos cookies propias y de terceros para analizar el uso del sitio.",
        cookie_accept="Aceptar",
        cookie_settings="Configurar",
        rights="© 2026 {name}. Todos los derechos reservados.",
        legal_pages=(
            ("notice", "Aviso legal", "Este sitio es una publicación ficticia creada para pruebas."),
            ("privacy", "Política de privacidad", "No se recoge ningún dato personal."),
            ("contact", "Contacto", "Escríbenos a través del formulario de la redacción."),
        ),
    ),
    "ar": Labels(
        home="الرئيسية",
        search="بحث",
        ticker="عاجل",
        most_read="الأكثر قراءة",
        related="مقالات ذات صلة",
        read_also="اقرأ أيضا",
        latest="آخر الأخبار",
        archive_heading="أرشيف يوم {date}",
        section_heading="{section}",
        empty_listing="لا توجد مقالات منشورة في هذا اليوم.",
        share="شارك",
        by="بقلم:",
        and_="و",
        published="نشر في",
        updated="آخر تحديث:",
        subscribers_only="خاص بالمشتركين",
        comments_heading="{count} تعليقات",
        leave_comment="أضف تعليقك",
        post_comment="إرسال",
        newsletter_title="النشرة البريدية",
        newsletter_text="توصل يوميا بأهم الأخبار في بريدك الإلكتروني.",
        newsletter_button="اشترك",
        email_placeholder="بريدك الإلكتروني",
        cookie_text="يستخدم هذا الموقع ملفات تعريف الارتباط لتحسين تجربة التصفح.",
        cookie_accept="موافق",
        cookie_settings="الإعدادات",
        rights="© 2026 {name}. جميع الحقوق محفوظة.",
        legal_pages=(
            ("notice", "الشروط القانونية", "هذا الموقع منشور خيالي أنشئ لأغراض الاختبار."),
            ("privacy", "سياسة الخصوصية", "لا يتم جمع أي معطيات شخصية."),
            ("contact", "اتصل بنا", "يمكنكم مراسلة هيئة التحرير عبر استمارة الاتصال."),
        ),
    ),
}

# Menu of each outlet: section name as shown on its pages -> URL slug. Every article section
# must appear here (the tests check it), plus a few sections with nothing in the sample days.
SECTION_SLUGS: dict[str, dict[str, str]] = {
    "atlas-gazette": {
        "Politique": "politique", "Économie": "economie", "Société": "societe",
        "Régions": "regions", "Culture": "culture", "Sport": "sport",
    },
    "casablanca-courier": {
        "City": "city", "Business": "business", "Society": "society",
        "Environment": "environment", "Culture": "culture", "Opinion": "opinion",
    },
    "diario-del-estrecho": {
        "Sociedad": "sociedad", "Economía": "economia", "Puerto": "puerto",
        "Cultura": "cultura", "Deportes": "deportes", "Opinión": "opinion",
    },
    "sawt-al-maghrib": {
        "سياسة": "politics", "مجتمع": "society", "اقتصاد": "economy",
        "جهات": "regions", "ثقافة": "culture", "رياضة": "sport",
    },
}

# Reader comments, two of which appear under each article (chosen by the article's position).
READER_COMMENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "fr": (
        ("Fatima Z.", "Merci pour cet article clair. J'espère que vous assurerez le suivi dans les prochaines semaines."),
        ("Mehdi_75", "Enfin une bonne nouvelle ! Reste à voir si les promesses seront tenues sur le terrain."),
        ("Rachida B.", "Il faudrait aussi parler des petites villes, on a l'impression qu'elles sont toujours oubliées."),
        ("Anas", "Article intéressant, mais j'aurais aimé lire l'avis des habitants concernés."),
    ),
    "en": (
        ("Hamza K.", "Good to see this covered. A follow-up in a few months would be welcome."),
        ("Nora", "Interesting read, but the piece doesn't say who is actually paying for all this."),
        ("casablanca_reader", "Finally some positive news from the region. Let's hope it lasts."),
        ("Driss B.", "I live nearby and can confirm that things have changed a lot this year."),
    ),
    "es": (
        ("Ahmed R.", "Muy buena noticia para la región, ojalá se mantenga en el tiempo."),
        ("María J.", "Interesante artículo. Estaría bien conocer la opinión de los vecinos afectados."),
        ("Samir_tet", "Siempre se habla de lo mismo, a ver si esta vez se cumplen los plazos."),
        ("Nadia", "Gracias por la información, no conocía esta iniciativa."),
    ),
    "ar": (
        ("محمد أ.", "مبادرة تستحق التشجيع، نتمنى أن تعمم على باقي المناطق."),
        ("سلمى", "شكرا على هذا المقال، ننتظر متابعة لمعرفة ما سيتحقق فعلا على أرض الواقع."),
        ("ابن الجهة", "نفس الوعود تتكرر كل سنة، ننتظر النتائج."),
        ("خديجة ب.", "خبر مفرح، أتمنى التوفيق لكل المشاركين."),
    ),
}

_FR_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_FR_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
              "septembre", "octobre", "novembre", "décembre")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
_ES_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
              "septiembre", "octubre", "noviembre", "diciembre")
_AR_DAYS = ("الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
# Moroccan month names, as the Moroccan Arabic-language press writes them.
_AR_MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو", "يوليوز", "غشت",
              "شتنبر", "أكتوبر", "نونبر", "دجنبر")


def format_local_datetime(moment: datetime, language: str) -> str:
    """How an outlet in ``language`` prints a publication time (``moment`` already local)."""
    if language == "fr":
        return (f"{_FR_DAYS[moment.weekday()]} {moment.day} {_FR_MONTHS[moment.month - 1]} "
                f"{moment.year} à {moment:%Hh%M}")
    if language == "en":
        hour12 = moment.hour % 12 or 12
        suffix = "a.m." if moment.hour < 12 else "p.m."
        return f"{_EN_MONTHS[moment.month - 1]} {moment.day}, {moment.year}, {hour12}:{moment:%M} {suffix}"
    if language == "es":
        return f"{moment:%d/%m/%Y - %H:%M}"  # day first, as Spanish papers print it
    if language == "ar":
        return (f"{_AR_DAYS[moment.weekday()]} {moment.day} {_AR_MONTHS[moment.month - 1]} "
                f"{moment.year} - {moment:%H:%M}")
    raise ValueError(f"no date format for language {language!r}")


def format_day(day: date, language: str) -> str:
    """A calendar day written out in ``language`` (archive headings)."""
    if language == "fr":
        return f"{_FR_DAYS[day.weekday()]} {day.day} {_FR_MONTHS[day.month - 1]} {day.year}"
    if language == "en":
        return f"{_EN_MONTHS[day.month - 1]} {day.day}, {day.year}"
    if language == "es":
        return f"{day.day} de {_ES_MONTHS[day.month - 1]} de {day.year}"
    if language == "ar":
        return f"{_AR_DAYS[day.weekday()]} {day.day} {_AR_MONTHS[day.month - 1]} {day.year}"
    raise ValueError(f"no date format for language {language!r}")
