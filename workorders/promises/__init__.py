"""Promises to the customer (SPEC §10): the arrival clock, the customer link and the messages
sent when an order or a complaint moves."""
