"""The SmartEngage API: its route table, how a request is answered, and how it is documented.

`table` declares every route; `dispatch.answer` answers an `ApiRequest` (`request`) from the
store; `openapi` documents the table; `shapes` tells whether an answer has a route's shape.
"""
