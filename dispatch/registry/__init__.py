"""The customer and device registry: customers, vehicles, GPS terminals and SIM cards."""
