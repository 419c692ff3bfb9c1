"""Money after the job: collections, invoices, handovers, reconciliation (R8), exports."""
