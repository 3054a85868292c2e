"""The curated vocabularies (YAML), installed as package data of `headkg.data`."""
