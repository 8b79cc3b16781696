"""Flask-WTF forms of the moderation page (every form carries a CSRF token)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """E-mail + password; ``next`` is where to go after signing in (a /moderation path)."""

    email = EmailField("E-mail", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    next = HiddenField()


class CsrfForm(FlaskForm):
    """A form with only the CSRF token (sign-out, actions posted without JavaScript)."""
