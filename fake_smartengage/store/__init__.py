"""The state: one SQLite database per account, the API's operations on it, and whole accounts
in and out.

`operations.Store` is what the SmartEngage routes call; `accounts.Accounts` is what fixture
loading and the test harness call. They are the only modules that run SQL, besides the
modules they delegate to here.
"""

from .accounts import Account, Accounts
from .columns import SUBSCRIBER_WRITABLE
from .folder import Folder
from .operations import Store, SubscriberChanges

__all__ = ["SUBSCRIBER_WRITABLE", "Account", "Accounts", "Folder", "Store", "SubscriberChanges"]
