"""Settings: the one place configuration enters the program, split by area.

Everything is read from the environment and an optional `.env` file in the working
directory, validated once, and handed to the rest of the code as a typed object, so no
module reads `os.environ` itself. Each area (`settings.telegram`, `settings.slack`, ...)
reads its own variables; the variable names are the product's documented ones
(TELEGRAM_BOT_TOKEN is `settings.telegram.bot_token`). Settings that only some commands
need are optional and demanded with `require()` by the command that needs them: a user who
only imports CSV files must not be asked for a Slack token.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from config.analysis import AnalysisSettings
from config.api import ApiSettings
from config.base import Area
from config.core import CoreSettings
from config.database import DatabaseSettings
from config.digest import DigestSettings
from config.errors import ConfigError
from config.http import HttpSettings
from config.risk import RiskSettings
from config.slack import SlackSettings
from config.surveys import SurveySettings
from config.telegram import TelegramSettings

AREAS: dict[str, type[Area]] = {
    "core": CoreSettings,
    "database": DatabaseSettings,
    "analysis": AnalysisSettings,
    "risk": RiskSettings,
    "telegram": TelegramSettings,
    "surveys": SurveySettings,
    "slack": SlackSettings,
    "digest": DigestSettings,
    "http": HttpSettings,
    "api": ApiSettings,
}


def _variables() -> dict[str, tuple[str, str]]:
    """Every variable (lower-cased) -> (area, field)."""
    found: dict[str, tuple[str, str]] = {}
    for area, model in AREAS.items():
        for name in model.model_fields:
            found[model.variable(name).lower()] = (area, name)
    return found


VARIABLES = _variables()


@dataclass(frozen=True)
class Settings:
    """The program's configuration: one typed object per area."""

    core: CoreSettings
    database: DatabaseSettings
    analysis: AnalysisSettings
    risk: RiskSettings
    telegram: TelegramSettings
    surveys: SurveySettings
    slack: SlackSettings
    digest: DigestSettings
    http: HttpSettings
    api: ApiSettings
    env_file: Path | None = field(default=None, repr=False, compare=False)
    overrides: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # The few derived values nearly every command uses.
    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return self.core.tz

    @property
    def payment_grace(self) -> timedelta:
        return self.core.payment_grace

    @property
    def inactivity_window(self) -> timedelta | None:
        return self.core.inactivity_window

    def value(self, variable: str) -> Any:
        """A setting by its variable name (`"TELEGRAM_BOT_TOKEN"`)."""
        area, name = VARIABLES[variable.lower()]
        return getattr(getattr(self, area), name)

    def require(self, *variables: str) -> None:
        """Fail with one clear line when a command needs a setting that is not set."""
        for variable in variables:
            if self.value(variable) in (None, ""):
                raise ConfigError(f"{variable.upper()} is not set; this command needs it")

    def replaced(self, **changes: Any) -> Settings:
        """These settings with some variables changed (by variable name), validated again."""
        return load_settings(self.env_file, **{**self.overrides, **changes})


def _describe(model: type[Area], error: ValidationError) -> list[str]:
    """One line per invalid variable, naming it the way the user wrote it."""
    parts = []
    for item in error.errors():
        loc = [str(p) for p in item["loc"]]
        if loc and loc[0] in model.model_fields:
            name = model.variable(loc[0])
        else:  # a field read through an alias reports the alias (RETENTION_BENCHMARK)
            name = loc[0].upper() if loc else "settings"
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{name}: {message}")
    return parts


def load_settings(env_file: Path | None = None, **overrides: Any) -> Settings:
    """Read settings; `overrides` by variable name (`telegram_bot_token=...`) win.

    A blank value counts as unset wherever it comes from (the environment, `.env`, an
    override). Invalid values become one ConfigError naming every bad variable.
    """
    by_area: dict[str, dict[str, Any]] = {area: {} for area in AREAS}
    for key, value in overrides.items():
        if key.lower() not in VARIABLES:
            raise TypeError(f"no setting named {key.upper()}")
        if isinstance(value, str) and not value.strip():
            continue
        area, name = VARIABLES[key.lower()]
        by_area[area][name] = value
    built: dict[str, Area] = {}
    problems: list[str] = []
    for area, model in AREAS.items():
        arguments = dict(by_area[area])
        if env_file is not None:
            arguments["_env_file"] = env_file
        try:
            built[area] = model(**arguments)
        except ValidationError as error:
            problems += _describe(model, error)
    if problems:
        raise ConfigError("; ".join(problems))
    return Settings(**built, env_file=env_file, overrides=dict(overrides))  # type: ignore[arg-type]
