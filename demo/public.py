"""Demo public space (#9): news (one planned later, one per school and activity audience), a month of canteen
menus for each school with their allergens and labels (Léa Martin's peanut allergy meets some of them), the pages
agents edit (services, schools, règlement with its PDF, programmes with their files, contact), relative to `today`.
Files are written to instance/uploads. Flush only: the seed commits."""

from __future__ import annotations

import datetime as dt

from blueprints import uploads
from demo.documents import demo_pdf, demo_png
from demo.schoolyear import PARIS, UTC
from models import MenuDish, NewsItem, School, SiteFile, SitePage, User, db

MENU_WEEKS = 5  # from the Monday of `today`'s week: a month of menus, whatever the day of the month

# A rotation of four weeks of menus (Monday, Tuesday, Wednesday, Thursday, Friday), each day:
# (course, name, allergens, labels). Peanuts on some days, so that the agenda warns for Léa Martin.
ROTATION = [
    [
        [("starter", "Carottes râpées vinaigrette", "mustard", "organic,local"),
         ("main", "Poulet rôti", "", "local"), ("side", "Haricots verts", "", "organic"),
         ("dairy", "Yaourt nature", "milk", "local"), ("dessert", "Pomme", "", "organic,local")],
        [("starter", "Salade de lentilles", "mustard,celery", ""),
         ("main", "Poulet sauce cacahuète", "peanuts,soy", ""), ("side", "Riz basmati", "", "organic"),
         ("dessert", "Compote de poires", "", "")],
        [("main", "Lasagnes végétariennes", "gluten,milk,eggs", "vegetarian"), ("side", "Salade verte", "", "local"),
         ("dessert", "Fromage blanc", "milk", "")],
        [("starter", "Potage de potiron", "celery,milk", "organic"),
         ("main", "Filet de colin pané", "fish,gluten,eggs", ""), ("side", "Purée de pommes de terre", "milk", "local"),
         ("dessert", "Clémentines", "", "")],
        [("starter", "Betteraves persillées", "", "local"),
         ("main", "Omelette aux fines herbes", "eggs,milk", "vegetarian,organic"),
         ("side", "Pâtes fusilli", "gluten", "organic"),
         ("dessert", "Gâteau aux noisettes", "gluten,eggs,milk,nuts", "")],
    ],
    [
        [("starter", "Céleri rémoulade", "celery,eggs,mustard", ""), ("main", "Bœuf bourguignon", "sulphites", "local"),
         ("side", "Carottes Vichy", "", "organic"), ("dessert", "Poire", "", "local")],
        [("main", "Curry de pois chiches", "", "vegetarian,organic"), ("side", "Semoule", "gluten", ""),
         ("dairy", "Emmental", "milk", ""), ("dessert", "Banane", "", "")],
        [("main", "Hachis parmentier", "milk", "local"), ("side", "Salade verte", "", ""),
         ("dessert", "Crème dessert vanille", "milk", "")],
        [("starter", "Salade asiatique au sésame", "sesame,soy", ""),
         ("main", "Nuggets de poulet, sauce aux arachides", "gluten,peanuts", ""),
         ("side", "Poêlée de légumes", "", "organic"), ("dessert", "Ananas", "", "")],
        [("starter", "Œuf mayonnaise", "eggs,mustard", ""), ("main", "Dos de cabillaud", "fish", ""),
         ("side", "Riz pilaf", "", ""), ("dessert", "Yaourt aux fruits", "milk", "local")],
    ],
    [
        [("starter", "Taboulé", "gluten", ""), ("main", "Rôti de porc (ou de dinde)", "", "local"),
         ("side", "Flageolets", "", ""), ("dessert", "Kiwi", "", "")],
        [("starter", "Radis beurre", "milk", "local"), ("main", "Satay de poulet", "peanuts", ""),
         ("side", "Nouilles sautées", "gluten,soy,eggs", ""), ("dessert", "Mandarine", "", "")],
        [("main", "Quiche lorraine", "gluten,eggs,milk", ""), ("side", "Salade de mâche", "", "local"),
         ("dessert", "Compote pomme-fraise", "", "organic")],
        [("main", "Moules marinières", "molluscs,sulphites", ""), ("side", "Frites au four", "", ""),
         ("dessert", "Fromage blanc au miel", "milk", "local")],
        [("starter", "Chou rouge aux pommes", "", "organic,local"), ("main", "Chili sin carne", "", "vegetarian"),
         ("side", "Riz complet", "", "organic"), ("dessert", "Brownie", "gluten,eggs,milk,nuts", "")],
    ],
    [
        [("starter", "Velouté de poireaux", "milk,celery", "local"), ("main", "Sauté de dinde à la moutarde",
                                                                       "mustard,milk", ""),
         ("side", "Pommes vapeur", "", "local"), ("dessert", "Orange", "", "")],
        [("starter", "Crevettes et avocat", "crustaceans", ""), ("main", "Gratin de pâtes", "gluten,milk", ""),
         ("dessert", "Tarte aux pommes", "gluten,eggs,milk", "")],
        [("main", "Galette de sarrasin complète", "eggs,milk", ""), ("side", "Salade verte", "", ""),
         ("dessert", "Poire", "", "organic")],
        [("starter", "Salade de chou blanc", "mustard", ""), ("main", "Mafé de bœuf (sauce arachide)", "peanuts", ""),
         ("side", "Riz blanc", "", ""), ("dessert", "Yaourt à la vanille", "milk", "")],
        [("main", "Parmentier de poisson", "fish,milk", ""), ("side", "Brocolis", "", "organic"),
         ("dessert", "Pain d'épices", "gluten,lupin", "")],
    ],
]

