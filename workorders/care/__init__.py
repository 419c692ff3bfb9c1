"""Customer care: complaints (R15-R17), callbacks (R14), technician incentives (R19)."""
