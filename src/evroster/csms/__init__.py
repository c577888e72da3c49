"""The OCPP central system: chargers connect over WebSocket, 1.6J or 2.0.1.

``endpoint.py`` accepts or refuses the connection; ``v16.py`` and ``v201.py``
translate each version's messages into the version-neutral services
(``services/charging.py``, ``services/authorization.py``).
"""

__all__: list[str] = []
