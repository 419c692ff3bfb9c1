"""R18: what a reader sees of a customer, at each confidentiality level — the one rule.

Every list, search, detail, export, PDF and notification that carries a customer's contact data
asks :func:`customer_view` and shows what it allows (``docs/rules.md`` R18 has the table):

- ``full``: name, contact name, phones, addresses, position and notes as recorded;
- ``masked``: the customer's name (finance needs it on invoices), the contact name's first
  character, the phone's last four digits, the address's first six characters; no position, no
  notes — and no search on the hidden fields (a match would confirm them);
- ``none``: the customer is not listed and its pages answer 404; where a record the reader may
  see points at it (an invoice, an audit row), its name and contact show as ``***``.
"""

from __future__ import annotations

from typing import Any

from dispatch.auth.models import User

FULL, MASKED, NONE = "full", "masked", "none"
#: The customer and order fields :func:`shown_contact` masks.
CONTACT_FIELDS = ("contact_name", "phone", "contact_phone", "address", "site_address", "lat",
                  "lon", "site_lat", "site_lon", "notes", "email")
HIDDEN = "***"


def customer_view(user: User | None, level: str, *, assigned: bool = False) -> str:
    """What ``user`` sees of a customer whose confidentiality is ``level``.

    ``assigned``: the reader is the technician of an order of this customer, looking at that
    order (the field work needs the contact and the site)."""
    if user is None:
        return NONE
    if assigned or user.can("customer.view_secret"):
        return FULL
    if level == "ordinary":
        return FULL
    if level == "secret":
        return NONE
    return FULL if user.can("customer.contact") else MASKED


def full_levels(user: User | None) -> tuple[str, ...]:
    """The levels whose customers ``user`` sees in full (for queries: search, exports)."""
    return tuple(level for level in ("ordinary", "confidential", "secret")
                 if customer_view(user, level) == FULL)


def listed_levels(user: User | None) -> tuple[str, ...]:
    """The levels whose customers ``user`` may find at all (full or masked)."""
    return tuple(level for level in ("ordinary", "confidential", "secret")
                 if customer_view(user, level) != NONE)


def mask_name(value: str | None) -> str:
    return (value or "")[:1] + "**"


def mask_phone(value: str | None) -> str:
    value = value or ""
    return "*" * max(len(value) - 4, 0) + value[-4:]


def mask_address(value: str | None) -> str:
    return (value or "")[:6] + "…"


def _masked(field: str, value: Any) -> Any:
    if field in ("lat", "lon", "site_lat", "site_lon"):
        return None
    if field == "notes":
        return ""
    if field in ("phone", "contact_phone"):
        return mask_phone(value)
    if field in ("address", "site_address"):
        return mask_address(value)
    return mask_name(value)


def shown_value(view: str, field: str, value: Any) -> Any:
    """``value`` of the contact ``field`` as a reader with ``view`` sees it."""
    if view == FULL or field not in CONTACT_FIELDS:
        return value
    if view == MASKED:
        return _masked(field, value)
    return None if field in ("lat", "lon", "site_lat", "site_lon") else HIDDEN


def shown_contact(view: str, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` (contact fields and others) as a reader with ``view`` sees them."""
    return {field: shown_value(view, field, value) for field, value in values.items()}


def shown_name(view: str, name: str | None) -> str:
    """The customer's name: shown unless the reader may not see the customer at all."""
    return HIDDEN if view == NONE else (name or "")


def stored_name(customer: Any) -> str:
    """The customer's name in text that outlives its reader (a notification, read later in the
    audit log by an admin too): what every staff role may see — nothing of a secret one."""
    return shown_name(NONE if customer.confidentiality == "secret" else FULL, customer.name)


class ShownCustomer:
    """A customer as a reader sees it: the model's attributes, the contact fields masked as
    :func:`customer_view` says (works for templates and API schemas alike)."""

    def __init__(self, customer: Any, view: str) -> None:
        self.__dict__["_customer"] = customer
        self.__dict__["view"] = view
        self.__dict__["masked"] = view != FULL

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._customer, name)
        if name == "name":
            return shown_name(self.view, value)
        return shown_value(self.view, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a shown customer is read-only")


def show_customer(customer: Any, user: User | None) -> ShownCustomer:
    return ShownCustomer(customer, customer_view(user, customer.confidentiality))
