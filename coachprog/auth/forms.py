"""Sign-in, password and token forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from coachprog.auth.domain import MAX_PASSWORD_LENGTH
from coachprog.roles import ROLE_LABELS


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField("Password", validators=[DataRequired(),
                                                     Length(max=MAX_PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Sign in")


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    """A new password and its repetition, made where a form declares them (so they keep
    their place among its fields)."""
    return (
        PasswordField("New password", validators=[DataRequired()],
                      render_kw={"autocomplete": "new-password"},
                      description="At least 12 characters; a phrase is easiest."),
        PasswordField("Repeat the new password", validators=[
            DataRequired(), EqualTo("new_password", message="The two entries differ.")],
            render_kw={"autocomplete": "new-password"}),
    )


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password, confirm_password = _new_password_fields()
    submit = SubmitField("Change password")


class PasswordForgotForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    submit = SubmitField("Send me a reset link")


class PasswordResetForm(FlaskForm):
    new_password, confirm_password = _new_password_fields()
    submit = SubmitField("Set the new password")


class ApiTokenCreateForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=100)],
                       description="What the token is for, e.g. “HRIS nightly sync”.")
    submit = SubmitField("Create token")


class ConfirmForm(FlaskForm):
    """A bare form for one-button actions (revoke, sign out): it carries the CSRF token."""

    submit = SubmitField("Confirm")


class RoleChangeForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(role.value, label)
                                        for role, label in ROLE_LABELS.items()])
    submit = SubmitField("Grant role")


class UserCreateForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254),
                                             Email(check_deliverability=False)])
    display_name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    employee_id = StringField("Employee id (optional)", validators=[Optional(), Length(max=64)],
                              description="Links the account to the person in the directory.")
    password = PasswordField("Initial password", validators=[DataRequired()],
                             render_kw={"autocomplete": "new-password"},
                             description="At least 12 characters. Ask them to change it.")
    role = SelectField("First role", choices=[SelectChoice("", "— none —")]
                       + [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()])
    submit = SubmitField("Create account")
