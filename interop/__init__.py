"""Interoperability: what other systems read from Vitrine and what it reads from them (OAI-PMH, IIIF, exports)."""
