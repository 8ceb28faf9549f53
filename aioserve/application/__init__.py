"""Applications: scripts, notebooks, directories and functions that build documents."""

from aioserve.application.application import Application, load_application, route_name

__all__ = ["Application", "load_application", "route_name"]
