"""What the offline sample news site publishes: its outlets and their articles.

Everything here is fictional, written for this project: four outlets, one per language the
project's users read (French, English, Spanish, Arabic), and one French aggregator that
republishes some of their articles verbatim. Each outlet publishes two articles on each of
the three ``SAMPLE_DATES`` and one on the day before, so feeds and sitemaps span more days
than a test run looks at. Besides its text, each original declares topic tags, a top image
and (for most) whether it is free or paywalled, so every field an extractor returns is checked.

The data is the ground truth the tests check the pipeline against, so it is plain and
frozen; article prose is kept one paragraph per line, so it reads and diffs as text. Dates are local to each outlet's timezone; a few articles are published just after
local midnight, which is still the previous day in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

SAMPLE_DATES: tuple[date, ...] = (date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25))

# What a page declares about access to its text (schema.org ``isAccessibleForFree``, OpenGraph
# ``article:content_tier``). A paywalled sample page still carries its full text in the HTML,
# marked up as Google asks of paywalled content; an undeclared page is "unknown".
ACCESS_FREE = "free"
ACCESS_PAYWALLED = "paywalled"
ACCESS_UNKNOWN = "unknown"


@dataclass(frozen=True)
class Outlet:
    """A news outlet of the sample site; its pages live under ``/{id}/``."""

    id: str
    name: str
    language: str  # ISO 639-1
    timezone: str  # IANA name; article dates and URL paths use this local time
    feed_format: str  # "rss" or "atom"
    is_aggregator: bool = False
    tagline: str = ""


OUTLETS: tuple[Outlet, ...] = (
    Outlet("atlas-gazette", "La Gazette de l'Atlas", "fr", "Africa/Casablanca", "rss",
           tagline="L'actualité du Maroc, des régions au monde"),
    Outlet("casablanca-courier", "The Casablanca Courier", "en", "Africa/Casablanca", "atom",
           tagline="Independent news from Morocco's economic capital"),
    Outlet("diario-del-estrecho", "Diario del Estrecho", "es", "Africa/Ceuta", "rss",
           tagline="Noticias del norte de Marruecos y de las dos orillas"),
    Outlet("sawt-al-maghrib", "صوت المغرب", "ar", "Africa/Casablanca", "atom",
           tagline="جريدة إلكترونية مغربية مستقلة"),
    Outlet("revue-maghreb", "Revue Maghreb", "fr", "Africa/Casablanca", "rss", is_aggregator=True,
           tagline="Toute la presse marocaine en un seul endroit"),
)

_OUTLETS_BY_ID = {o.id: o for o in OUTLETS}


def outlet(outlet_id: str) -> Outlet:
    """The outlet with this id (KeyError names the known ids)."""
    try:
        return _OUTLETS_BY_ID[outlet_id]
    except KeyError:
        raise KeyError(f"unknown outlet {outlet_id!r}; known: {sorted(_OUTLETS_BY_ID)}") from None


@dataclass(frozen=True)
class SampleArticle:
    """One article page of the sample site, as a correct extraction should see it.

    For an aggregator copy, ``outlet_id``/``slug`` are the aggregator's and
    ``origin_outlet_id``/``origin_slug`` point at the original. The aggregator shows only the
    original's date and no byline, so a copy has the original's ``published_at``, no
    ``modified_at`` and no ``authors``.

    ``tags`` are the article's topic tags as its page declares them, ``access`` what the page
    declares about access to its text (``ACCESS_*``) and ``image_path`` the path of its top
    image (og:image and/or JSON-LD ``image``; the site does not serve the image itself). A copy
    carries the original's section and tags and hotlinks the original's image, but declares
    nothing about access.
    """

    outlet_id: str
    slug: str
    title: str
    language: str
    published_at: datetime
    modified_at: datetime | None
    authors: tuple[str, ...]
    section: str
    paragraphs: tuple[str, ...]
    tags: tuple[str, ...] = ()
    access: str = ACCESS_UNKNOWN
    image_path: str | None = None
    origin_outlet_id: str | None = None
    origin_slug: str | None = None

    @property
    def local_published_at(self) -> datetime:
        """Publication time in the outlet's timezone."""
        return self.published_at.astimezone(ZoneInfo(outlet(self.outlet_id).timezone))

    @property
    def local_date(self) -> date:
        """The outlet's local calendar day of publication: the day the article belongs to."""
        return self.local_published_at.date()

    @property
    def path(self) -> str:
        """URL path of the article page, dated by the outlet's local day."""
        return f"/{self.outlet_id}/{self.local_date:%Y/%m/%d}/{self.slug}.html"

    @property
    def is_aggregator_copy(self) -> bool:
        return self.origin_outlet_id is not None

    @property
    def published_precision(self) -> str:
        """How precisely the page states the publication time: the aggregator prints only the
        original's local day ("date"); the outlets print the time ("datetime")."""
        return "date" if self.is_aggregator_copy else "datetime"


def _at(outlet_id: str, local_time: str) -> datetime:
    """A tz-aware datetime from ``"YYYY-MM-DD HH:MM"`` in the outlet's local time."""
    naive = datetime.strptime(local_time, "%Y-%m-%d %H:%M")
    return naive.replace(tzinfo=ZoneInfo(outlet(outlet_id).timezone))


# Where each outlet's CMS stores an article's top image ({day}: the local publication day).
_IMAGE_PATHS = {
    "atlas-gazette": "/atlas-gazette/medias/{day:%Y/%m}/{slug}.jpg",
    "casablanca-courier": "/casablanca-courier/images/{day:%Y/%m}/{slug}-1200x630.jpg",
    "diario-del-estrecho": "/diario-del-estrecho/fotos/{day:%Y%m%d}-{slug}.jpg",
    "sawt-al-maghrib": "/sawt-al-maghrib/uploads/{day:%Y/%m}/{slug}-cover.jpg",
}


def _original(outlet_id: str, published: str, slug: str, section: str, authors: tuple[str, ...],
              title: str, paragraphs: tuple[str, ...], modified: str | None = None,
              tags: tuple[str, ...] = (), access: str = ACCESS_UNKNOWN) -> SampleArticle:
    published_at = _at(outlet_id, published)
    return SampleArticle(
        outlet_id=outlet_id,
        slug=slug,
        title=title,
        language=outlet(outlet_id).language,
        published_at=published_at,
        modified_at=_at(outlet_id, modified) if modified else None,
        authors=authors,
        section=section,
        paragraphs=paragraphs,
        tags=tags,
        access=access,
        image_path=_IMAGE_PATHS[outlet_id].format(day=published_at.date(), slug=slug),
    )


# --- La Gazette de l'Atlas (fr) ---------------------------------------------------------------

