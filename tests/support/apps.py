"""The application under test, built once for as long as the settings it was built from hold."""

from collections import OrderedDict

from fastapi import FastAPI

from app.config import Settings, get_settings
from app.main import create_app

# Apps by the settings they were built from, the least recently used dropped beyond a few (tests
# that clear the settings cache each make a new settings object).
_APPS: OrderedDict[tuple[int, str], FastAPI] = OrderedDict()
_KEEP_APPS = 4


def app_for_settings() -> FastAPI:
    """The application for the current settings, built once for as long as they hold: building
    one costs more than most tests (every route, its dependencies and its models).

    Keyed by the settings object itself (the app's middleware keeps a reference to it) and by its
    values (a test that changes one before the app is built gets an app built with it)."""
    settings: Settings = get_settings()
    key = (id(settings), repr(settings.model_dump()) + repr(sorted(settings.model_fields_set)))
    if key not in _APPS:
        _APPS[key] = create_app()
        while len(_APPS) > _KEEP_APPS:
            _APPS.popitem(last=False)
    _APPS.move_to_end(key)
    return _APPS[key]
