"""The web reading room and JSON API (FastAPI): `create_app(archive)`, served by
`cablegram serve` and `cablegram demo`."""

from cablegram.web.app import create_app
from cablegram.web.core import NavLink, Settings, WebError

__all__ = ["NavLink", "Settings", "WebError", "create_app"]
