"""Shop API: items, orders and reports."""
