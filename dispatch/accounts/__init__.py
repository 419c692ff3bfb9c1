"""Staff accounts as an admin manages them: who may sign in, with which roles (SPEC §2)."""
