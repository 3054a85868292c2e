"""What a record is, and the rules every layer shares (identifiers, names): imports nothing of ours."""
