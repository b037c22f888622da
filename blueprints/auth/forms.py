"""Account forms. Messages are the ones shown next to the field and in the error summary."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

EMAIL_REQUIRED = _l("Saisissez votre adresse e-mail.")
EMAIL_INVALID = _l("Saisissez une adresse e-mail valide, par exemple nom@exemple.fr.")
EMAIL_TOO_LONG = _l("L'adresse e-mail doit contenir au plus 254 caractères.")


def email_field():
    return EmailField(
        _l("Adresse e-mail"),
        validators=[
            DataRequired(EMAIL_REQUIRED),
            Length(max=254, message=EMAIL_TOO_LONG),
            Email(EMAIL_INVALID, check_deliverability=False),
        ],
    )



class LoginForm(FlaskForm):
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[DataRequired(EMAIL_REQUIRED), Length(max=254, message=EMAIL_TOO_LONG)],
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(_l("Saisissez votre mot de passe.")), Length(max=1000)],
    )


class EmailForm(FlaskForm):
    email = email_field()


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Nouveau mot de passe"), validators=[DataRequired(_l("Choisissez un mot de passe."))]
    )
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[
            DataRequired(_l("Saisissez le mot de passe une seconde fois.")),
            EqualTo("password", _l("Les deux mots de passe ne sont pas identiques.")),
        ],
    )
