"""The admin web console: server-rendered pages under ``/admin`` for an operator's support
desk, over the same services as the API (see ``docs/console.md``)."""

__all__: list[str] = []