NEWS = [  # (title, body, days before `today` (negative: later), audience, school key or activity code)
    ("Inscriptions aux vacances de Noël",
     "Les inscriptions à l'**accueil de loisirs** pour les vacances de Noël sont ouvertes.\n\n"
     "- Réservez dans l'agenda de chaque enfant ;\n- les places sont limitées : une liste d'attente est ouverte "
     "quand une journée est complète.\n\nPlus d'informations : [nous contacter](/contact).",
     2, "all", None),
    ("Menus de la restauration scolaire en ligne",
     "Les menus de chaque école sont publiés chaque semaine, avec les **14 allergènes réglementaires** de chaque "
     "plat. Si votre enfant a une allergie déclarée, son agenda vous prévient au créneau du repas.",
     5, "all", None),
    ("Photo de classe à l'école Jean-de-La-Fontaine",
     "Le photographe passera dans les classes le **jeudi suivant**. Pensez à l'autorisation de droit à l'image.",
     1, "school", "elementaire"),
    ("Sortie au jardin partagé le mercredi",
     "Les enfants de l'accueil de loisirs du mercredi iront au jardin partagé. Prévoir des bottes.",
     3, "activity", "alsh-mercredi"),
    ("Fermeture du service pendant les fêtes",
     "Le service Enfance sera fermé entre Noël et le jour de l'An. Les demandes seront traitées à la rentrée.",
     -7, "all", None),  # planned: shows seven days after `today`
]


PAGES = {  # slug -> (title, Markdown text, files: (title, kind))
    "services": ("Services et activités", (
        "## Accueil périscolaire\n\nLe matin de **7 h 30** à l'heure de l'école, le soir de la sortie des classes à "
        "**18 h 30**, dans chaque école, pour les enfants de 3 à 11 ans.\n\n"
        "## Restauration scolaire\n\nUn repas complet chaque jour d'école, préparé par la cuisine centrale. "
        "Les menus sont publiés chaque semaine avec leurs allergènes.\n\n"
        "## Accueil de loisirs\n\nLe **mercredi** et pendant les **vacances**, de 7 h 30 à 18 h 30, 60 places "
        "(3-11 ans).\n\n## Comment inscrire mon enfant ?\n\n1. Faites l'inscription administrative de l'année "
        "(démarche en ligne) ;\n2. puis réservez les jours dans l'agenda de votre enfant."), ()),
    "ecoles": ("Les écoles", "La commune compte trois écoles publiques. L'inscription à l'école se fait en mairie.",
               ()),
    "reglement": ("Règlement intérieur", (
        "## Article 1 : réservations\n\nLes réservations se font dans l'agenda de chaque enfant, avant les délais "
        "affichés.\n\n## Article 2 : absences\n\nUne absence justifiée par un certificat envoyé dans les 48 heures "
        "n'est pas facturée.\n\n## Article 3 : santé\n\nUne allergie alimentaire demande un projet d'accueil "
        "individualisé (PAI)."), (("Règlement intérieur 2026-2027", "pdf"),)),
    "programmes": ("Programmes de l'accueil de loisirs", (
        "Chaque période a son thème : **« Les petits jardiniers »** jusqu'aux vacances de Noël, puis **« Le tour du "
        "monde »**. Les programmes détaillés sont à télécharger ci-dessous."),
        (("Programme des mercredis jusqu'à Noël", "pdf"), ("Affiche des vacances de Noël", "png"))),
    "contact": ("Contact", (
        "## Écrire au bon service\n\n- **Activités périscolaires** (inscription vacances, études) : accueil du "
        "service Enfance ;\n- **Service scolaire** (facturation, quotient, inscription école) : accueil de la "
        "mairie."), ()),
}


def _add_pages(agent: User, now: dt.datetime) -> None:
    for slug, (title, body, files) in PAGES.items():
        page = SitePage(slug=slug, title=title, body=body, updated_at=now, updated_by_id=agent.id)
        db.session.add(page)
        db.session.flush()
        for file_title, kind in files:
            if kind == "pdf":
                data, content_type = demo_pdf(file_title), "application/pdf"
            else:
                data, content_type = demo_png(), "image/png"
            db.session.add(SiteFile(page_id=page.id, title=file_title, content_type=content_type, size=len(data),
                                    stored_name=uploads.store(data, content_type), uploaded_at=now))


def add_public(schools: dict[str, School], activities: dict, agent: User, now: dt.datetime, today: dt.date) -> None:
    """News, a month of menus for each school, the public pages and their files (flush only)."""
    _add_pages(agent, now)
    for title, body, days_before, audience, target in NEWS:
        publish_local = dt.datetime.combine(today - dt.timedelta(days=days_before), dt.time(8, 30), PARIS)
        publish_at = publish_local.astimezone(UTC)
        item = NewsItem(title=title, body=body, publish_at=publish_at, audience=audience, created_by_id=agent.id,
                        created_at=now, announced_at=publish_at if publish_at <= now else None)
        if audience == "school":
            item.school = schools[target]
        elif audience == "activity":
            item.activity = activities[target][0]  # (activity, period, units)
        db.session.add(item)
    monday = today - dt.timedelta(days=today.weekday())
    for offset, school in enumerate(schools.values()):
        for week in range(MENU_WEEKS):
            days = ROTATION[(week + offset) % len(ROTATION)]
            for weekday, dishes in enumerate(days):
                day = monday + dt.timedelta(days=7 * week + weekday)
                db.session.add_all(MenuDish(school=school, day=day, course=course, name=name, position=position,
                                            allergens=allergens, labels=labels)
                                   for position, (course, name, allergens, labels) in enumerate(dishes))
    db.session.flush()

