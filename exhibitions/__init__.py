"""Exhibitions: curated sets for venues, QR links, labels and, later, e-books."""
