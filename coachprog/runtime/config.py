"""Settings read from the environment; secrets never live in code.

Every variable is documented in the README's configuration table.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

# The project folder (coachprog/runtime/config.py is two levels below it): shipped rubrics and
# the published policy live there, wherever the instance folder is.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def load_secret_key(instance_path: Path) -> str:
    """Return COACHPROG_SECRET_KEY, or a key generated once into instance/ (never committed)."""
    from_env = os.environ.get("COACHPROG_SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Created with owner-only permissions: the key signs every session cookie.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def build_config(instance_path: Path) -> dict[str, Any]:
    database_url = os.environ.get(
        "COACHPROG_DATABASE_URL", f"sqlite:///{instance_path / 'coachprog.db'}"
    )
    if database_url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    redis_url = os.environ.get("COACHPROG_REDIS_URL") or None
    # hide_parameters: SQL errors in logs never carry values (password hashes, HR data).
    engine_options: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    if database_url.startswith("postgresql+psycopg://"):
        # No JIT: the aggregates of the dashboards and reports are estimated just above
        # PostgreSQL's JIT threshold on a large organisation and then spend more time
        # compiling (60+ ms) than executing; no query of this app runs long enough to gain.
        engine_options["connect_args"] = {"options": "-c jit=off"}
    return {
        "SECRET_KEY": load_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "COACHPROG_REDIS_URL": redis_url,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Secure is also set per request when served over HTTPS (see auth.session).
        "SESSION_COOKIE_SECURE": _env_bool("COACHPROG_FORCE_HTTPS", False),
        "COACHPROG_FORCE_HTTPS": _env_bool("COACHPROG_FORCE_HTTPS", False),
        "COACHPROG_PROXY_HOPS": int(os.environ.get("COACHPROG_PROXY_HOPS", "0")),
        # The proxy's address for waitress (`flask serve`); "*" trusts any peer.
        "COACHPROG_TRUSTED_PROXY": os.environ.get("COACHPROG_TRUSTED_PROXY") or "*",
        "PERMANENT_SESSION_LIFETIME": int(os.environ.get("COACHPROG_SESSION_HOURS", "12")) * 3600,
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "COACHPROG_LOGIN_LIMIT_ACCOUNT": os.environ.get(
            "COACHPROG_LOGIN_LIMIT_ACCOUNT", "5 per 15 minutes"
        ),
        "COACHPROG_LOGIN_LIMIT_IP": os.environ.get("COACHPROG_LOGIN_LIMIT_IP", "20 per 15 minutes"),
        "COACHPROG_RESET_LINK_HOURS": int(os.environ.get("COACHPROG_RESET_LINK_HOURS") or "24"),
        "COACHPROG_PASSWORD_HASH": "argon2id",
        "COACHPROG_PAGE_SIZE": 50,
        "COACHPROG_MAX_IMPORT_BYTES": int(os.environ.get("COACHPROG_MAX_IMPORT_MB", "20"))
        * 1024
        * 1024,
        # Bodies larger than the biggest accepted upload (plus multipart framing) are refused
        # with 413 before they are buffered; later upload kinds raise it per endpoint.
        "MAX_CONTENT_LENGTH": int(os.environ.get("COACHPROG_MAX_IMPORT_MB", "20")) * 1024 * 1024
        + 64 * 1024,
        "COACHPROG_UPLOAD_DIR": Path(
            os.environ.get("COACHPROG_UPLOAD_DIR", str(instance_path / "uploads"))
        ),
        # The shipped rubrics live in the project, wherever the instance folder is.
        "COACHPROG_RUBRICS_DIR": Path(
            os.environ.get("COACHPROG_RUBRICS_DIR", str(PROJECT_ROOT / "rubrics"))
        ),
        # The published use-case matrix and data-use policy (issue 24), versioned in the project.
        "COACHPROG_POLICY_DIR": Path(
            os.environ.get("COACHPROG_POLICY_DIR", str(PROJECT_ROOT / "policy"))
        ),
        "COACHPROG_MAX_EVIDENCE_BYTES": int(os.environ.get("COACHPROG_MAX_EVIDENCE_MB", "20"))
        * 1024
        * 1024,
        "COACHPROG_EVIDENCE_DIR": os.environ.get("COACHPROG_EVIDENCE_DIR") or None,
        "COACHPROG_CALIBRATION_KAPPA": float(os.environ.get("COACHPROG_CALIBRATION_KAPPA", "0.6")),
        "COACHPROG_CALIBRATION_MONTHS": int(os.environ.get("COACHPROG_CALIBRATION_MONTHS", "12")),
        # Raters disagree when their overall scores differ by more than this, or pass/fail split.
        "COACHPROG_MODERATION_TOLERANCE": float(
            os.environ.get("COACHPROG_MODERATION_TOLERANCE", "0.15")
        ),
        # The job queue runs in-process ("thread"), on Redis, or inline ("immediate") in tests.
        # Where people reach the site: links in e-mails (invitations) are built from it.
        "COACHPROG_BASE_URL": os.environ.get("COACHPROG_BASE_URL") or (
            f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"),
        # E-mail: without a host, messages are only logged (coachprog.outbox) and shown on
        # /admin/outbox.
        "COACHPROG_SMTP_HOST": os.environ.get("COACHPROG_SMTP_HOST") or None,
        "COACHPROG_SMTP_PORT": int(os.environ.get("COACHPROG_SMTP_PORT") or "587"),
        # Text on purpose: _env_bool reads a typo as false and would send the password in the
        # clear; notifications.domain accepts only true/false/yes/no/on/off/1/0.
        "COACHPROG_SMTP_STARTTLS": os.environ.get("COACHPROG_SMTP_STARTTLS") or "true",
        "COACHPROG_SMTP_USERNAME": os.environ.get("COACHPROG_SMTP_USERNAME", ""),
        "COACHPROG_SMTP_PASSWORD": os.environ.get("COACHPROG_SMTP_PASSWORD", ""),
        "COACHPROG_MAIL_FROM": os.environ.get("COACHPROG_MAIL_FROM") or "coachprog@localhost",
        # Recorded sessions and consents (issue 5): folders default to instance/recordings and
        # instance/consents; retention in days after the assessments on a recording close.
        # Local speech-to-text (faster-whisper): "" = the bundled tiny.en model. Nothing is ever
        # downloaded; a path to a larger CTranslate2 Whisper model on disk may be given.
        "COACHPROG_WHISPER_MODEL_PATH": os.environ.get("COACHPROG_WHISPER_MODEL_PATH", ""),
        "COACHPROG_WHISPER_MODEL_NAME": os.environ.get("COACHPROG_WHISPER_MODEL_NAME",
                                                       "tiny.en"),
        "COACHPROG_WHISPER_COMPUTE_TYPE": os.environ.get("COACHPROG_WHISPER_COMPUTE_TYPE",
                                                         "int8"),
        "COACHPROG_WHISPER_BEAM_SIZE": int(os.environ.get("COACHPROG_WHISPER_BEAM_SIZE", "5")),
        "COACHPROG_WHISPER_THREADS": int(os.environ.get("COACHPROG_WHISPER_THREADS", "2")),
        "COACHPROG_WHISPER_VAD": os.environ.get("COACHPROG_WHISPER_VAD", "true"),
        "COACHPROG_WHISPER_LANGUAGE": os.environ.get("COACHPROG_WHISPER_LANGUAGE", "en"),
        "COACHPROG_TRANSCRIBE_CHUNK_SECONDS": float(
            os.environ.get("COACHPROG_TRANSCRIBE_CHUNK_SECONDS", "300")),
        "COACHPROG_TRANSCRIBE_SEAM_SECONDS": float(
            os.environ.get("COACHPROG_TRANSCRIBE_SEAM_SECONDS", "10")),
        # Phrases per category that raise sensitive-topic flags (kept out of rubrics/*.yaml,
        # which are all rubrics).
        "COACHPROG_SENSITIVE_TERMS_FILE": Path(os.environ.get(
            "COACHPROG_SENSITIVE_TERMS_FILE", str(PROJECT_ROOT / "rubrics" / "sensitive-terms"
                                                  / "sensitive-terms.yaml"))),
        "COACHPROG_RECORDINGS_DIR": os.environ.get("COACHPROG_RECORDINGS_DIR") or None,
        # Files (recordings, evidence, consent forms, ...): unset = local folders under
        # instance/; s3://bucket/prefix = an S3-compatible object store shared by every host
        # (coachprog/storage.py). Credentials come from the usual AWS_* environment.
        "COACHPROG_STORAGE_URL": os.environ.get("COACHPROG_STORAGE_URL") or None,
        "COACHPROG_S3_ENDPOINT_URL": os.environ.get("COACHPROG_S3_ENDPOINT_URL") or None,
        "COACHPROG_CONSENT_DIR": os.environ.get("COACHPROG_CONSENT_DIR") or None,
        # Largest and longest audio accepted (duration as decoded, not as declared).
        "COACHPROG_MAX_RECORDING_MB": float(os.environ.get("COACHPROG_MAX_RECORDING_MB", "500")),
        "COACHPROG_MAX_RECORDING_HOURS": float(
            os.environ.get("COACHPROG_MAX_RECORDING_HOURS", "3")),
        "COACHPROG_MAX_CONSENT_FORM_BYTES": int(
            os.environ.get("COACHPROG_MAX_CONSENT_FORM_BYTES", str(10 * 1024 * 1024))),
        "COACHPROG_RETENTION_AUDIO_DAYS": int(
            os.environ.get("COACHPROG_RETENTION_AUDIO_DAYS", "90")),
        "COACHPROG_RETENTION_TRANSCRIPT_DAYS": int(
            os.environ.get("COACHPROG_RETENTION_TRANSCRIPT_DAYS", "365")),
        "COACHPROG_QUEUE": os.environ.get(
            "COACHPROG_QUEUE", "redis" if redis_url else "sqlite"
        ),
        # Transcription yields the CPU to web requests (nice level of the worker thread).
        "COACHPROG_TRANSCRIBE_NICE": int(os.environ.get("COACHPROG_TRANSCRIBE_NICE", "10")),
        # Times are stored in UTC and shown in this zone (practicum logs, supervision deadlines).
        "COACHPROG_DISPLAY_TIMEZONE": os.environ.get("COACHPROG_DISPLAY_TIMEZONE") or "UTC",
        # Quarterly audits: the sample's share of active coaches (never below 20 without an
        # admin's recorded reason) and the master coach span the structure page warns about.
        "AUDIT_SAMPLE_PERCENT": float(os.environ.get("COACHPROG_AUDIT_SAMPLE_PERCENT", "20")),
        "AUDIT_MASTER_MIN_COACHES": int(os.environ.get("COACHPROG_AUDIT_MASTER_MIN_COACHES", "8")),
        "AUDIT_MASTER_MAX_COACHES": int(
            os.environ.get("COACHPROG_AUDIT_MASTER_MAX_COACHES", "15")),
        # Fidelity drift: the signal followed, the line, and how many sessions in a row below it
        # raise a flag.
        "FIDELITY_SIGNAL": os.environ.get("COACHPROG_FIDELITY_SIGNAL") or "listening_ratio",
        "FIDELITY_DRIFT_LINE": float(os.environ.get("COACHPROG_FIDELITY_DRIFT_LINE", "0.65")),
        "FIDELITY_DRIFT_RUN": int(os.environ.get("COACHPROG_FIDELITY_DRIFT_RUN", "2")),
        # Public certificate verification lookups allowed per client address.
        "COACHPROG_VERIFY_LIMIT": os.environ.get("COACHPROG_VERIFY_LIMIT") or "30 per minute",
        # Certification criteria; unset: the file shipped in rubrics/certification/.
        "COACHPROG_LEVELS_FILE": os.environ.get("COACHPROG_LEVELS_FILE") or None,
    }
