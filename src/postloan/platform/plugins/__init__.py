"""Plugin system (pluggy). The extension API is `hookspecs.py`; `manager.py` discovers plugins."""

from postloan.platform.plugins.hookspecs import hookimpl

__all__ = ["hookimpl"]