_ATLAS_GAZETTE = (
    _original(
        "atlas-gazette", "2026-11-22 18:10", "rabat-consultation-ligne-bus-rapide", "Régions",
        ("Salma Bennani",),
        "Rabat : les habitants consultés sur le tracé d'une nouvelle ligne de bus rapide",
        (
            "La commune de Rabat a ouvert samedi une consultation publique sur le tracé d'une future ligne de bus à haut niveau de service, qui doit relier la gare de l'Agdal aux quartiers sud de la capitale. Les habitants ont jusqu'à la mi-décembre pour déposer leurs remarques, en ligne ou dans les annexes administratives des arrondissements concernés.",
            "Selon le document présenté aux élus, la ligne compterait dix-huit stations sur près de neuf kilomètres, avec un bus toutes les six minutes aux heures de pointe. Les services techniques estiment que le trajet complet prendrait moins de vingt-cinq minutes, contre près d'une heure aujourd'hui pour certains usagers des lignes existantes.",
            "Les commerçants de l'avenue principale se montrent plus réservés. Plusieurs d'entre eux craignent la suppression d'une partie des places de stationnement et une baisse de fréquentation pendant les travaux, prévus sur deux ans. « Nous ne sommes pas contre le projet, mais nous voulons savoir comment se feront les livraisons », explique le gérant d'une droguerie installée depuis trente ans.",
            "La commune assure que des aires de livraison seront aménagées dans les rues perpendiculaires et que le chantier avancera par tronçons afin de limiter la gêne. Une réunion publique est programmée le 3 décembre dans une maison de quartier, où les ingénieurs du projet répondront aux questions des riverains et présenteront les premières esquisses des stations.",
        ),
        tags=("Rabat", "Transports", "Bus à haut niveau de service", "Consultation publique"),
        access=ACCESS_FREE,
        modified="2026-11-22 19:02",
    ),
    _original(
        "atlas-gazette", "2026-11-23 00:20", "ifrane-azrou-route-rouverte-dans-la-nuit", "Régions",
        ("Youssef Amrani",),
        "Intempéries : la route entre Ifrane et Azrou rouverte à la circulation dans la nuit",
        (
            "La route reliant Ifrane à Azrou a été rouverte à la circulation peu après minuit, après avoir été fermée pendant près de dix heures en raison de chutes de neige et de plaques de verglas. Les engins de déneigement de la direction provinciale de l'équipement ont travaillé toute la soirée pour dégager les deux voies sur les tronçons les plus exposés.",
            "Plusieurs dizaines d'automobilistes, dont des familles rentrant d'un week-end dans le Moyen Atlas, avaient été bloqués en début d'après-midi au niveau du col. Les autorités locales ont ouvert une salle communale pour les accueillir, et les bénévoles d'une association locale y ont distribué des boissons chaudes et des couvertures en attendant la réouverture.",
            "La gendarmerie appelle néanmoins à la prudence. Les températures devraient rester sous zéro jusqu'au milieu de la semaine, et le verglas pourrait réapparaître dès les premières heures de la matinée. Les conducteurs sont invités à équiper leurs véhicules de chaînes, à réduire leur vitesse et à éviter les déplacements non indispensables entre minuit et huit heures.",
            "Dans les villages voisins, les habitants se sont organisés pour assurer l'approvisionnement en bois de chauffage et en produits de première nécessité. Les écoles de plusieurs douars situés en altitude resteront fermées lundi, a indiqué la direction provinciale de l'éducation, qui promet de communiquer chaque soir sur la reprise des cours.",
        ),
        tags=("Ifrane", "Azrou", "Intempéries", "Routes"),
    ),
    _original(
        "atlas-gazette", "2026-11-23 10:05", "souss-massa-exportations-agrumes-en-hausse", "Économie",
        ("Nadia El Fassi", "Karim Tazi"),
        "Souss-Massa : les exportations d'agrumes progressent de 12 % en début de campagne",
        (
            "Les exportations d'agrumes de la région de Souss-Massa ont progressé de 12 % sur les huit premières semaines de la campagne, selon les chiffres communiqués dimanche par l'association régionale des producteurs. Les clémentines représentent à elles seules plus de la moitié des volumes expédiés, principalement vers l'Europe et, de plus en plus, vers l'Afrique de l'Ouest.",
            "Cette hausse intervient après deux saisons difficiles marquées par la sécheresse, qui avait réduit les calibres et poussé certains exploitants à arracher des vergers. Les pluies de l'automne et la généralisation du goutte-à-goutte ont permis de retrouver des rendements proches de la moyenne, même si les réserves des barrages restent inférieures à celles d'il y a cinq ans.",
            "Les stations de conditionnement tournent désormais à plein régime, avec des équipes de nuit dans plusieurs unités de la plaine de Chtouka. Les responsables du secteur signalent toutefois des difficultés de recrutement, la main-d'œuvre saisonnière étant également sollicitée par les serres de tomates et de fruits rouges installées dans la même zone.",
            "Pour la suite de la campagne, les producteurs comptent sur l'ouverture de nouvelles lignes maritimes depuis le port d'Agadir afin de réduire les délais de livraison. Ils redoutent en revanche la concurrence d'autres pays du pourtour méditerranéen, dont les récoltes arrivent sur les mêmes marchés au même moment et à des prix souvent plus bas.",
        ),
        tags=("Souss-Massa", "Agrumes", "Exportations"),
        access=ACCESS_PAYWALLED,
    ),
    _original(
        "atlas-gazette", "2026-11-24 08:30", "oriental-quarante-bibliotheques-scolaires", "Société",
        ("Salma Bennani",),
        "Oriental : quarante bibliothèques scolaires ouvriront avant la fin de l'année",
        (
            "Quarante écoles primaires de la région de l'Oriental seront dotées d'une bibliothèque d'ici la fin du mois de décembre, a annoncé lundi l'académie régionale d'éducation et de formation. Le programme, financé avec des associations locales et plusieurs communes, vise en priorité les établissements ruraux des provinces de Figuig, de Jerada et de Taourirt.",
            "Chaque bibliothèque recevra un fonds d'environ huit cents ouvrages en arabe, en amazighe et en français, ainsi que des tablettes destinées à la lecture numérique. Des enseignants volontaires ont été formés pendant l'été pour animer des ateliers hebdomadaires de lecture à voix haute et accompagner les élèves qui rencontrent des difficultés.",
            "Dans une école de montagne où la première salle a ouvert ses portes la semaine dernière, le directeur constate déjà un changement. « Les enfants restent après les cours pour emprunter des livres, certains reviennent le samedi avec leurs frères et sœurs », raconte-t-il, en montrant un registre de prêts déjà bien rempli.",
            "L'académie prévoit d'évaluer le dispositif à la fin de l'année scolaire, en mesurant notamment l'évolution des résultats en lecture des élèves de quatrième année. Si le bilan est concluant, une deuxième tranche de soixante bibliothèques pourrait être lancée dès la rentrée prochaine dans les provinces de Nador et de Berkane.",
        ),
        tags=("Oriental", "Éducation", "Bibliothèques"),
        access=ACCESS_FREE,
    ),
    _original(
        "atlas-gazette", "2026-11-24 16:45", "marrakech-festival-du-conte-halqa", "Culture",
        ("Hicham Ouazzani",),
        "Marrakech : le festival du conte redonne vie aux halqas de la place Jemaa el-Fna",
        (
            "Pendant cinq jours, les conteurs retrouvent leur place au cœur de Marrakech. La troisième édition du festival du conte, ouverte lundi, réunit une trentaine de conteurs venus de tout le Maroc, mais aussi du Sénégal, de Tunisie et du Québec, qui se produisent chaque fin d'après-midi devant des cercles de spectateurs installés sur la place Jemaa el-Fna.",
            "Les organisateurs ont voulu rendre hommage à la halqa, cette tradition du récit en plein air qui a longtemps fait la réputation de la place. Les anciens conteurs de la ville partagent la scène avec de jeunes artistes formés lors d'ateliers organisés toute l'année dans les maisons de jeunes de la médina et des quartiers périphériques.",
            "Le public, composé d'habitants comme de touristes, se presse autour des cercles dès la tombée du jour. Des traductions en français et en anglais sont assurées par des étudiants bénévoles, munis de petites enceintes portatives, afin que les visiteurs étrangers puissent suivre les histoires racontées en darija ou en amazighe.",
            "Au-delà du spectacle, le festival entend collecter et archiver les récits. Une équipe de chercheurs universitaires enregistre chaque représentation pour constituer un fonds sonore qui sera mis à la disposition des écoles et des bibliothèques de la région à partir du printemps prochain.",
            "La clôture, prévue vendredi soir, réunira tous les conteurs pour une veillée qui doit durer jusqu'à minuit. Les organisateurs promettent une quatrième édition plus longue, avec des étapes dans les villages du Haouz, où la tradition orale reste très vivante mais manque de scènes pour se faire entendre.",
        ),
        tags=("Marrakech", "Festival du conte", "Jemaa el-Fna"),
        modified="2026-11-24 18:00",
    ),
    _original(
        "atlas-gazette", "2026-11-25 09:10", "tanger-port-de-plaisance-hivernage-voiliers", "Économie",
        ("Youssef Amrani",),
        "Tanger : le port de plaisance mise sur l'hivernage des voiliers européens",
        (
            "Le port de plaisance de Tanger veut attirer les navigateurs européens pendant la saison froide. La société gestionnaire a présenté mardi une offre d'hivernage à tarif réduit pour les voiliers de moins de quinze mètres, valable de novembre à mars, avec un accès aux ateliers de réparation et un gardiennage assuré jour et nuit.",
            "Jusqu'ici, la plupart des plaisanciers qui traversent le détroit en automne poursuivent leur route vers les Canaries ou restent dans les ports du sud de l'Espagne. La direction du port estime pouvoir accueillir près de deux cents bateaux supplémentaires chaque hiver, grâce aux pontons installés l'an dernier dans la partie est du bassin.",
            "Les artisans de la ville espèrent profiter de cette clientèle. Voiliers, menuisiers de marine et électriciens spécialisés réclament depuis longtemps une activité plus régulière en dehors de l'été. « Un bateau immobilisé quatre mois, c'est du travail pour tout un réseau de petits ateliers », souligne le président d'une association de professionnels du nautisme.",
            "La ville compte aussi sur les retombées touristiques, les équipages passant souvent plusieurs semaines à terre. Des partenariats sont en discussion avec des écoles de langue et des maisons d'hôtes de la médina pour proposer des séjours qui combinent cours d'arabe, visites de la région et entretien du bateau.",
        ),
        tags=("Tanger", "Port de plaisance", "Tourisme nautique"),
        access=ACCESS_PAYWALLED,
    ),
    _original(
        "atlas-gazette", "2026-11-25 18:25", "essaouira-semi-marathon-trois-mille-coureurs", "Sport",
        ("Karim Tazi",),
        "Essaouira : près de 3 000 coureurs attendus au semi-marathon de dimanche",
        (
            "Près de trois mille participants sont attendus dimanche matin au départ du semi-marathon d'Essaouira, dont le parcours longe la corniche avant de traverser la médina et de remonter vers la forêt d'arganiers. Les organisateurs ont dû clore les inscriptions une semaine à l'avance, une première depuis la création de l'épreuve il y a neuf ans.",
            "Le vent, souvent soutenu à cette période de l'année, reste la principale inconnue. Les favoris, parmi lesquels plusieurs athlètes des clubs d'Ifrane et de Khémisset, espèrent des conditions clémentes pour approcher le record de l'épreuve, établi il y a trois ans en une heure et deux minutes.",
            "La course attire aussi de nombreux amateurs. Une catégorie réservée aux entreprises a été créée cette année, et une cinquantaine de sociétés de la région y ont inscrit des équipes. Un parcours de cinq kilomètres est également prévu pour les enfants et les familles, avec un départ donné une heure après celui des coureurs confirmés.",
            "La circulation sera interdite dans le centre-ville de sept heures à midi. La commune recommande aux habitants d'anticiper leurs déplacements et annonce des navettes gratuites depuis les parkings situés à l'entrée de la ville. Les résultats seront affichés en direct sur un écran installé près du port.",
        ),
        tags=("Essaouira", "Semi-marathon", "Course à pied"),
        access=ACCESS_FREE,
    ),
)

