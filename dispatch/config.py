"""Configuration read from the environment inside the app factory.

Every setting has a safe default for the embedded mode (SQLite in ``instance/``, jobs
in-process).  ``DISPATCH_ENV`` picks the profile: ``production`` (the default: a
``SECRET_KEY`` is required, cookies are secure), ``development`` (``make run``) or
``testing``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

#: Mainland-China plate: province character, issuing-office letter, then five
#: alphanumerics (ordinary) or six with a D/F marker (new-energy vehicles).
DEFAULT_PLATE_PATTERN = (
    "[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
    "[A-HJ-NP-Z]"
    "(?:[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警领港澳]"
    "|[DF][A-HJ-NP-Z0-9][0-9]{4}"
    "|[0-9]{5}[DF])"
)


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _instance_secret(instance_path: str) -> str:
    """A per-installation key kept in ``instance/`` for development (never in the repo)."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _count(name: str, default: int) -> int:
    """A whole number ≥ 0 from the environment."""
    raw = _env(name, str(default)) or str(default)
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number (0 or more), not {raw!r}")
    return int(raw)


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the configuration mapping for one app instance."""
    overrides = dict(overrides or {})
    env = overrides.get("DISPATCH_ENV") or _env("DISPATCH_ENV", "production")
    if env not in ("production", "development", "testing"):
        raise ConfigError(f"DISPATCH_ENV must be production, development or testing, not {env!r}")
    Path(instance_path).mkdir(parents=True, exist_ok=True)

    secret = _env("SECRET_KEY")
    if secret is None and env == "production" and "SECRET_KEY" not in overrides:
        raise ConfigError(
            "SECRET_KEY is not set. Set it in the environment (e.g. "
            "`export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(48))')`) "
            "or run with DISPATCH_ENV=development for a local key."
        )
    if secret is None:
        secret = _instance_secret(instance_path)

    sqlite_path = Path(instance_path) / "dispatch.sqlite3"
    config: dict[str, Any] = {
        "DISPATCH_ENV": env,
        "DEBUG": False,
        "TESTING": env == "testing",
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", f"sqlite:///{sqlite_path}"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": _env("REDIS_URL"),
        "DISPATCH_TIMEZONE": _env("DISPATCH_TIMEZONE", "Asia/Shanghai"),
        "DISPATCH_CURRENCY": _env("DISPATCH_CURRENCY", "CNY"),
        "DISPATCH_PLATE_PATTERN": _env("DISPATCH_PLATE_PATTERN", DEFAULT_PLATE_PATTERN),
        "DISPATCH_PHONE_REGION": _env("DISPATCH_PHONE_REGION", "CN"),
        "DISPATCH_COMPANY_NAME": _env("DISPATCH_COMPANY_NAME", "GPS Dispatch"),
        "DISPATCH_DAILY_CAPACITY": int(_env("DISPATCH_DAILY_CAPACITY", "8") or 8),
        "DISPATCH_WARRANTY_MONTHS": int(_env("DISPATCH_WARRANTY_MONTHS", "12") or 12),
        "DISPATCH_ON_ACCOUNT_CLASSES": _env("DISPATCH_ON_ACCOUNT_CLASSES", "A,B"),
        "DISPATCH_GEOCODER": _env("DISPATCH_GEOCODER", "offline"),
        "DISPATCH_GEOCODER_USER_AGENT": _env("DISPATCH_GEOCODER_USER_AGENT", "gps-dispatch"),
        "DISPATCH_AVERAGE_SPEED_KMH": float(_env("DISPATCH_AVERAGE_SPEED_KMH", "30") or 30),
        "DISPATCH_POSITION_FRESH_MINUTES": int(_env("DISPATCH_POSITION_FRESH_MINUTES", "120") or 120),
        "DISPATCH_BOARD_MAX_AGE_SECONDS": float(_env("DISPATCH_BOARD_MAX_AGE_SECONDS", "10") or 10),
        # The live board (board/stream.py): open streams per process, and how long each lasts
        # before the browser reconnects (and is authenticated again).
        "DISPATCH_LIVE_STREAMS": int(_env("DISPATCH_LIVE_STREAMS", "16") or 16),
        "DISPATCH_LIVE_STREAM_SECONDS": float(_env("DISPATCH_LIVE_STREAM_SECONDS", "300") or 300),
        "DISPATCH_TILE_URL": _env("DISPATCH_TILE_URL",
                                  "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        "DISPATCH_SERVICE_MINUTES": int(_env("DISPATCH_SERVICE_MINUTES", "45") or 45),
        "DISPATCH_ROUTE_TIME_LIMIT": float(_env("DISPATCH_ROUTE_TIME_LIMIT", "2") or 2),
        # The joint day plan (board/jointplan.py): its time budget by default, and the most a
        # dispatcher may ask for (seconds; the job runs on the "default" queue, 300 s at most).
        "DISPATCH_DAY_PLAN_SECONDS": float(_env("DISPATCH_DAY_PLAN_SECONDS", "30") or 30),
        "DISPATCH_DAY_PLAN_MAX_SECONDS": float(_env("DISPATCH_DAY_PLAN_MAX_SECONDS", "240") or 240),
        "DISPATCH_TAX_RATE": _env("DISPATCH_TAX_RATE", "0.13"),
        "DISPATCH_BASE_URL": _env("DISPATCH_BASE_URL", "http://127.0.0.1:5000"),
        "DISPATCH_JOB_STALE_SECONDS": _env("DISPATCH_JOB_STALE_SECONDS"),
        "FILE_STORAGE": _env("FILE_STORAGE"),
        "DISPATCH_CALLBACK_ATTEMPTS": int(_env("DISPATCH_CALLBACK_ATTEMPTS", "3") or 3),
        "DISPATCH_INCENTIVE_BASE_POINTS": int(_env("DISPATCH_INCENTIVE_BASE_POINTS", "17") or 17),
        "DISPATCH_INCENTIVE_PAY_PER_POINT": _env("DISPATCH_INCENTIVE_PAY_PER_POINT", "270"),
        "DISPATCH_PARTS_CREDIT_PERCENT": _env("DISPATCH_PARTS_CREDIT_PERCENT", "5"),
        # Promises to the customer (SPEC §10): arrival targets (R10), complaint clocks, the
        # customer link and the message channels (log unless SMTP / an SMS gateway is set).
        "DISPATCH_ARRIVAL_URGENT_HOURS": float(_env("DISPATCH_ARRIVAL_URGENT_HOURS", "4") or 4),
        "DISPATCH_ARRIVAL_NORMAL_WORKING_DAYS": int(
            _env("DISPATCH_ARRIVAL_NORMAL_WORKING_DAYS", "1") or 1),
        "DISPATCH_WORKDAY_END": _env("DISPATCH_WORKDAY_END", "18:00"),
        "DISPATCH_WORKING_DAYS": _env("DISPATCH_WORKING_DAYS", "1,2,3,4,5"),
        "DISPATCH_ARRIVAL_AT_RISK_MINUTES": float(
            _env("DISPATCH_ARRIVAL_AT_RISK_MINUTES", "60") or 60),
        "DISPATCH_NOTICE_ALERT_AT": _env("DISPATCH_NOTICE_ALERT_AT", "16:00"),
        "DISPATCH_ALERT_EMAILS": _env("DISPATCH_ALERT_EMAILS", ""),
        "DISPATCH_LINK_DAYS_AFTER_CLOSING": float(
            _env("DISPATCH_LINK_DAYS_AFTER_CLOSING", "30") or 30),
        "DISPATCH_LINK_RATE_LIMIT": _env("DISPATCH_LINK_RATE_LIMIT", "60 per minute;600 per hour"),
        "DISPATCH_MESSAGE_TEMPLATES": _env("DISPATCH_MESSAGE_TEMPLATES"),
        "DISPATCH_NOTIFY_ATTEMPTS": int(_env("DISPATCH_NOTIFY_ATTEMPTS", "5") or 5),
        "DISPATCH_SMTP_HOST": _env("DISPATCH_SMTP_HOST"),
        "DISPATCH_SMTP_PORT": int(_env("DISPATCH_SMTP_PORT", "25") or 25),
        "DISPATCH_SMTP_USER": _env("DISPATCH_SMTP_USER"),
        "DISPATCH_SMTP_PASSWORD": _env("DISPATCH_SMTP_PASSWORD"),
        "DISPATCH_SMTP_STARTTLS": (_env("DISPATCH_SMTP_STARTTLS", "0") or "0") == "1",
        "DISPATCH_SMTP_FROM": _env("DISPATCH_SMTP_FROM"),
        "DISPATCH_SMS_URL": _env("DISPATCH_SMS_URL"),
        "DISPATCH_SMS_AUTH_HEADER": _env("DISPATCH_SMS_AUTH_HEADER"),
        "DISPATCH_SMS_TEMPLATE": _env("DISPATCH_SMS_TEMPLATE"),
        # The board queue's district suggestions (any text is accepted as a filter).
        "DISPATCH_DISTRICTS": _env("DISPATCH_DISTRICTS", "上城区,拱墅区,西湖区,滨江区,萧山区,余杭区,"
                                   "临平区,钱塘区,富阳区,临安区"),
        # "On site" farther than this from the site asks the technician to confirm.
        "DISPATCH_ONSITE_MAX_KM": float(_env("DISPATCH_ONSITE_MAX_KM", "1") or 1),
        # The map app the tablet's navigation opens: amap, baidu, apple, google or geo.
        "DISPATCH_MAP_APP": _env("DISPATCH_MAP_APP", "amap"),
        # The seller printed on invoices (this is not a tax fapiao).
        "DISPATCH_SELLER_NAME": _env("DISPATCH_SELLER_NAME", ""),
        "DISPATCH_SELLER_TAX_ID": _env("DISPATCH_SELLER_TAX_ID", ""),
        "DISPATCH_SELLER_ADDRESS": _env("DISPATCH_SELLER_ADDRESS", ""),
        "DISPATCH_SELLER_BANK": _env("DISPATCH_SELLER_BANK", ""),
        # The tracking platform (Traccar, SPEC §10): off while the URL is unset.
        "DISPATCH_TRACKING_URL": _env("DISPATCH_TRACKING_URL"),
        "DISPATCH_TRACKING_TOKEN": _env("DISPATCH_TRACKING_TOKEN", ""),
        "DISPATCH_TRACKING_TIMEOUT": float(_env("DISPATCH_TRACKING_TIMEOUT", "3") or 3),
        "DISPATCH_TRACKING_RETRIES": int(_env("DISPATCH_TRACKING_RETRIES", "2") or 2),
        "DISPATCH_TRACKING_BACKOFF": float(_env("DISPATCH_TRACKING_BACKOFF", "0.25") or 0.25),
        "DISPATCH_TRACKING_SYNC_MINUTES": int(_env("DISPATCH_TRACKING_SYNC_MINUTES", "15") or 15),
        "DISPATCH_TRACKING_PAGE_SIZE": int(_env("DISPATCH_TRACKING_PAGE_SIZE", "2000") or 2000),
        "DISPATCH_ACTIVATION_MAX_AGE_MINUTES": int(
            _env("DISPATCH_ACTIVATION_MAX_AGE_MINUTES", "10") or 10),
        "DISPATCH_ACTIVATION_MAX_DISTANCE_M": int(
            _env("DISPATCH_ACTIVATION_MAX_DISTANCE_M", "1000") or 1000),
        "DISPATCH_SILENT_HOURS": int(_env("DISPATCH_SILENT_HOURS", "48") or 48),
        "API_TOKEN_TTL_HOURS": int(_env("API_TOKEN_TTL_HOURS", "720") or 720),
        # How long a one-time set-password link stays valid (accounts made by an import).
        "PASSWORD_LINK_TTL_HOURS": int(_env("PASSWORD_LINK_TTL_HOURS", "72") or 72),
        "PASSWORD_HASH_METHOD": "scrypt",
        "LOGIN_RATE_LIMIT": _env("LOGIN_RATE_LIMIT", "10 per minute;100 per hour"),
        # How many reverse proxies in front set X-Forwarded-For/-Proto/-Host (werkzeug's
        # ProxyFix). 0: none is trusted, every client is the address that connected.
        "DISPATCH_TRUSTED_PROXIES": _count("DISPATCH_TRUSTED_PROXIES", 0),
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", _env("REDIS_URL", "memory://")),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis away: the same limits count in this process's memory until it answers again
        # (checked with a growing pause, up to 32 s), so signing in never depends on Redis.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "MAX_CONTENT_LENGTH": int(_env("MAX_CONTENT_LENGTH", str(16 * 1024 * 1024)) or 0),
        # The import upload alone may be larger than MAX_CONTENT_LENGTH.
        "DISPATCH_IMPORT_MAX_BYTES": int(_env("DISPATCH_IMPORT_MAX_BYTES",
                                              str(64 * 1024 * 1024)) or 0),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": env == "production",
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": "translations",
        "LANGUAGES": {"en": "English", "zh_Hans": "简体中文"},
        "PAGE_SIZE": 50,
    }
    if env == "development":
        config["SESSION_COOKIE_SECURE"] = False
        config["REMEMBER_COOKIE_SECURE"] = False
    if env == "testing":
        config["DISPATCH_GEOCODER"] = "offline"
        config["DISPATCH_TILE_URL"] = ""
        config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"  # noqa: S105 - a method name
        config["RATELIMIT_STORAGE_URI"] = "memory://"
    config.update(overrides)
    config.setdefault("BABEL_DEFAULT_TIMEZONE", config["DISPATCH_TIMEZONE"])
    return config
