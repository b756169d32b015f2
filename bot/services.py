"""The shared parts of one process, built once where it starts and passed to what needs them.

Before, each component built its own: the tagger twice at start-up (and again on every API
batch with TAGGING_RULES_FILE set: 0.7 s each), risk weights three times, a new engine per
scheduler job. `Services` holds one of each; components, commands and scheduler jobs
receive it, and nothing below `bot/` reads settings or builds these itself.

The expensive parts load on first use (`retention-bot tag` never opens a database;
`retention-bot import` never compiles the tagger), once, under a lock: answer listeners run
in worker threads and would otherwise race to build the same tagger.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from config import ConfigError, Settings
from insights.risk import Weights, load_weights
from insights.tagging import RulesError, Tagger
from storage.clock import Clock, utcnow

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from insights.ingest import LifecycleRules

# The database, ingest and lifecycle modules (SQLAlchemy, scipy: ~1 s) are imported where
# they are first used, so a process that only tags (`retention-bot tag`) never loads them.


class _Once:
    """A value built on first use by `build`, then kept; thread-safe."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._value: list[Any] = []

    def get(self) -> Any:
        if not self._value:
            with self._lock:
                if not self._value:
                    self._value.append(self._build())
        return self._value[0]


def _tagger(settings: Settings) -> Tagger:
    """The shipped rules, or TAGGING_RULES_FILE merged onto them."""
    path = settings.analysis.tagging_rules_file
    try:
        return Tagger.default() if path is None else Tagger.from_file(path)
    except (OSError, RulesError) as error:
        raise ConfigError(f"TAGGING_RULES_FILE: {error}") from None


def _weights(settings: Settings) -> Weights:
    """The at-risk score's weights: the shipped defaults or RISK_WEIGHTS_FILE."""
    try:
        return load_weights(settings.analysis.risk_weights_file)
    except (OSError, ValueError) as error:
        raise ConfigError(f"RISK_WEIGHTS_FILE: {error}") from None


def _make_engine(settings: Settings) -> Engine:
    from storage.database import make_engine

    return make_engine(settings.database.url)


def _session_factory(engine: Engine) -> sessionmaker[Session]:
    from storage.database import session_factory

    return session_factory(engine)


class Services:
    """Settings, the database, the clock, the tagger and the risk weights of one process."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine | None = None,
        factory: sessionmaker[Session] | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.settings = settings
        self.clock = clock
        if engine is None and factory is not None:
            engine = factory.kw["bind"]
        self._engine = _Once(lambda: engine or _make_engine(settings))
        self._factory = _Once(lambda: factory or _session_factory(self.engine))
        self._tagger = _Once(lambda: _tagger(settings))
        self._live_tagger = _Once(self._make_live_tagger)
        self._weights = _Once(lambda: _weights(settings))

    @property
    def engine(self) -> Engine:
        engine: Engine = self._engine.get()
        return engine

    @property
    def factory(self) -> sessionmaker[Session]:
        factory: sessionmaker[Session] = self._factory.get()
        return factory

    @property
    def tagger(self) -> Tagger:
        tagger: Tagger = self._tagger.get()
        return tagger

    @property
    def live_tagger(self) -> Tagger:
        """The tagger for answers as they arrive and as they are imported: `tagger` with
        the company's newest models (`retention-bot tagger train`), picked up within a
        minute of being stored. `tagger` alone serves `retention-bot tag`, which needs no
        database."""
        tagger: Tagger = self._live_tagger.get().get()
        return tagger

    def _make_live_tagger(self) -> Any:
        from insights.tagger_models import LiveTagger

        return LiveTagger(lambda: self.factory, lambda: self.tagger)

    @property
    def risk_weights(self) -> Weights:
        weights: Weights = self._weights.get()
        return weights

    @property
    def lifecycle_rules(self) -> LifecycleRules:
        """How imports decide churn: PAYMENT_GRACE_DAYS and INACTIVITY_CHURN_DAYS."""
        from insights.ingest import LifecycleRules

        return LifecycleRules(self.settings.payment_grace, self.settings.inactivity_window)

    def refresh_lifecycle(self, as_of: datetime | None = None) -> int:
        """Bring churn up to date: grace periods and inactivity windows that ran out."""
        from insights import lifecycle

        with self.factory() as session, session.begin():
            return lifecycle.refresh(
                session,
                as_of or self.clock(),
                self.settings.payment_grace,
                self.settings.inactivity_window,
            )

    def close(self) -> None:
        if self._engine._value:
            self.engine.dispose()
