"""Quietus: a SQL database server that is best at seeing sessions and ending them."""

__version__ = "0.1.0"