# --- The Casablanca Courier (en) --------------------------------------------------------------

_CASABLANCA_COURIER = (
    _original(
        "casablanca-courier", "2026-11-22 19:15", "casablanca-startup-week-record-founders", "Business",
        ("Leila Haddad",),
        "Casablanca startup week draws a record number of young founders",
        (
            "More than four thousand people attended the closing day of Casablanca Startup Week on Sunday, organisers said, making this year's edition the largest since the event began. Over five days, around two hundred young companies presented their products to investors, public agencies and large corporate buyers in a converted warehouse near the old port.",
            "Financial technology and agriculture dominated the programme. Several teams showed mobile payment tools aimed at small shopkeepers, while others presented sensors that help farmers decide when to irrigate. One company from Rabat, which tracks olive oil from the press to the shelf, announced that it had signed its first export contract during the week.",
            "Investors said competition for funding remains tough. Most of the rounds announced were small, and founders complained that banks still ask for personal guarantees that many graduates cannot provide. “There is talent everywhere in this room, but the money tends to arrive late,” said one business angel who has backed eleven local companies.",
            "The organisers plan to take a smaller version of the event to Agadir, Oujda and Tetouan next spring, arguing that too many programmes remain concentrated in Casablanca and Rabat. They also want to add a day dedicated to companies founded by women, who made up less than a quarter of the presenting teams this year.",
        ),
        tags=("Casablanca", "Startups", "Entrepreneurship"),
        access=ACCESS_PAYWALLED,
    ),
    _original(
        "casablanca-courier", "2026-11-23 00:35", "overnight-rain-floods-casablanca-underpasses", "City",
        ("Omar Benjelloun",),
        "Overnight rain floods underpasses in central Casablanca",
        (
            "Heavy rain that began late on Sunday evening flooded several road underpasses in central Casablanca, forcing police to close them to traffic shortly after midnight. Drivers were diverted through side streets as pumping crews from the city's utility worked to drain the water, which reached nearly a metre in some places.",
            "No injuries were reported, but at least a dozen cars were left stranded after their drivers tried to cross before the closures were put in place. Tow trucks were still working at the busiest junctions in the early hours, and residents posted videos of buses turning back in front of flooded tunnels.",
            "The national weather service had issued an orange alert for the Atlantic coast on Sunday afternoon, warning of up to forty millimetres of rain in a few hours. Forecasters said the showers should ease by Monday morning but that another band of rain could reach the city on Tuesday evening.",
            "Local councillors have again called for faster work on the storm drain network, which they say cannot cope with intense downpours in a city that keeps expanding. The utility said a programme to enlarge the main collectors in the city centre is under way and should be completed within two years.",
        ),
        tags=("Casablanca", "Flooding", "Weather", "Traffic"),
        access=ACCESS_FREE,
        modified="2026-11-23 08:10",
    ),
    _original(
        "casablanca-courier", "2026-11-23 14:20", "agadir-sardine-season-prices-ease", "Business",
        ("Sarah Alaoui", "Tom Whitfield"),
        "Agadir fishermen report a strong sardine season as prices ease",
        (
            "Fishermen in Agadir say this autumn's sardine season is the best they have seen in several years, with boats returning to port with full holds almost every day since the start of November. At the wholesale fish market, the price of a crate has fallen by nearly a third compared with the same period last year.",
            "Boat owners attribute the improvement to colder water along the coast, which has brought shoals closer to shore, and to the rest period imposed earlier in the year to let stocks recover. “We were worried after two poor seasons, but the fish came back,” said a captain who has worked the same stretch of coast for twenty years.",
            "Canneries in the industrial zone have taken on extra workers and are running additional shifts to process the catch. Managers say export orders from Europe and West Africa are strong, although the cost of tin plate and vegetable oil, both used in the canning process, continues to squeeze their margins.",
            "Consumers are also noticing the difference. In the city's markets, grilled sardine stalls have lowered their prices, and families are buying more fresh fish than at any time this year. Scientists, however, caution that sardine populations vary naturally from year to year and urge crews not to take a single good season as a trend.",
        ),
        tags=("Agadir", "Fishing", "Sardines"),
        access=ACCESS_PAYWALLED,
    ),
    _original(
        "casablanca-courier", "2026-11-24 07:50", "rabat-municipal-library-extends-opening-hours", "Society",
        ("Leila Haddad",),
        "Rabat's municipal library extends its opening hours for exam season",
        (
            "The reading rooms of Rabat's main municipal library will stay open until midnight on weekdays from Monday until the end of January, giving students preparing for university exams a quiet place to work late into the evening. The measure was requested by student associations, which said many young people lack space to revise at home.",
            "The library will add two hundred seats by turning a conference hall on the ground floor into an extra reading room. Security staff and librarians will work in rotating shifts, and the cafeteria will remain open until ten o'clock in the evening. Access stays free for anyone holding a student card or a reader's pass.",
            "Students who queued on the first morning welcomed the decision. “At home there are six of us in three rooms, so working after dinner is almost impossible,” said a third-year law student from Salé. Several others said they usually move between cafés in search of a table where they can stay for hours without being asked to leave.",
            "Library officials say they will assess attendance after the winter exam period and may repeat the arrangement in the spring. They are also considering a booking system for study rooms, so that small groups can prepare presentations together without disturbing readers in the main halls.",
        ),
        tags=("Rabat", "Libraries", "Exams"),
        access=ACCESS_FREE,
    ),
    _original(
        "casablanca-courier", "2026-11-24 15:05", "marrakech-film-students-medina-shorts", "Culture",
        ("Tom Whitfield",),
        "Marrakech film students premiere short films shot entirely in the medina",
        (
            "Twelve short films made by students at a Marrakech film school were screened on Tuesday in a packed cinema near the Koutoubia, the result of a year-long project in which every scene had to be shot inside the walls of the old city. The films range from a silent comedy about a lost key to a documentary on the last copper engravers of the souk.",
            "Teachers said the constraint was both practical and artistic. Filming in narrow alleys with little light forced the students to work with small crews and portable equipment, and to negotiate with shopkeepers and families for permission to use their doorways and rooftops. Several films feature residents of the medina playing themselves.",
            "The audience's favourite was a fifteen-minute drama about a girl who delivers bread from a communal oven to households across her neighbourhood. Its director, a twenty-one-year-old from Ouarzazate, said she wanted to show the daily routines that visitors rarely see. “Everyone knows the squares and the palaces, but the medina is first of all a place where people live,” she said.",
            "The school plans to submit the best films to festivals in Morocco and abroad, and to put all twelve online early next year. It is also looking for partners to fund a second edition, this time set in the fishing port of Safi, where students would spend several weeks working alongside local crews.",
        ),
        tags=("Marrakech", "Short films", "Film schools"),
    ),
    _original(
        "casablanca-courier", "2026-11-25 09:40", "water-authority-urges-households-to-save", "Environment",
        ("Omar Benjelloun",),
        "Water authority urges households to save as dam levels stay low",
        (
            "The regional water authority called on households in Casablanca and the surrounding provinces on Wednesday to cut their water use, warning that the reservoirs supplying the region remain well below their average level despite recent rain. According to figures published by the authority, the main dams feeding the metropolitan area are less than a third full.",
            "Officials said the showers of the past week had mostly soaked into dry soil and had done little to refill the reservoirs. They asked residents to avoid washing cars with hoses, to repair leaking taps and to water gardens only in the evening. Hammams and car washes have already been asked to shorten their opening hours in several districts.",
            "The authority is relying increasingly on desalination and on transfers from basins further north to keep the taps running. A desalination plant on the coast south of the city is due to reach full capacity next year, and engineers say it should eventually cover a large share of the region's drinking water needs.",
            "Environmental groups welcomed the appeal but said awareness campaigns are not enough. They want stricter controls on the irrigation of water-hungry crops and more investment in repairing old pipes, which they say lose a significant share of treated water before it reaches consumers. The authority said it would publish a leak-reduction plan in January.",
        ),
        tags=("Water", "Drought", "Dams", "Casablanca"),
        access=ACCESS_FREE,
        modified="2026-11-25 12:00",
    ),
    _original(
        "casablanca-courier", "2026-11-25 20:10", "essaouira-gnawa-winter-workshops", "Culture",
        ("Sarah Alaoui",),
        "Essaouira's gnawa musicians launch a winter workshop series",
        (
            "A group of gnawa musicians in Essaouira has launched a series of winter workshops aimed at teaching the tradition's music and history to young people from the town. The sessions, held every Saturday in a restored house in the medina, will run until March and are free for anyone under twenty-five.",
            "Participants learn to play the guembri, the three-stringed bass lute at the heart of gnawa music, as well as the heavy metal castanets known as qraqeb. Older masters also tell the stories behind the songs, many of which recall the history of people brought across the Sahara centuries ago.",
            "The organisers say interest in gnawa has grown thanks to the summer festival that brings international artists to the town, but that few young locals have the chance to study with experienced musicians. “The festival is a showcase, but the music lives all year round, in families and in ceremonies,” said one of the masters leading the workshops.",
            "More than sixty young people signed up in the first week, including a dozen girls, which the organisers describe as an encouraging sign in a tradition long dominated by men. At the end of the season, the students will give a concert in the town's main square, alongside the musicians who taught them.",
        ),
        tags=("Essaouira", "Gnawa", "Music"),
    ),
)

