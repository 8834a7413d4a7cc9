"""Gettext: the PO reader and writer, templates, the merge and the counts."""
