"""Builds the pluggy PluginManager: discovers `postloan.plugins` entry points, validates them."""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from typing import Any

import pluggy
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from postloan.platform.plugins import hookspecs

hookimpl = hookspecs.hookimpl
log = logging.getLogger(__name__)

_pm: pluggy.PluginManager | None = None


def _check_required_settings(name: str, plugin: Any) -> None:
    missing = [s for s in getattr(plugin, "required_settings", ()) if not getattr(settings, s, None)]
    if missing:
        raise ImproperlyConfigured(f"plugin {name!r} needs settings: {', '.join(missing)}")


def build(extra: list[Any] | None = None) -> pluggy.PluginManager:
    pm = pluggy.PluginManager("postloan")
    pm.add_hookspecs(hookspecs)
    wanted = set(settings.POSTLOAN_PLUGINS)
    for ep in entry_points(group="postloan.plugins"):
        if wanted and ep.name not in wanted:
            continue
        plugin = ep.load()
        _check_required_settings(ep.name, plugin)
        pm.register(plugin, name=ep.name)
        log.info("plugin %s %s loaded", ep.name, getattr(plugin, "version", ""))
    # Built-in modules use the same API: an app config may name a module of hook implementations.
    from django.apps import apps

    for config in apps.get_app_configs():
        hooks = getattr(config, "plugin_hooks", None)
        if hooks:
            from importlib import import_module

            pm.register(import_module(hooks), name=f"builtin:{config.label}")
    for plugin in extra or []:
        _check_required_settings(getattr(plugin, "name", repr(plugin)), plugin)
        pm.register(plugin, name=getattr(plugin, "name", None))
    pm.hook.postloan_startup(settings=settings)
    return pm


def get() -> pluggy.PluginManager:
    global _pm
    if _pm is None:
        _pm = build()
    return _pm


def hook() -> Any:
    return get().hook


def use(pm: pluggy.PluginManager | None) -> None:
    """Swap the active manager (tests register a dummy plugin this way); None rebuilds on next use."""
    global _pm
    _pm = pm
    from postloan.platform import runtime_config

    runtime_config._catalogue.cache_clear()


def loaded() -> list[dict[str, str]]:
    return [
        {"name": name or "", "version": str(getattr(plugin, "version", ""))}
        for name, plugin in get().list_name_plugin()
    ]