# --- Diario del Estrecho (es) -----------------------------------------------------------------

_DIARIO_DEL_ESTRECHO = (
    _original(
        "diario-del-estrecho", "2026-11-22 12:00", "medina-tetuan-recorrido-senalizado-tres-idiomas", "Cultura",
        ("Lucía Benítez",),
        "La medina de Tetuán estrena un recorrido señalizado en tres idiomas",
        (
            "La medina de Tetuán cuenta desde este domingo con un recorrido señalizado que guía a los visitantes por sus principales monumentos, plazas y talleres artesanos. El itinerario, de unos cuatro kilómetros, está marcado con placas de cerámica en el suelo y con paneles informativos en árabe, español y francés instalados junto a cada punto de interés.",
            "El proyecto, impulsado por el ayuntamiento y una asociación de vecinos del barrio antiguo, pretende que los turistas no se limiten a la calle principal y descubran rincones menos conocidos, como las antiguas curtidurías o los hornos de barrio. Cada panel incluye además un código que permite escuchar una breve explicación grabada por guías locales.",
            "Los comerciantes de las calles incluidas en el recorrido esperan un aumento de visitantes, sobre todo de los grupos que llegan en excursión de un día desde la costa. Algunos artesanos, sin embargo, lamentan que el trazado deje fuera varias calles de carpinteros y tejedores que también forman parte de la historia de la ciudad.",
            "El ayuntamiento ha prometido ampliar el itinerario el próximo año y publicar un mapa impreso que se distribuirá gratuitamente en hoteles, estaciones de autobús y oficinas de turismo. También estudia organizar visitas nocturnas durante el verano, cuando las temperaturas hacen más agradable el paseo por la medina al caer la tarde.",
        ),
        tags=("Tetuán", "Medina", "Turismo"),
        access=ACCESS_FREE,
    ),
    _original(
        "diario-del-estrecho", "2026-11-23 09:25", "productores-aguacate-gharb-amplian-plantaciones", "Economía",
        ("Rachid Bouzid",),
        "Los productores de aguacate del Gharb amplían sus plantaciones pese a la falta de agua",
        (
            "Los productores de aguacate de la llanura del Gharb han plantado este otoño cerca de seiscientas hectáreas nuevas, según la asociación que agrupa a los agricultores de la zona. La demanda europea, que sigue creciendo, y los buenos precios de la última campaña animan a muchas explotaciones familiares a sustituir cultivos tradicionales por este frutal.",
            "La expansión preocupa a los técnicos agrícolas, que recuerdan que un aguacate necesita mucha más agua que los cereales o las leguminosas que se cultivaban antes en esas parcelas. Aunque la mayoría de las fincas nuevas utiliza riego por goteo, los pozos de la región han bajado varios metros en la última década y algunos ya se han secado.",
            "Los agricultores defienden que la rentabilidad del cultivo les permite invertir en sistemas de riego más eficientes y en balsas para almacenar el agua de lluvia. «Con el trigo apenas cubríamos gastos; con el aguacate mis hijos pueden quedarse a trabajar en el campo», explica un productor que ha reconvertido cinco hectáreas en los últimos dos años.",
            "La administración agrícola regional prepara un estudio sobre el impacto del cultivo en los acuíferos, cuyos resultados se conocerán en primavera. Mientras tanto, recomienda a los productores no ampliar sus plantaciones sin una autorización de bombeo en regla y ofrece formación gratuita sobre técnicas de ahorro de agua.",
        ),
        tags=("Gharb", "Aguacate", "Agricultura", "Agua"),
        access=ACCESS_PAYWALLED,
    ),
    _original(
        "diario-del-estrecho", "2026-11-23 18:40", "larache-jornadas-pescado-azul", "Sociedad",
        ("Carmen Ruiz",),
        "Larache celebra sus jornadas del pescado azul con degustaciones en el puerto",
        (
            "El puerto de Larache acoge hasta el miércoles unas jornadas dedicadas al pescado azul, con degustaciones gratuitas, talleres de cocina y visitas guiadas a la lonja. La iniciativa, organizada por la cooperativa de pescadores artesanales y varias asociaciones de la ciudad, quiere promover el consumo de especies abundantes y asequibles como la sardina, la caballa o el jurel.",
            "Cocineros de restaurantes locales preparan cada tarde recetas tradicionales, desde el tayín de sardinas con tomate hasta la caballa en escabeche, una herencia de la época en que la ciudad mantenía estrechos vínculos con la costa andaluza. Las raciones se sirven en una carpa instalada junto al muelle, donde se forman largas colas desde media tarde.",
            "Los pescadores aprovechan las jornadas para explicar su oficio y las dificultades del sector, como el encarecimiento del combustible o la competencia de los grandes barcos. «Queremos que la gente sepa de dónde viene el pescado y cuánto trabajo hay detrás de cada caja», afirma el presidente de la cooperativa, que sale a faenar desde los catorce años.",
            "Los organizadores han previsto también actividades para escolares, que visitan el puerto por las mañanas y aprenden a reconocer las especies más comunes. Si la experiencia tiene éxito, la cooperativa quiere repetirla cada año al final del otoño, cuando las capturas de pescado azul son más abundantes.",
        ),
        tags=("Larache", "Pescado azul", "Gastronomía"),
    ),
    _original(
        "diario-del-estrecho", "2026-11-24 00:15", "acuerdo-de-madrugada-evita-huelga-estibadores", "Puerto",
        ("Rachid Bouzid",),
        "Estibadores y empresas alcanzan de madrugada un acuerdo que evita la huelga en el puerto",
        (
            "Los representantes de los estibadores y de las empresas de manipulación de mercancías alcanzaron poco después de la medianoche un acuerdo que desconvoca la huelga prevista para este martes en el puerto comercial de la ciudad. La negociación, que comenzó el lunes por la mañana, se prolongó durante más de catorce horas en la sede de la autoridad portuaria.",
            "El texto prevé una subida salarial escalonada durante tres años, la contratación indefinida de cuarenta trabajadores eventuales y la revisión de los turnos de noche, una de las principales reivindicaciones del colectivo. Las empresas se comprometen además a renovar parte de la maquinaria, que los sindicatos consideraban peligrosa por su antigüedad.",
            "El portavoz de los trabajadores calificó el acuerdo de «razonable» y agradeció la mediación de la delegación provincial de empleo. Las empresas, por su parte, destacaron que la huelga habría paralizado la carga de camiones con destino a Europa en plena temporada de exportación de cítricos y hortalizas, con pérdidas difíciles de recuperar.",
            "El acuerdo deberá ser ratificado por una asamblea de estibadores convocada para el jueves. Hasta entonces, la actividad en los muelles continuará con normalidad, según confirmó la autoridad portuaria, que pidió a los transportistas mantener las citas de carga previstas para esta semana.",
        ),
        tags=("Estibadores", "Huelga", "Puerto"),
        access=ACCESS_PAYWALLED,
        modified="2026-11-24 07:30",
    ),
    _original(
        "diario-del-estrecho", "2026-11-24 13:10", "chauen-plan-reducir-plastico-medina", "Sociedad",
        ("Lucía Benítez",),
        "Chauen presenta un plan para reducir el plástico en su medina",
        (
            "El ayuntamiento de Chauen ha presentado un plan para reducir el uso de plástico en la medina, uno de los destinos más visitados del norte de Marruecos. La medida principal es el reparto gratuito de bolsas de tela entre los comercios del casco antiguo, que a partir de enero dejarán de ofrecer bolsas de plástico a sus clientes.",
            "El plan incluye también la instalación de veinte fuentes de agua potable en las plazas y calles más transitadas, con el objetivo de reducir el consumo de botellas entre los turistas. Los responsables municipales calculan que cada verano se recogen varias toneladas de envases abandonados en los senderos que suben hacia las montañas.",
            "Las asociaciones ecologistas locales, que llevan años organizando jornadas de limpieza en el río y en los alrededores, celebran la iniciativa, aunque piden más papeleras y una recogida selectiva de residuos. Algunos comerciantes temen, por su parte, que las bolsas de tela supongan un coste adicional cuando se agoten las que reparte el ayuntamiento.",
            "La campaña se acompañará de carteles en varios idiomas en las entradas de la medina y en los alojamientos turísticos, que pedirán a los visitantes que lleven sus propias botellas reutilizables. El ayuntamiento espera que la ciudad, conocida por sus calles pintadas de azul, se convierta también en un ejemplo de gestión de residuos.",
        ),
        tags=("Chauen", "Plásticos", "Medio ambiente"),
        access=ACCESS_FREE,
    ),
    _original(
        "diario-del-estrecho", "2026-11-25 10:30", "alhucemas-centro-formacion-jovenes-pescadores", "Economía",
        ("Carmen Ruiz", "Rachid Bouzid"),
        "Alhucemas abre un centro de formación para jóvenes pescadores",
        (
            "Alhucemas ha inaugurado este miércoles un centro de formación destinado a los jóvenes que quieren dedicarse a la pesca artesanal. El centro, situado junto al puerto, ofrecerá cursos de navegación, seguridad a bordo, mantenimiento de motores y conservación del pescado, con una primera promoción de cincuenta alumnos de entre dieciocho y veinticinco años.",
            "Los promotores explican que muchas familias de pescadores ven cómo sus hijos abandonan el oficio por falta de perspectivas o emigran en busca de empleo. El centro pretende ofrecerles una formación reconocida que les permita obtener las titulaciones necesarias para patronear una embarcación y acceder a créditos para comprar su propio barco.",
            "Los cursos combinan clases teóricas con salidas al mar junto a pescadores veteranos, que participan como tutores. «Yo aprendí mirando a mi padre, pero hoy hace falta saber de electrónica, de normas sanitarias y de gestión», resume uno de ellos, que lleva más de treinta años saliendo a faenar desde el puerto de la ciudad.",
            "El proyecto cuenta con la financiación de la región y de un programa de cooperación internacional, y prevé ampliar su oferta en los próximos años con formación en acuicultura y turismo pesquero. Las inscripciones para la segunda promoción se abrirán en marzo en la sede del centro y en las oficinas de la cooperativa local.",
        ),
        tags=("Alhucemas", "Pesca", "Formación profesional"),
    ),
    _original(
        "diario-del-estrecho", "2026-11-25 19:55", "tetuan-encuentro-escritores-memoria-compartida", "Cultura",
        ("Lucía Benítez",),
        "Tetuán reúne a escritores marroquíes y españoles en un encuentro sobre la memoria compartida",
        (
            "Una veintena de escritores marroquíes y españoles participan desde este miércoles en Tetuán en un encuentro literario dedicado a la memoria compartida entre las dos orillas del Estrecho. Las mesas redondas, que se celebran en una antigua escuela del ensanche, abordan temas como la emigración, la lengua española en el norte de Marruecos o la literatura de viajes.",
            "Muchos de los autores invitados escriben en español pese a haber nacido y crecido en Marruecos, una tradición que los organizadores quieren dar a conocer a las nuevas generaciones. «En Tetuán el español no es una lengua extranjera, es una lengua de casa para muchas familias», explicó una poeta local durante la sesión inaugural.",
            "El programa incluye lecturas públicas en cafés de la ciudad, talleres de escritura para estudiantes de secundaria y la presentación de una antología bilingüe que recoge textos de veinticinco autores contemporáneos. La obra se distribuirá gratuitamente en las bibliotecas de los institutos de la región a partir del próximo trimestre.",
            "Los organizadores confían en que el encuentro se convierta en una cita anual y se abra a autores de otros países del Mediterráneo. El ayuntamiento ha anunciado su intención de ceder de forma permanente un espacio en la medina para acoger actividades literarias durante todo el año.",
        ),
        tags=("Tetuán", "Literatura", "Memoria"),
        access=ACCESS_FREE,
    ),
)

