"""The import/export file format (CSV and JSON Lines), read and written.

An adapter like ``api`` and ``csms``: it speaks the API's vocabulary (camelCase fields,
validated by the API's own models) and hands the services plain records.
"""

__all__: list[str] = []
