"""Question bank: items and their versions, categories, importers."""
