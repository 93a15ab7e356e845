"""The archive: items, texts per language, vocabulary, places, media, the item API."""