# --- صوت المغرب (ar); like many Arabic-language sites, it uses numeric slugs -------------------

_SAWT_AL_MAGHRIB = (
    _original(
        "sawt-al-maghrib", "2026-11-22 20:30", "183388", "اقتصاد",
        ("مريم الإدريسي",),
        "افتتاح سوق أسبوعي جديد للمنتجات المحلية ببني ملال",
        (
            "افتتحت جماعة بني ملال، مساء اليوم السبت، سوقا أسبوعيا جديدا مخصصا لبيع المنتجات المحلية التي تنتجها التعاونيات الفلاحية والنسائية بالإقليم، وذلك في فضاء مغطى بالقرب من المحطة الطرقية. ويضم السوق أزيد من ستين محلا صغيرا تعرض فيها منتجات مثل العسل وزيت الزيتون والأجبان البلدية والأعشاب العطرية والمنسوجات التقليدية، إلى جانب ركن خاص بالمخبوزات المنزلية.",
            "وأوضح مسؤول بالجماعة أن الهدف من هذه المبادرة هو تمكين صغار المنتجين من بيع سلعهم مباشرة للمستهلك دون المرور عبر الوسطاء، مما يسمح لهم بالحصول على هامش ربح أفضل، ويتيح للأسر اقتناء منتجات طبيعية بأثمنة معقولة. وأضاف أن السوق سيفتح أبوابه كل يوم سبت من الساعة الثامنة صباحا إلى غاية السادسة مساء طيلة السنة.",
            "وعبرت عدد من النساء المنخرطات في التعاونيات عن ارتياحهن لهذه الخطوة، مؤكدات أنهن كن يجدن صعوبة كبيرة في تسويق منتجاتهن خارج القرى الجبلية التي يقطن بها. وقالت رئيسة تعاونية لإنتاج الكسكس اليدوي إن مشاركتها في السوق ستمكنها من التعرف على زبائن جدد، وربط علاقات مع أصحاب المحلات التجارية بالمدينة.",
            "ومن المنتظر أن تنظم الجماعة، بشراكة مع غرفة الفلاحة، دورات تكوينية لفائدة العارضين حول التعبئة والتغليف وشروط السلامة الصحية، حتى تتمكن التعاونيات من الحصول على الشهادات الضرورية لتسويق منتجاتها في المتاجر الكبرى. كما يجري التفكير في إحداث منصة رقمية تسمح للزبائن بطلب المنتجات عبر الإنترنت وتسلمها في السوق.",
        ),
        tags=("بني ملال", "أسواق", "منتجات محلية"),
        access=ACCESS_PAYWALLED,
    ),
    _original(
        "sawt-al-maghrib", "2026-11-23 11:45", "183401", "ثقافة",
        ("عبد الله الصنهاجي",),
        "مكناس تحتضن الدورة الأولى للمعرض الجهوي للكتاب",
        (
            "انطلقت صباح اليوم الإثنين بمدينة مكناس فعاليات الدورة الأولى للمعرض الجهوي للكتاب، بمشاركة أزيد من أربعين دار نشر مغربية، إلى جانب عدد من الجمعيات الثقافية والمكتبات الجامعية. ويقام المعرض داخل خيمة كبيرة نصبت بساحة قريبة من المدينة العتيقة، ويستمر إلى غاية يوم الأحد المقبل، مع دخول مجاني لجميع الزوار.",
            "ويتضمن برنامج المعرض لقاءات يومية مع كتاب وشعراء من جهة فاس مكناس، وحفلات توقيع لإصدارات جديدة في الرواية والشعر والدراسات التاريخية، فضلا عن ندوات حول واقع القراءة لدى الشباب ومستقبل الكتاب الورقي في زمن الشاشات. كما خصص المنظمون جناحا لكتب الأطفال يحتضن ورشات للرسم والحكي كل صباح.",
            "وأكد منظمو التظاهرة أن اختيار مكناس لاحتضان الدورة الأولى يعود إلى غنى تاريخها الثقافي، وإلى الحاجة إلى تقريب الكتاب من سكان المدن المتوسطة والقرى المجاورة، الذين يجدون صعوبة في التنقل إلى المعارض الكبرى. وأشاروا إلى أن الناشرين المشاركين التزموا بتقديم تخفيضات مهمة لفائدة التلاميذ والطلبة طيلة أيام المعرض.",
            "وشهد اليوم الأول إقبالا ملحوظا من طرف تلاميذ المؤسسات التعليمية الذين حلوا بالمعرض في إطار زيارات منظمة، حيث تجولوا بين الأروقة واقتنوا قصصا وكتبا مدرسية. ويأمل المنظمون أن يصبح المعرض موعدا سنويا قارا يساهم في تشجيع القراءة وإنعاش سوق النشر بالجهة، وأن تتوسع مشاركة الناشرين في الدورات المقبلة.",
        ),
        tags=("مكناس", "معرض الكتاب", "نشر"),
        access=ACCESS_FREE,
    ),
    _original(
        "sawt-al-maghrib", "2026-11-23 21:10", "183417", "مجتمع",
        ("سناء بلحاج",),
        "إقبال متزايد على التكوين المهني في جهة الشرق",
        (
            "كشفت معطيات قدمتها المديرية الجهوية للتكوين المهني بجهة الشرق، خلال لقاء تواصلي نظم مساء اليوم بوجدة، عن ارتفاع عدد المسجلين في مراكز التكوين بنسبة تقارب خمسة عشر في المائة مقارنة مع الموسم الماضي. وعزت المديرية هذا الارتفاع إلى فتح شعب جديدة مرتبطة بالطاقات المتجددة والصيانة الصناعية والمهن الرقمية.",
            "وأوضح المتدخلون أن الشعب الأكثر طلبا هذه السنة هي تلك المتعلقة بتركيب الألواح الشمسية وإصلاح الأجهزة الإلكترونية وتطوير التطبيقات، في حين عرفت بعض الشعب التقليدية مثل النجارة والحدادة تراجعا في عدد المترشحين. وأشاروا إلى أن نسبة الإناث بلغت لأول مرة ما يقارب ثلث مجموع المتدربين بالجهة.",
            "وأكد عدد من أرباب المقاولات الحاضرين في اللقاء حاجتهم إلى يد عاملة مؤهلة، خاصة في المناطق الصناعية الجديدة بكل من الناظور وبركان، داعين إلى تعزيز التداريب الميدانية داخل المقاولات حتى يكتسب الشباب الخبرة العملية المطلوبة قبل ولوج سوق الشغل. كما طالبوا بملاءمة البرامج مع التحولات التكنولوجية المتسارعة.",
            "وفي ختام اللقاء، أعلنت المديرية عن قرب افتتاح مركز جديد للتكوين في مهن الفلاحة والصناعة الغذائية بمدينة تاوريرت، بطاقة استيعابية تصل إلى ستمائة متدرب، على أن يستقبل أول فوج مع بداية الموسم المقبل. كما تم الإعلان عن برنامج للمنح لفائدة المتدربين المنحدرين من الجماعات القروية البعيدة.",
        ),
        tags=("جهة الشرق", "التكوين المهني", "وجدة"),
    ),
    _original(
        "sawt-al-maghrib", "2026-11-24 09:05", "183430", "مجتمع",
        ("مريم الإدريسي", "سناء بلحاج"),
        "قافلة طبية مجانية لفائدة سكان الدواوير الجبلية بإقليم أزيلال",
        (
            "انطلقت صباح اليوم الثلاثاء قافلة طبية متعددة التخصصات لفائدة سكان عدد من الدواوير الجبلية بإقليم أزيلال، بمبادرة من جمعية للأطباء المتطوعين وبتنسيق مع المصالح الصحية الإقليمية. وتضم القافلة أطباء في الطب العام وطب الأطفال وأمراض النساء وطب العيون وطب الأسنان، إلى جانب ممرضين وصيادلة ومتطوعين من أبناء المنطقة.",
            "ومن المنتظر أن تقدم القافلة، على مدى ثلاثة أيام، خدمات طبية لأزيد من ألفي شخص، مع توزيع الأدوية بشكل مجاني على المرضى، وإجراء فحوصات للكشف المبكر عن داء السكري وارتفاع الضغط الدموي. كما ستجرى عمليات بسيطة لإزالة الماء الأبيض من العين داخل وحدة متنقلة مجهزة لهذا الغرض.",
            "وأوضح منسق القافلة أن اختيار هذه المناطق جاء بسبب بعدها عن المراكز الصحية ووعورة المسالك المؤدية إليها، خاصة خلال فصل الشتاء حين تتسبب الثلوج في عزل عدد من القرى لأيام. وأضاف أن كثيرا من المسنين لم يزوروا طبيبا منذ سنوات، بسبب تكاليف التنقل وغياب وسائل النقل المنتظمة.",
            "وعبر السكان عن امتنانهم لهذه المبادرة، مطالبين في الوقت نفسه بحلول دائمة، من قبيل تعزيز الموارد البشرية بالمستوصفات القروية وتوفير سيارات إسعاف مجهزة. وأكدت الجمعية المنظمة أنها تعتزم تنظيم قوافل مماثلة في أقاليم جبلية أخرى خلال الأشهر المقبلة، بشراكة مع السلطات المحلية والمجالس المنتخبة.",
        ),
        tags=("أزيلال", "قافلة طبية", "صحة"),
        access=ACCESS_FREE,
        modified="2026-11-24 13:20",
    ),
    _original(
        "sawt-al-maghrib", "2026-11-24 17:30", "183446", "جهات",
        ("يوسف الحمداوي",),
        "تساقطات ثلجية مرتقبة بمرتفعات الأطلس خلال الأيام المقبلة",
        (
            "توقعت مصالح الأرصاد الجوية تساقطات ثلجية مهمة بمرتفعات الأطلس الكبير والمتوسط ابتداء من ليلة الأربعاء إلى يوم الجمعة، مع انخفاض ملموس في درجات الحرارة قد يصل إلى ثماني درجات تحت الصفر في بعض المناطق. وأوضحت النشرة أن سمك الثلوج قد يتجاوز ثلاثين سنتيمترا في المناطق التي يفوق علوها ألفا وخمسمائة متر.",
            "وعلى إثر ذلك، أعلنت السلطات بعدد من الأقاليم الجبلية عن تعبئة آليات إزاحة الثلوج وفرق التدخل، مع تخزين كميات من المواد الغذائية وحطب التدفئة في المراكز القروية تحسبا لانقطاع الطرق. كما دعت السائقين إلى تفادي التنقل عبر المقاطع الجبلية إلا للضرورة، والتأكد من جاهزية عرباتهم قبل السفر.",
            "ويستعد سكان القرى المعنية لهذه الموجة من البرد بتجهيز منازلهم واقتناء ما يكفي من المؤن، في حين ينتظر مهنيو السياحة الجبلية بإفران وميشليفن تساقط الثلوج بفارغ الصبر، على أمل استقبال أعداد كبيرة من الزوار خلال عطلة نهاية الأسبوع. وتوقع أصحاب الفنادق أن تصل نسبة الحجوزات إلى مستويات مرتفعة.",
            "ويرى مختصون أن هذه التساقطات ستكون مفيدة للفرشة المائية وللسدود، بعد سنوات من الجفاف، شريطة أن تستمر على فترات متقطعة تسمح بذوبان الثلوج ببطء. غير أنهم نبهوا إلى ضرورة الحذر من مخاطر الاختناق الناجم عن استعمال وسائل التدفئة التقليدية داخل غرف مغلقة وسيئة التهوية.",
        ),
        tags=("الأطلس", "تساقطات ثلجية", "أحوال الطقس"),
    ),
    _original(
        "sawt-al-maghrib", "2026-11-25 00:20", "183452", "ثقافة",
        ("عبد الله الصنهاجي",),
        "اختتام مهرجان الفيلم القصير بالناظور بتتويج فيلم عن الهجرة",
        (
            "أسدل الستار في وقت متأخر من ليلة الثلاثاء على فعاليات الدورة السابعة لمهرجان الفيلم القصير بالناظور، بتتويج فيلم يروي قصة شاب من المدينة يحاول العبور إلى الضفة الأخرى بالجائزة الكبرى. وجرى حفل الاختتام بقاعة مكتظة بالجمهور، بحضور مخرجين وممثلين من المغرب وإسبانيا وتونس وعدد من البلدان الأخرى.",
            "وأشادت لجنة التحكيم بجرأة الفيلم المتوج وبأداء ممثليه الشباب، الذين شارك أغلبهم في التمثيل لأول مرة، كما نوهت بالتصوير الذي نقل بدقة أجواء الأحياء الشعبية المطلة على البحر. وعادت جائزة الإخراج إلى مخرجة شابة من الرباط عن فيلم يتناول علاقة جدة بحفيدتها في حي قديم.",
            "وعرفت هذه الدورة مشاركة ستة عشر فيلما في المسابقة الرسمية، اختيرت من بين أكثر من مائتي عمل توصلت بها إدارة المهرجان. كما نظمت على هامشها ورشات في كتابة السيناريو والمونتاج لفائدة طلبة المدينة، ولقاءات مفتوحة مع المخرجين بعد العروض، شهدت نقاشات مطولة حول قضايا الهجرة والهوية.",
            "وأكد مدير المهرجان في كلمته الختامية أن التظاهرة أصبحت موعدا ثقافيا ينتظره سكان المنطقة كل سنة، داعيا إلى إحداث قاعة سينمائية دائمة بالمدينة تتيح للشباب مشاهدة الأفلام طيلة السنة. كما أعلن عن تخصيص الدورة المقبلة لسينما المرأة في بلدان البحر الأبيض المتوسط.",
        ),
        tags=("الناظور", "سينما", "الهجرة"),
        access=ACCESS_PAYWALLED,
    ),
    _original(
        "sawt-al-maghrib", "2026-11-25 14:50", "183468", "اقتصاد",
        ("يوسف الحمداوي",),
        "انطلاق موسم جني الزيتون بجهة فاس مكناس وسط توقعات بمحصول جيد",
        (
            "انطلق موسم جني الزيتون بعدد من أقاليم جهة فاس مكناس، وسط توقعات بمحصول أفضل من الموسم الماضي بفضل التساقطات المطرية التي عرفتها المنطقة خلال فصل الربيع. وتشهد الحقول بضواحي صفرو وتاونات ومولاي يعقوب حركة دؤوبة، حيث تتجند الأسر والعمال الموسميون لجني الثمار ونقلها نحو المعاصر.",
            "وأفاد مهنيون في القطاع أن أثمنة الزيتون عرفت انخفاضا نسبيا مقارنة مع السنة الماضية، مما قد ينعكس إيجابا على سعر زيت الزيتون في الأسواق المحلية، بعد موسمين عرفا ارتفاعا كبيرا في الأسعار أثقل كاهل الأسر. غير أنهم أشاروا إلى أن تكاليف اليد العاملة والنقل ما تزال مرتفعة.",
            "وتعرف المعاصر التقليدية والعصرية بالمنطقة إقبالا كبيرا، حيث يضطر الفلاحون أحيانا إلى الانتظار لساعات قبل عصر محصولهم. ويفضل كثير من المستهلكين اقتناء الزيت مباشرة من المعاصر، للتأكد من جودته ومصدره، في حين تتجه كميات أخرى نحو التعاونيات التي تعمل على تعبئته وتسويقه داخل المغرب وخارجه.",
            "ودعت المصالح الفلاحية الفلاحين إلى احترام الممارسات الجيدة في الجني، وتجنب ضرب الأغصان بالعصي لما يسببه ذلك من أضرار للأشجار وللمحصول المقبل، مع الحرص على نقل الزيتون في صناديق مهواة بدل الأكياس البلاستيكية، وعصره في أقرب وقت ممكن بعد الجني للحفاظ على جودة الزيت ومذاقه.",
        ),
        tags=("فاس مكناس", "زيت الزيتون", "فلاحة"),
    ),
)

