"""The order side of the tracking platform: activation checks, remote commands, silent devices."""
