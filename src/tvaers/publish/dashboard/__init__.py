"""The quality databases' web dashboard (``tvaers registry serve``).

Server-rendered HTML over the same results, definitions and gateway statistics as
``tvaers publish build``, for signed-in users with a role and a unit scope: indicators with
drill-down to unit and period, population report, data quality, and (for a user's own
municipality or region) the persons behind an indicator, audit-logged. Built by
:func:`tvaers.publish.dashboard.app.create_app`; nothing runs at import time.
"""
