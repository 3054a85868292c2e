"""What a record is: pydantic models shared by ingest, db and api (imports nothing of ours)."""
