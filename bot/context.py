"""Wiring for one command: settings, then the process's services, created on first use.

Commands ask for what they need (`ctx.settings`, `ctx.database()`), so `retention-bot tag`
never opens a database and `retention-bot --help` never reads settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from config import Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from bot.services import Services
    from insights.risk import Weights
    from insights.tagging import Tagger
    from storage.clock import Clock


@dataclass
class AppContext:
    _settings: Settings | None = None
    _services: Services | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    @property
    def services(self) -> Services:
        """The process's shared parts, built once (see `bot.services`)."""
        if self._services is None:
            from bot.services import Services  # imported here: `tag` needs no database code

            self._services = Services(self.settings)
        return self._services

    @property
    def clock(self) -> Clock:
        """The process's clock (`Services.clock`): commands read the time from it, so a
        test can pin it with `AppContext(_services=Services(settings, clock=...))`."""
        return self.services.clock

    @property
    def engine(self) -> Engine:
        return self.services.engine

    def database(self, check_schema: bool = True) -> sessionmaker[Session]:
        """Sessions on a database whose schema is current (or say which command fixes it)."""
        if check_schema:
            from storage import schema

            schema.check_current(self.engine)
        return self.services.factory

    def refresh_lifecycle(self, as_of: datetime | None = None) -> int:
        """Bring churn up to date: grace periods and inactivity windows that ran out."""
        self.database()
        return self.services.refresh_lifecycle(as_of)

    @property
    def risk_weights(self) -> Weights:
        return self.services.risk_weights

    @property
    def tagger(self) -> Tagger:
        return self.services.tagger

    def close(self) -> None:
        if self._services is not None:
            self._services.close()
