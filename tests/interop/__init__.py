"""Tests of interop/: exports and bags."""
