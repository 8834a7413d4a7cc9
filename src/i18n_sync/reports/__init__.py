"""Reports: status, history of the English, badges."""
