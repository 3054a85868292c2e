"""SQL store: SQLAlchemy models, atomic writes, and every query."""
