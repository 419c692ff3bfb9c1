"""The technician tablet: the offline-first page and the API it calls."""
