"""News (actualités): every write (create, update, delete, mark read) and the scoped queries. Routes commit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

import mail
from blueprints import uploads
from blueprints.news import rules
from models import ContentChange, Enrollment, NewsItem, NewsRead, Period, Person, User, db


def audience_of(item: NewsItem) -> rules.Audience:
    return rules.Audience(item.audience, item.school_id, item.activity_id)


def published_query(now: dt.datetime):
    """Items shown at `now`, the newest first."""
    return select(NewsItem).where(NewsItem.publish_at <= now).order_by(NewsItem.publish_at.desc(), NewsItem.id.desc())


def public_items(now: dt.datetime, limit: int | None = None) -> list[NewsItem]:
    """What the public Actualités page and the Atom feed list: every published item (1 query)."""
    query = published_query(now)
    return list(db.session.execute(query.limit(limit) if limit else query).scalars())


def published_item(news_id: int, now: dt.datetime) -> NewsItem | None:
    """One item as the public sees it: None when it does not exist or is not published yet."""
    item = db.session.get(NewsItem, news_id)
    return item if item is not None and rules.published(item.publish_at, now) else None


def family_reach(family_id: int, today: dt.date) -> tuple[set[int], set[int]]:
    """The schools of the family's children and the activities they are enrolled in now or later (2 queries)."""
    schools = set(db.session.execute(
        select(Person.school_id).where(Person.family_id == family_id, Person.role == "child",
                                       Person.school_id.is_not(None))).scalars())
    activities = set(db.session.execute(
        select(Enrollment.activity_id).join(Person, Enrollment.child_id == Person.id)
        .join(Period, Enrollment.period_id == Period.id)
        .where(Person.family_id == family_id, Period.end_date >= today)).scalars())
    return schools, activities


def _family_query(family_id: int, now: dt.datetime, today: dt.date):
    schools, activities = family_reach(family_id, today)
    return published_query(now).where(or_(
        NewsItem.audience == "all",
        (NewsItem.audience == "school") & NewsItem.school_id.in_(schools or {0}),
        (NewsItem.audience == "activity") & NewsItem.activity_id.in_(activities or {0}),
    ))


def family_items(family_id: int, user_id: int, now: dt.datetime, today: dt.date,
                 limit: int | None = None) -> list[tuple[NewsItem, bool]]:
    """Mes actualités: the published items for the family (everybody's, its children's schools' and activities'),
    newest first, each with whether this login has read it (3 queries)."""
    read = exists().where(NewsRead.news_id == NewsItem.id, NewsRead.user_id == user_id)
    query = _family_query(family_id, now, today).add_columns(read)
    if limit:
        query = query.limit(limit)
    return [(item, bool(was_read)) for item, was_read in db.session.execute(query)]


def family_item(family_id: int, news_id: int, now: dt.datetime, today: dt.date) -> NewsItem | None:
    """One item if it is published and for this family, else None (the route answers 404)."""
    return db.session.execute(_family_query(family_id, now, today).where(NewsItem.id == news_id)).scalar_one_or_none()


def unread_count(family_id: int, user_id: int, now: dt.datetime, today: dt.date) -> int:
    read = exists().where(NewsRead.news_id == NewsItem.id, NewsRead.user_id == user_id)
    query = _family_query(family_id, now, today).where(~read).order_by(None)
    return db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()


def mark_read(item: NewsItem, user_id: int, now: dt.datetime) -> None:
    """Remember that this login read `item` (once: a second read, or two tabs at once, change nothing)."""
    if db.session.execute(select(NewsRead.id).where(NewsRead.news_id == item.id,
                                                    NewsRead.user_id == user_id)).first():
        return
    try:
        with db.session.begin_nested():
            db.session.add(NewsRead(news_id=item.id, user_id=user_id, read_at=now))
    except IntegrityError:
        pass  # the other tab wrote it first


def all_items() -> list[NewsItem]:
    """Every item, for the agents: the planned ones first, then the newest."""
    return list(db.session.execute(select(NewsItem).order_by(NewsItem.publish_at.desc(), NewsItem.id.desc()))
                .scalars())


def record(kind: str, target: str, action: str, user_id: int | None, now: dt.datetime,
           before: str = "", after: str = "") -> None:
    """One line of the history of public content (who, when, what, before and after)."""
    db.session.add(ContentChange(kind=kind, target=target[:150], action=action, user_id=user_id, at=now,
                                 before=before, after=after))


