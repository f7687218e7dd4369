"""Import the modules that register job handlers, so that a consumer knows every job kind."""

import factory.audit.jobs  # noqa: F401
import factory.payroll.printing  # noqa: F401
import factory.planning.services  # noqa: F401
import factory.reports.jobs  # noqa: F401
