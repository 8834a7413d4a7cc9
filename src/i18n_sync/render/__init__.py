"""Render: splicing translations into the English text, links, switcher and notice."""
