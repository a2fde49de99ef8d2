"""Logs, metrics and the HTTP middleware that feeds them."""
