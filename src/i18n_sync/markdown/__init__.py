"""Markdown: parsing (markdown-it-py), documents, units and their msgids, anchors, links."""
