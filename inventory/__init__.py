"""Parts (the price list), stock locations (warehouses and vans) and the stock ledger."""
