"""Parsers that turn the list's sources into sightings, and the resolver that merges them."""
