"""The agents' menu forms: one dish (day, course, name, allergens, labels) and the CSV import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import Length, StopValidation

from blueprints.forms import CheckboxesField, ChoiceField, Filled, FrenchDateField
from blueprints.menus import wording

CSV_MAX_BYTES = 2 * 1024 * 1024


class DishForm(FlaskForm):
    day = FrenchDateField(_l("Jour"), validators=[Filled(_l("Saisissez le jour, par exemple 23/11/2026."))])
    course = ChoiceField(_l("Type de plat"), choices=list(wording.COURSE_WORDS.items()),
                         validators=[Filled(_l("Choisissez le type de plat."))])
    name = StringField(_l("Nom du plat"), validators=[Filled(_l("Saisissez le nom du plat.")),
                                                      Length(max=150, message=_l("150 caractères au maximum."))])
    allergens = CheckboxesField(_l("Allergènes présents"), choices=list(wording.ALLERGEN_WORDS.items()))
    labels = CheckboxesField(_l("Labels"), choices=list(wording.LABEL_WORDS.items()))


class ImportForm(FlaskForm):
    file = FileField(_l("Fichier CSV des menus"), render_kw={"accept": ".csv,text/csv"})

    def validate_file(self, field):
        storage = field.data
        if not storage or not getattr(storage, "filename", ""):
            raise StopValidation(_l("Choisissez le fichier CSV des menus."))
        data = storage.stream.read(CSV_MAX_BYTES + 1)
        if not data:
            raise StopValidation(_l("Le fichier est vide."))
        if len(data) > CSV_MAX_BYTES:
            raise StopValidation(_l("Le fichier dépasse 2 Mo : coupez-le en plusieurs."))
        if b"\x00" in data or data.startswith((b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
            raise StopValidation(_l("Ce n'est pas un fichier CSV : dans le tableur, choisissez « Enregistrer sous » "
                                    "puis « CSV (séparateur : point-virgule) »."))
        self.data_bytes = data
