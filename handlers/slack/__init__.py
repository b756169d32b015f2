"""The Slack edge (staff): Block Kit rendering and posting.

Each feature is a self-contained module: `digest` renders and posts the weekly digest.
The staff-facing app, one module per kind of listener as in bolt's starter template:

- `churn_command`: `/churn` and its buttons (share, customer pick list); `churn_args`
  parses the text, `churn_queries` asks the core, `*_reply` modules render each answer.
- `alert_listener` (on the survey answer hooks) -> `alert_sender` (paced posting) ->
  `alert_blocks` (the message); `alert_actions`: its buttons and the "Wrong tags" modal.
- `access`: who may use any of it; `blocks`: Block Kit within Slack's limits.

`register(app, ctx)` adds every listener to a bolt `AsyncApp`; `bot.slack_app` builds the
app, the context and the sender from settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

    from handlers.slack.context import SlackContext


def register(app: AsyncApp, ctx: SlackContext) -> None:
    """Add the /churn command, its buttons and the alert buttons to `app`."""
    from handlers.slack import alert_actions, churn_command

    churn_command.register(app, ctx)
    alert_actions.register(app, ctx)


__all__ = ["register"]
