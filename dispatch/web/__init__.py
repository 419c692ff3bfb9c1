"""HTTP plumbing shared by every room: API and page guards, forms, schemas, errors, templates, idempotency."""
