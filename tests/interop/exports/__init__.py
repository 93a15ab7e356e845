"""Tests of interop/exports: Dublin Core, JSON-LD, bags."""
