"""coachprog: internal coach-program management (selection, practicum, supervision, audits,
certification). `create_app` builds the application; nothing is created at import time."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from apiflask import APIFlask
from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from coachprog.runtime.config import build_config
from coachprog.runtime.routing import LazyBuilderRule
from coachprog.validation import BoundedIntConverter

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    instance_path = Path(
        (config or {}).get("INSTANCE_PATH")
        or os.environ.get("COACHPROG_INSTANCE_PATH")
        or PROJECT_ROOT / "instance"
    ).resolve()
    app = APIFlask(
        __name__,
        title="coachprog API",
        version="v1",
        instance_path=str(instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        spec_path="/api/v1/openapi.json",
        docs_path=None,  # the bundled docs UI loads scripts from a CDN; we serve none
        json_errors=False,  # HTML pages keep HTML errors; the API blueprint answers JSON
    )
    # Ids in URLs fit the databases' 64-bit integers; a longer number is simply not found
    # (404) instead of overflowing the driver.
    app.url_map.converters["int"] = BoundedIntConverter
    app.url_rule_class = LazyBuilderRule  # URL builders compiled by their first url_for
    app.config.update(build_config(instance_path))
    app.config.update(
        {
            "OPENAPI_VERSION": "3.1.0",
            "SPEC_FORMAT": "json",
            "INFO": {"description": "Integrations (HRIS sync) and automation for coachprog."},
        }
    )
    if config:
        app.config.update(config)
    from coachprog import storage

    storage.init_app(app)  # refuses an unusable COACHPROG_STORAGE_URL, naming it

    # Refuse to start with an invalid rubric file (file checks only; no database needed).
    from coachprog.rubrics.files import startup_check

    startup_check(Path(app.config["COACHPROG_RUBRICS_DIR"]))
    # Likewise with an invalid published policy (policy/use_cases.yaml, policy/data_use.yaml).
    from coachprog.policy import files as policy_files

    policy_files.startup_check(app)

    # Likewise for the escalation paths (policy/escalation_paths.yaml).
    from coachprog.safeguarding.escalations import paths as escalation_paths

    escalation_paths.init_app(app)
    # One-use links (invitations, consent withdrawal, password reset) never reach a log.
    from coachprog.runtime import logmask

    logmask.install()
    _init_extensions(app)
    _register_domains(app)
    _register_interfaces(app)
    # Every prohibited use the matrix says is refused in code names a guard some code registered.
    policy_files.check_guards(app)
    return app


def _init_extensions(app: Flask) -> None:
    from coachprog.auth.session import SecureWhenHttpsSessionInterface
    from coachprog.extensions import csrf, db, limiter, login_manager, talisman
    from coachprog.runtime import migrations

    if app.config["COACHPROG_PROXY_HOPS"]:
        hops = app.config["COACHPROG_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    app.session_interface = SecureWhenHttpsSessionInterface()
    db.init_app(app)
    migrations.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    force_https = app.config["COACHPROG_FORCE_HTTPS"]
    talisman.init_app(
        app,
        force_https=force_https,
        strict_transport_security=force_https,
        session_cookie_secure=force_https,
        content_security_policy={"default-src": "'self'", "img-src": "'self' data:",
                                 "frame-ancestors": "'none'", "form-action": "'self'"},
        frame_options="DENY",
        referrer_policy="same-origin",
    )


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # SQLite ignores foreign keys unless asked on every connection; WAL lets readers run
    # while the worker writes.
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Deleted and overwritten content is zeroed, not left in free space: an erased person's
    # name must not survive in the file (issue 24; people.data_rights.services).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _register_domains(app: Flask) -> None:
    # Importing the permission modules registers their rules with the authority; importing
    # the job modules registers their handlers.
    import coachprog.assessments.models
    import coachprog.assessments.permissions
    import coachprog.assessments.rubric_usage
    import coachprog.audits.fidelity.hooks
    import coachprog.audits.fidelity.models
    import coachprog.audits.fidelity.permissions
    import coachprog.audits.hooks
    import coachprog.audits.models
    import coachprog.audits.permissions
    import coachprog.audits.structure.models
    import coachprog.authority
    import coachprog.bias_audit.models
    import coachprog.bias_audit.permissions
    import coachprog.calibration.models
    import coachprog.calibration.permissions
    import coachprog.certification.certificates.jobs
    import coachprog.certification.certificates.permissions
    import coachprog.certification.hooks
    import coachprog.certification.jobs
    import coachprog.certification.models
    import coachprog.certification.permissions
    import coachprog.certification.recertification.permissions
    import coachprog.certification.recertification.services
    import coachprog.coaching.models
    import coachprog.coaching.permissions
    import coachprog.governance.permissions
    import coachprog.home.models
    import coachprog.home.permissions
    import coachprog.jobs.permissions
    import coachprog.notifications.jobs
    import coachprog.notifications.models
    import coachprog.notifications.permissions
    import coachprog.people.hooks
    import coachprog.people.jobs
    import coachprog.people.permissions
    import coachprog.policy.models
    import coachprog.policy.permissions
    import coachprog.practicum.capstone.models
    import coachprog.practicum.capstone.permissions
    import coachprog.practicum.hooks
    import coachprog.practicum.ledger.models
    import coachprog.practicum.ledger.permissions
    import coachprog.practicum.supervision.models
    import coachprog.practicum.supervision.permissions
    import coachprog.practicum.triads.models
    import coachprog.practicum.triads.permissions
    import coachprog.program.charter.models
    import coachprog.program.metrics.models
    import coachprog.program.permissions
    import coachprog.program.scorecard.sources
    import coachprog.recordings.models
    import coachprog.recordings.permissions
    import coachprog.recordings.retention.jobs
    import coachprog.recordings.review.scoring
    import coachprog.recordings.transcription.jobs
    import coachprog.rubrics.models
    import coachprog.rubrics.permissions
    import coachprog.safeguarding.escalations.models
    import coachprog.safeguarding.escalations.permissions
    import coachprog.safeguarding.incidents.models
    import coachprog.safeguarding.incidents.permissions
    import coachprog.selection.impact.permissions
    import coachprog.selection.models
    import coachprog.selection.permissions  # noqa: F401
    from coachprog.jobs.queue import JobQueue
    from coachprog.recordings.signals import sensitive_flag_raised
    from coachprog.safeguarding.escalations.services import on_sensitive_flag_raised

    # A sensitive-topic flag becomes an escalation case (recordings knows nothing of it).
    sensitive_flag_raised.connect(on_sensitive_flag_raised)

    app.extensions["coachprog.queue"] = JobQueue(app)
    _register_personal_data_sections()


def _register_personal_data_sections() -> None:
    # Each domain registers its section of a person's data (export and erasure, issue 24)
    # with the registry in coachprog/personal_data.py when its module is imported.
    import coachprog.assessments.personal_data
    import coachprog.audits.personal_data
    import coachprog.auth.personal_data
    import coachprog.calibration.personal_data
    import coachprog.certification.personal_data
    import coachprog.coaching.personal_data
    import coachprog.governance.personal_data
    import coachprog.home.personal_data
    import coachprog.jobs.personal_data
    import coachprog.notifications.personal_data
    import coachprog.people.data_rights.models
    import coachprog.people.data_rights.permissions
    import coachprog.people.personal_data
    import coachprog.policy.personal_data
    import coachprog.practicum.personal_data
    import coachprog.program.personal_data
    import coachprog.recordings.personal_data
    import coachprog.rubrics.personal_data
    import coachprog.safeguarding.personal_data
    import coachprog.selection.personal_data  # noqa: F401


def _register_interfaces(app: Flask) -> None:
    from flask_login import current_user

    # Pages of sub-packages that attach their routes to their package's one blueprint
    # (certification: certificates and recertification; practicum: ledger, capstone, triads).
    import coachprog.certification.certificates.views
    import coachprog.certification.recertification.views
    import coachprog.practicum.capstone.views
    import coachprog.practicum.ledger.views
    import coachprog.practicum.triads.views  # noqa: F401
    from coachprog import api, cli, web
    from coachprog.api import bp as api_bp
    from coachprog.assessments.exercises.views import bp as calibration_bp
    from coachprog.assessments.views import bp as assessments_bp
    from coachprog.audits.fidelity.views import bp as fidelity_bp
    from coachprog.audits.views import bp as audits_bp
    from coachprog.auth.views import bp as auth_bp
    from coachprog.authority import can
    from coachprog.bias_audit.views import bp as bias_audit_bp
    from coachprog.certification.certificates.verify_views import bp as verify_bp
    from coachprog.certification.views import bp as certification_bp
    from coachprog.coaching.views import bp as coaching_bp
    from coachprog.governance.services import Origin, set_origin
    from coachprog.governance.views import bp as governance_bp
    from coachprog.home import menu
    from coachprog.home.views import bp as home_bp
    from coachprog.jobs.views import bp as jobs_bp
    from coachprog.notifications.views import bp as notifications_bp
    from coachprog.people.data_rights.views import bp as data_rights_bp
    from coachprog.people.views import bp as people_bp
    from coachprog.policy import views as policy_views
    from coachprog.practicum.blueprint import bp as practicum_bp
    from coachprog.practicum.supervision.views import bp as supervision_bp
    from coachprog.program.charter.views import bp as program_charter_bp
    from coachprog.program.metrics.views import bp as program_metrics_bp
    from coachprog.program.views import bp as program_bp
    from coachprog.recordings.consent.views import bp as consent_bp
    from coachprog.recordings.review.views import bp as transcripts_bp
    from coachprog.recordings.views import bp as recordings_bp
    from coachprog.rubrics.views import bp as rubrics_bp
    from coachprog.safeguarding.escalations.views import bp as escalations_bp
    from coachprog.safeguarding.incidents.views import bp as incidents_bp
    from coachprog.selection.blueprint import bp as selection_bp
    from coachprog.selection.impact.views import bp as selection_impact_bp
    from coachprog.selection.invitations.views import bp as selection_invitations_bp

    for blueprint in (auth_bp, home_bp, people_bp, governance_bp, jobs_bp, rubrics_bp,
                      assessments_bp, calibration_bp, selection_bp, selection_impact_bp,
                      coaching_bp, notifications_bp, recordings_bp, consent_bp,
                      transcripts_bp, practicum_bp, supervision_bp, audits_bp, fidelity_bp,
                      certification_bp, verify_bp, program_bp, program_charter_bp,
                      program_metrics_bp, data_rights_bp, policy_views.bp, escalations_bp,
                      incidents_bp, bias_audit_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(selection_invitations_bp)  # issue 21: invitation links without SMTP
    app.register_blueprint(api_bp)

    @app.before_request
    def _audit_origin() -> None:
        via = "api" if request.path.startswith("/api/") else "web"
        set_origin(Origin(ip=request.remote_addr, via=via))

    app.jinja_env.globals["can"] = lambda name, obj=None: can(current_user, name, obj)
    web.init_app(app)
    menu.init_app(app)
    # After sign-in, nothing but the policy pages until the current versions are acknowledged.
    policy_views.init_app(app)
    api.init_app(app)
    cli.init_app(app)
