"""Platform screens (thin: forms validate, services write, selectors read)."""
