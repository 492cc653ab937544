"""Logging to a rotating file in the user log directory. Never log keys, NIR, names or free text."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path


def setup_logging(data_dir: Path, level: int = logging.INFO) -> Path | None:
    """Log to ``<data_dir>/logs/fil-rouge.log`` (5 × 1 MiB). Returns the log file, or None if not writable."""
    log_dir = Path(os.environ.get("FIL_ROUGE_LOG_DIR", Path(data_dir) / "logs"))
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_dir / "fil-rouge.log", maxBytes=1024 * 1024, backupCount=5, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(level)
    return log_dir / "fil-rouge.log"
