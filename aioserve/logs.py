"""Logging set-up: where aioserve's, aiohttp's and app code's records go."""

from __future__ import annotations

import logging
import sys

from aioserve.config import Config

TRACE = 5
logging.addLevelName(TRACE, "TRACE")


def configure_logging(config: Config) -> None:
    """Send aioserve's and aiohttp's records, and those of app code (the root
    logger, as `bokeh serve` sets it up), to --log-file or stderr."""
    handler: logging.Handler = (logging.FileHandler(config.log_file) if config.log_file
                                else logging.StreamHandler(sys.stderr))
    handler.setFormatter(logging.Formatter(config.log_format))
    level = TRACE if config.log_level == "trace" else getattr(logging, config.log_level.upper())
    for name in ("aioserve", "aiohttp"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
    # App code logs through its own loggers (`logging.getLogger(__name__)`); they
    # reach the root logger, which gets the same handler (replacing one we set before).
    handler.set_name("aioserve")
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if h.get_name() != "aioserve"] + [handler]
    root.setLevel(level)
