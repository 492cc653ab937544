"""Indicators (DOMAIN.md, "Indicators"): the figures of a period, written once as SQLAlchemy Core queries.

Modules: :mod:`.period` (month, quarter, year), :mod:`.targets` (from the rule table), :mod:`.sql` (portable
SQL helpers), :mod:`.populations` (one SELECT per population), :mod:`.definitions` (the figures and breakdowns
as data), :mod:`.compute` (running them), :mod:`.results` (what they give).

The same builders run on the client vault (SQLCipher, ``Base.metadata.tables``) and on the département server
(PostgreSQL or SQLite, ``server.store.tables.BUSINESS``): the server's business tables are column-for-column copies of
the client's. Every figure is computed in SQL (aggregates, window functions for medians); Python only turns
the few aggregate rows into :class:`Figure` / :class:`Breakdown` values. Definitions: ``docs/indicators.md``.

Each figure reads one *population* (a ``SELECT`` with the same columns for all: ``row_id``, ``person_id``,
``day``, ``at``, ``value``, ``hit``, ``applies``, ``code``, ``code2``); its value is an aggregate over the
population and the people behind it are the population's rows filtered the same way, so the count of a figure
and the length of its list always agree.

No database is opened here: every function is given an ``execute`` callable (a session's or a connection's).
"""
