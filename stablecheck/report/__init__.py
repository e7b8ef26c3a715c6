"""Reports: figures (matplotlib) and self-contained HTML / Markdown (Jinja2 templates).

Knows no statistics: it renders what :func:`stablecheck.analyze` computed.
"""

from ._render import report

__all__ = ["report"]
