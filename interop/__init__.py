"""Interoperability: what other systems read from Vitrine and bring into it (exports, bags, and later OAI-PMH,
IIIF, harvesting); above archive/ and exhibitions/ and imported by neither."""
