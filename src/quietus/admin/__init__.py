"""The admin layer: session, request, transaction and lock views (sys.dm_*), system procedures (sp_who ...).

Public face: ``install(instance)`` registers everything into the instance's environment.  See
docs/design/views.md for every view's columns and sources, the scoping rules and the costs.
"""

from quietus.admin.install import PROCEDURES, VIEWS, install

__all__ = ["PROCEDURES", "VIEWS", "install"]
