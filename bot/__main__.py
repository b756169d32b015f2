"""`python -m bot` runs the `retention-bot` command line."""

from bot.cli import main

main()
