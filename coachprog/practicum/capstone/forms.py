"""Capstone brief form: the KPI block, the objectives, and the brief written in the editor or
uploaded. The services check the rules; the form only parses."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from coachprog.practicum.capstone import domain as rules


class CapstoneBriefForm(FlaskForm):
    mode = RadioField("How you hand in the brief", default=rules.MARKDOWN,
                      choices=[SelectChoice(rules.MARKDOWN, "Write it here (markdown)"),
                               SelectChoice("upload", "Upload a PDF or Word (.docx) file")],
                      validate_choice=False)
    engagement_id = SelectField("Leader engagement", choices=[], validate_choice=False,
                                description="The engagement you coach that this plan is for.")
    kpi_name = StringField("KPI", description="One leader KPI, precise enough that two people "
                           "would measure it the same way.",
                           render_kw={"maxlength": rules.FIELD_LIMITS["kpi_name"]})
    kpi_baseline = StringField("Baseline", description="The value now, and when it was "
                               "measured.",
                               render_kw={"maxlength": rules.FIELD_LIMITS["kpi_baseline"]})
    kpi_target = StringField("Target", description="The value to reach, and by when.",
                             render_kw={"maxlength": rules.FIELD_LIMITS["kpi_target"]})
    kpi_source = StringField("Data source", description="Where the KPI comes from and who "
                             "owns or reports it.",
                             render_kw={"maxlength": rules.FIELD_LIMITS["kpi_source"]})
    objectives = TextAreaField("Session objectives linked to the KPI",
                               description="One a line, as observable leader behaviours.",
                               render_kw={"rows": 4,
                                          "maxlength": rules.MAX_OBJECTIVES_CHARS})
    body_markdown = TextAreaField(
        "The brief", description=f"Markdown: # headings, **bold**, - lists, tables. At most "
        f"{rules.MAX_WORDS} words (two pages).",
        render_kw={"rows": 24, "maxlength": rules.MAX_MARKDOWN_CHARS})
    upload = FileField("File", description=f"PDF or .docx, at most {rules.MAX_PAGES} pages "
                       f"and {rules.MAX_FILE_BYTES // (1024 * 1024)} MB; not password-protected.",
                       render_kw={"accept": ".pdf,.docx"})