ORIGINAL_ARTICLES: tuple[SampleArticle, ...] = (
    _ATLAS_GAZETTE + _CASABLANCA_COURIER + _DIARIO_DEL_ESTRECHO + _SAWT_AL_MAGHRIB
)

# --- Revue Maghreb (the aggregator) -----------------------------------------------------------

AGGREGATOR_ID = "revue-maghreb"


def _original_article(outlet_id: str, slug: str) -> SampleArticle:
    for article in ORIGINAL_ARTICLES:
        if article.outlet_id == outlet_id and article.slug == slug:
            return article
    raise KeyError(f"no original article {outlet_id}/{slug}")


def _republished(outlet_id: str, slug: str) -> SampleArticle:
    """The aggregator's verbatim copy of an original article, in the original's language."""
    original = _original_article(outlet_id, slug)
    return SampleArticle(
        outlet_id=AGGREGATOR_ID,
        slug=f"{original.outlet_id}-{original.slug}",
        title=original.title,
        language=original.language,
        published_at=original.published_at,
        modified_at=None,
        authors=(),
        section=original.section,
        paragraphs=original.paragraphs,
        tags=original.tags,
        access=ACCESS_UNKNOWN,
        image_path=original.image_path,
        origin_outlet_id=original.outlet_id,
        origin_slug=original.slug,
    )