def _snapshot(item: NewsItem) -> str:
    targets = {"school": f"école {item.school_id}", "activity": f"activité {item.activity_id}"}
    target = targets.get(item.audience, "tous")
    return (f"{item.title}\nPublication : {item.publish_at.isoformat()}\nPour : {target}\n"
            f"Image : {item.image_alt or '-'}\n\n{item.body}")


def save(item: NewsItem, *, title: str, body: str, publish_at: dt.datetime, audience: rules.Audience,
         image: uploads.CheckedFile | None, image_alt: str, remove_image: bool, user_id: int,
         now: dt.datetime) -> list[str]:
    """Create or update `item` and record the change; returns the stored files to discard after the commit (a
    replaced picture). A new picture is written before the row: the caller discards it if the commit fails."""
    created = item.id is None
    before = "" if created else _snapshot(item)
    old_files = []
    item.title, item.body, item.publish_at = title, body, publish_at
    item.audience = audience.kind
    item.school_id = audience.school_id if audience.kind == "school" else None
    item.activity_id = audience.activity_id if audience.kind == "activity" else None
    if (image is not None or remove_image) and item.image_name:
        old_files.append(item.image_name)
        item.image_name, item.image_type = None, None
    if image is not None:
        item.image_name, item.image_type = uploads.store(image.data, image.content_type), image.content_type
    item.image_alt = image_alt if item.image_name else ""
    if created:
        item.created_by_id, item.created_at = user_id, now
        db.session.add(item)
    else:
        item.updated_by_id, item.updated_at = user_id, now
    db.session.flush()
    record("news", title, "created" if created else "updated", user_id, now, before, _snapshot(item))
    return old_files


def remove(item: NewsItem, user_id: int, now: dt.datetime) -> list[str]:
    """Delete an item (and who read it); returns its stored picture to discard after the commit."""
    record("news", item.title, "deleted", user_id, now, _snapshot(item), "")
    files = [item.image_name] if item.image_name else []
    db.session.execute(delete(NewsRead).where(NewsRead.news_id == item.id))
    db.session.delete(item)
    return files


# --------------------------------------------------------------------------- e-mails


def families_reached(item: NewsItem, today: dt.date) -> list[int]:
    """The families an item is for that have an active login (1 query): every family for "all", those with a child
    at the school, or enrolled in the activity now or later (as family_reach sees it)."""
    query = select(User.family_id).where(User.family_id.is_not(None), User.active.is_(True)).distinct()
    if item.audience == "school":
        query = query.where(exists().where(Person.family_id == User.family_id, Person.role == "child",
                                           Person.school_id == item.school_id))
    elif item.audience == "activity":
        query = query.where(exists().where(
            Person.family_id == User.family_id, Enrollment.child_id == Person.id,
            Enrollment.activity_id == item.activity_id, Enrollment.period_id == Period.id, Period.end_date >= today))
    return sorted(db.session.execute(query).scalars())


def announce_due(now: dt.datetime, today: dt.date) -> tuple[int, int]:
    """E-mail the families concerned by each item published since the last call (rules.to_announce), once: the item
    is claimed (announced_at set where it was empty, committed) before any e-mail, so two processes never both
    announce it. Only the logins that kept "Actualités" in "Mon espace" get it (notify.mail_family, kind "news");
    the e-mail has the title and a link, never the text. Returns (items announced, e-mails sent)."""
    from flask import current_app
    from flask_babel import force_locale
    from flask_babel import lazy_gettext as _l

    from blueprints.notify import families_addresses, mail_family

    candidates = db.session.execute(select(NewsItem).where(
        NewsItem.announced_at.is_(None), NewsItem.publish_at <= now,
        NewsItem.publish_at >= now - rules.ANNOUNCE_WITHIN).order_by(NewsItem.publish_at)).scalars().all()
    items, sent = 0, 0
    for item in candidates:
        if not rules.to_announce(item.publish_at, item.announced_at, now):
            continue
        claimed = db.session.execute(update(NewsItem).where(NewsItem.id == item.id, NewsItem.announced_at.is_(None))
                                     .values(announced_at=now).execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        if not claimed:
            continue
        items += 1
        link = mail.external_url("news.family_detail", news_id=item.id)
        title = " ".join(item.title.split())  # one line: it goes in the subject
        addresses = families_addresses(families_reached(item, today), "news")  # one query for every family
        with force_locale("fr"):
            for family_id, family_addresses in addresses.items():
                try:
                    sent += mail_family(family_id, _l("Actualité du service Enfance : %(title)s", title=title),
                                        "news/mail_news", addresses=family_addresses, title=title, link=link)
                except Exception:  # one family's message failing never stops the others
                    current_app.logger.exception("news %s: e-mail to family %s failed", item.id, family_id)
    return items, sent
