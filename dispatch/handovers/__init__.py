"""Shift handover log (R20) and in-app notifications: office tools that need no work orders."""