# Chosen to mix languages and to include three just-after-midnight originals.
AGGREGATOR_ARTICLES: tuple[SampleArticle, ...] = (
    _republished("diario-del-estrecho", "medina-tetuan-recorrido-senalizado-tres-idiomas"),
    _republished("casablanca-courier", "overnight-rain-floods-casablanca-underpasses"),
    _republished("sawt-al-maghrib", "183401"),
    _republished("diario-del-estrecho", "acuerdo-de-madrugada-evita-huelga-estibadores"),
    _republished("atlas-gazette", "oriental-quarante-bibliotheques-scolaires"),
    _republished("sawt-al-maghrib", "183452"),
    _republished("casablanca-courier", "water-authority-urges-households-to-save"),
)

ARTICLES: tuple[SampleArticle, ...] = tuple(
    sorted(ORIGINAL_ARTICLES + AGGREGATOR_ARTICLES, key=lambda a: (a.published_at, a.outlet_id))
)

# A story the English outlet's feed still lists but whose page was taken down: fetching it
# returns 404, so a run must record it as failed rather than crash or skip it silently.
DELETED_ARTICLES: tuple[SampleArticle, ...] = (
    _original(
        "casablanca-courier", "2026-11-24 11:30", "city-denies-bus-fare-increase", "City",
        ("Omar Benjelloun",),
        "City denies plan to raise bus fares in January",
        (
            "City officials on Tuesday denied reports that bus fares would rise at the start of next year, saying no decision had been taken.",
        ),
    ),
)
DELETED_PATHS: tuple[str, ...] = tuple(a.path for a in DELETED_ARTICLES)


def articles_for(outlet_id: str, day: date) -> tuple[SampleArticle, ...]:
    """The outlet's articles published on ``day`` in the outlet's local time, oldest first."""
    outlet(outlet_id)  # unknown ids are a caller bug, not an empty day
    return tuple(a for a in ARTICLES if a.outlet_id == outlet_id and a.local_date == day)


def articles_of(outlet_id: str) -> tuple[SampleArticle, ...]:
    """All of the outlet's articles, oldest first."""
    outlet(outlet_id)
    return tuple(a for a in ARTICLES if a.outlet_id == outlet_id)


def original_of(article: SampleArticle) -> SampleArticle:
    """The original an aggregator copy republishes (ValueError for an original)."""
    if article.origin_outlet_id is None or article.origin_slug is None:
        raise ValueError(f"{article.path} is not an aggregator copy")
    return _original_article(article.origin_outlet_id, article.origin_slug)
