"""`retention-bot link EXTERNAL_ID`: the deep link that connects a customer's Telegram.

A bot cannot write first; the customer opens this link (sent by email or shown in the app),
Telegram starts the bot with the signed token, and the bot binds the chat.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import click

from bot.context import AppContext
from surveys import accounts
from surveys.linking import deep_link, issue_token


@click.command("link")
@click.argument("external_id")
@click.pass_obj
def link(app: AppContext, external_id: str) -> None:
    """Print the Telegram deep link for one customer (valid LINK_TTL_DAYS days)."""
    settings = app.settings
    settings.require("link_secret")
    assert settings.surveys.link_secret is not None
    with app.database()() as session:
        customer_id = accounts.customer_id(session, external_id)
    from bot.telegram_app import bot_username  # python-telegram-bot: only when needed

    username = asyncio.run(bot_username(settings))
    token = issue_token(
        settings.surveys.link_secret,
        customer_id,
        app.clock(),
        timedelta(days=settings.surveys.link_ttl_days),
    )
    click.echo(deep_link(username, token))


def register(group: click.Group) -> None:
    group.add_command(link)
