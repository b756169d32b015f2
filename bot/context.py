"""Wiring for one command: settings, engine and sessions, created on first use.

Commands ask for what they need (`ctx.settings`, `ctx.database()`), so `retention-bot tag`
never opens a database and `retention-bot --help` never reads settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config import ConfigError, Settings, load_settings
from insights import lifecycle
from insights.ingest import LifecycleRules
from insights.risk import Weights, load_weights
from insights.tagging import RulesError, Tagger
from storage import schema
from storage.database import make_engine, session_factory


def tagger_for(settings: Settings) -> Tagger:
    """The feedback tagger: the shipped rules, or TAGGING_RULES_FILE merged onto them."""
    path = settings.analysis.tagging_rules_file
    if path is None:
        return Tagger.default()
    try:
        return Tagger.from_file(path)
    except (OSError, RulesError) as error:
        raise ConfigError(f"TAGGING_RULES_FILE: {error}") from None


def lifecycle_rules(settings: Settings) -> LifecycleRules:
    """How imports decide churn: PAYMENT_GRACE_DAYS and INACTIVITY_CHURN_DAYS."""
    return LifecycleRules(settings.payment_grace, settings.inactivity_window)


@dataclass
class AppContext:
    _settings: Settings | None = None
    _engine: Engine | None = None
    _factory: sessionmaker[Session] | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings.database.url)
        return self._engine

    def database(self, check_schema: bool = True) -> sessionmaker[Session]:
        """Sessions on a database whose schema is current (or say which command fixes it)."""
        if check_schema:
            schema.check_current(self.engine)
        if self._factory is None:
            self._factory = session_factory(self.engine)
        return self._factory

    def refresh_lifecycle(self, as_of: datetime | None = None) -> int:
        """Bring churn up to date: grace periods and inactivity windows that ran out."""
        factory = self.database()
        with factory() as session, session.begin():
            return lifecycle.refresh(
                session,
                as_of or datetime.now(UTC),
                self.settings.payment_grace,
                self.settings.inactivity_window,
            )

    @property
    def risk_weights(self) -> Weights:
        """The at-risk score's weights: the shipped defaults or RISK_WEIGHTS_FILE."""
        try:
            return load_weights(self.settings.analysis.risk_weights_file)
        except (OSError, ValueError) as error:
            raise ConfigError(f"RISK_WEIGHTS_FILE: {error}") from None

    @property
    def tagger(self) -> Tagger:
        return tagger_for(self.settings)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
