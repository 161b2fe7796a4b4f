"""Results published for the public: frozen snapshots of an index and its ranking for a period."""
