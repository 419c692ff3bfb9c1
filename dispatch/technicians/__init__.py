"""Technician profiles: home base, skills, hours, capacity, last known position."""
