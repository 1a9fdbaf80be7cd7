"""`python -m sovcloud` runs the CLI."""

from sovcloud.cli.main import app

app()
