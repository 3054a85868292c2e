"""Graph export: networkx graph from the store, then one writer per format."""
