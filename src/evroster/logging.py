"""Logging set-up; every other module uses ``logging.getLogger(__name__)``."""

from __future__ import annotations

import logging
import re

__all__ = ["RedactSecrets", "configure_logging", "redact"]

# The eMabler v1 form carries the API key in the query string; it must never reach a log.
_CODE = re.compile(r"((?:^|[?&\s\"'])code=)[^&\s\"']*", re.IGNORECASE)


def redact(text: str) -> str:
    """Replace the value of every ``code=`` query parameter with ``***``."""
    return _CODE.sub(r"\1***", text)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message and arguments with :func:`redact` before it is emitted."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def configure_logging(level: str) -> None:
    """Configure the root logger once, with secret redaction on every handler."""
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecrets())
    # Alembic narrates every migration check at INFO; only its warnings matter to an
    # operator running a command.
    if logging.getLogger().level > logging.DEBUG:
        logging.getLogger("alembic").setLevel(logging.WARNING)
