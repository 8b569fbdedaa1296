"""Routes, one module per capability; every route declares its permission with ``require``."""
