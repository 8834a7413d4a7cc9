"""`python -m i18n_sync`: the same as the `i18n-sync` command."""

from .cli import main

main(prog_name="i18n-sync")
