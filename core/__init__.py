"""Plumbing shared by every domain; imports nothing from archive/ or exhibitions/."""
