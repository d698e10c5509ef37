"""The state: the SQLite database, the API's operations on it, and whole accounts in and out.

`operations.Store` is what the SmartEngage routes call; `accounts.Accounts` is what fixture
loading and the test harness call. They are the only modules that run SQL, besides the
modules they delegate to here.
"""

from .accounts import Accounts
from .db import Database
from .operations import Store, SubscriberChanges

__all__ = ["Accounts", "Database", "Store", "SubscriberChanges"]
