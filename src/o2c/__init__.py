"""o2c: order-to-cash for companies that sell physical goods."""
__version__ = "0.1.0"
