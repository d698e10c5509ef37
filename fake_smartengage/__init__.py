"""A faithful, stateful fake of the SmartEngage REST API."""

__version__ = "0.1.0"
