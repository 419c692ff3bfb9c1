"""The dispatcher's tools: ranked candidates, day auto-assignment with routes, the board.

This package composes the domains (work orders, technicians, inventory, geography); the core
``dispatch`` modules below it never import work orders.
"""
