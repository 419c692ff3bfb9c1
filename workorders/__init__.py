"""Work orders: intake, approval, life cycle, swaps, parts used, fees and completion."""
