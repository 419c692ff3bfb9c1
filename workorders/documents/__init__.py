"""Documents of an order and bulk runs (SPEC section 6): what is requested when, PDF builders, jobs."""
