"""The audit tests record real changes through the order services, with the order tests' fixtures."""

from tests.orders.conftest import coordinator, make_order, organiser, production, station

__all__ = ["coordinator", "make_order", "organiser", "production", "station"]
