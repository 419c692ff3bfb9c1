"""Imports: spreadsheet files (CSV, XLSX) read row by row into the registry, stock, … by kind.

The machinery (reading, running in batches, dry runs, row errors, history, pages and API) is
here; what a kind of file means lives with its room (``dispatch/registry/importer.py`` for the
installed base) and is registered by ``dispatch/wiring.py``.
"""
