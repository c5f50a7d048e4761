"""The write side: authoring state (users, tokens, roles, audit) in a SQL database.

Published releases stay immutable files read by `store`; this package holds everything
that changes while people work, and the read path never imports it. Every change goes
through `writes.write` (permission check, change and audit entry in one transaction).
"""
