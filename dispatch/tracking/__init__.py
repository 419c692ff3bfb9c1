"""The link to the tracking platform (SPEC §10): one interface, the Traccar implementation."""
