"""Canteen menus: the queries (a school's week, a child's month in one query) and every write (add, delete,
import a CSV), each recorded in the history of public content. Routes commit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, tuple_

from blueprints.menus import rules
from blueprints.news.service import record
from models import ChildHealth, MenuDish, School, db


def schools() -> list[School]:
    return list(db.session.execute(select(School).order_by(School.name)).scalars())


def dishes(school_id: int, start: dt.date, end: dt.date) -> dict[dt.date, list[MenuDish]]:
    """The dishes of a school from `start` to `end`, by day, in course order (1 query)."""
    rows = db.session.execute(
        select(MenuDish).where(MenuDish.school_id == school_id, MenuDish.day.between(start, end))
        .order_by(MenuDish.day, MenuDish.position, MenuDish.id)).scalars()
    order = list(rules.COURSES)
    by_day: dict[dt.date, list[MenuDish]] = {}
    for dish in rows:
        by_day.setdefault(dish.day, []).append(dish)
    for day_dishes in by_day.values():
        day_dishes.sort(key=lambda d: (order.index(d.course) if d.course in order else 99, d.position, d.id))
    return by_day


def _describe(dish: MenuDish) -> str:
    allergens = ", ".join(rules.ALLERGENS[c] for c in rules.ALLERGENS if c in rules.split_codes(dish.allergens))
    labels = ", ".join(rules.LABELS[c] for c in rules.LABELS if c in rules.split_codes(dish.labels))
    return (f"{dish.day.isoformat()} {rules.COURSES.get(dish.course, dish.course)} : {dish.name}"
            f" — allergènes : {allergens or 'aucun'} — labels : {labels or 'aucun'}")


def add_dish(school: School, day: dt.date, course: str, name: str, allergens, labels, *, user_id: int,
             now: dt.datetime) -> MenuDish:
    position = len(db.session.execute(select(MenuDish.id).where(MenuDish.school_id == school.id,
                                                                MenuDish.day == day)).all())
    dish = MenuDish(school_id=school.id, day=day, course=course, name=name, position=position,
                    allergens=rules.join_codes(allergens, rules.ALLERGENS),
                    labels=rules.join_codes(labels, rules.LABELS))
    db.session.add(dish)
    db.session.flush()
    record("menu", f"{school.name}, {day.isoformat()}", "created", user_id, now, "", _describe(dish))
    return dish


def delete_dish(dish: MenuDish, *, user_id: int, now: dt.datetime) -> None:
    record("menu", f"{dish.school.name}, {dish.day.isoformat()}", "deleted", user_id, now, _describe(dish), "")
    db.session.delete(dish)


def import_dishes(parsed: rules.ImportResult, *, user_id: int, now: dt.datetime) -> tuple[int, list[tuple[int, str]]]:
    """Replace the menus of every (school, day) the file names by its dishes, all or nothing: returns (number of
    dishes, errors). An unknown school is an error of its line; with any error nothing is written."""
    by_name = {rules.plain(s.name).strip(): s for s in schools()}
    errors = list(parsed.errors)
    resolved = []
    for dish in parsed.dishes:
        school = by_name.get(rules.plain(dish.school).strip())
        if school is None:
            errors.append((dish.line, "unknown_school:" + dish.school[:60]))
        else:
            resolved.append((school, dish))
    if errors or not resolved:
        return 0, sorted(errors) or [(1, "no_rows")]
    keys = {(school.id, dish.day) for school, dish in resolved}
    db.session.execute(delete(MenuDish).where(tuple_(MenuDish.school_id, MenuDish.day).in_(keys)))
    positions: dict[tuple[int, dt.date], int] = {}
    for school, dish in resolved:
        key = (school.id, dish.day)
        positions[key] = positions.get(key, -1) + 1
        db.session.add(MenuDish(school_id=school.id, day=dish.day, course=dish.course, name=dish.name,
                                position=positions[key], allergens=rules.join_codes(dish.allergens, rules.ALLERGENS),
                                labels=rules.join_codes(dish.labels, rules.LABELS)))
    days = sorted({d for _s, d in keys})
    names = sorted({s.name for s, _d in resolved})
    record("menu", f"{', '.join(names)} : {days[0].isoformat()} – {days[-1].isoformat()}", "imported", user_id, now,
           "", f"{len(resolved)} plats, {len(keys)} jours")
    db.session.flush()
    return len(resolved), []


def menu_warnings(children, start: dt.date, end: dt.date) -> dict[tuple[int, dt.date], list[str]]:
    """(child id, day) -> the allergen codes a child's declared allergies (ChildHealth) share with that day's menu
    at the child's school (rules.menu_warning), for the days from `start` to `end`. At most 2 queries whatever the
    number of days: the children's allergies, then the menus of their schools (none when no child has one)."""
    with_school = {c.id: c.school_id for c in children if c.school_id is not None}
    if not with_school:
        return {}
    declared = {
        child_id: found for child_id, text in db.session.execute(
            select(ChildHealth.child_id, ChildHealth.allergies).where(ChildHealth.child_id.in_(list(with_school))))
        for found in [rules.allergens_in_text(text or "")] if found
    }
    if not declared:
        return {}
    rows = db.session.execute(
        select(MenuDish.school_id, MenuDish.day, MenuDish.allergens)
        .where(MenuDish.school_id.in_({with_school[c] for c in declared}), MenuDish.day.between(start, end)))
    menus: dict[tuple[int, dt.date], list[set[str]]] = {}
    for school_id, day, allergens in rows:
        menus.setdefault((school_id, day), []).append(rules.split_codes(allergens))
    result = {}
    for child_id, allergens in declared.items():
        for (school_id, day), dishes_allergens in menus.items():
            if school_id == with_school[child_id]:
                codes = rules.menu_warning(allergens, dishes_allergens)
                if codes:
                    result[(child_id, day)] = codes
    return result
