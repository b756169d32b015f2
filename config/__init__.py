"""Configuration, the lowest layer: settings by area, and the user-facing error root.

Every other package may import this one; it imports none of them.
"""

from config.errors import ConfigError, UserError
from config.settings import AREAS, VARIABLES, Settings, load_settings

__all__ = ["AREAS", "VARIABLES", "ConfigError", "Settings", "UserError", "load_settings"]
