"""`python -m i18n_sync`: the same as the `i18n-sync` command."""

from i18n_sync.cli import program

program()
