"""Quietus: a SQL database server that is best at seeing sessions and ending them."""

from quietus.dbapi import connect

__all__ = ["connect"]
__version__ = "0.1.0"
