"""Who may see which order: staff see all but secret customers' (managers only, R18);
a technician sees only the orders assigned to them."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, false, func, select, text

from dispatch.auth.models import User
from dispatch.auth.roles import STAFF
from dispatch.errors import Forbidden, NotFound
from dispatch.extensions import db
from dispatch.registry.models import Customer
from dispatch.registry.visibility import FULL, customer_view, shown_contact
from dispatch.technicians.services import technician_for_user
from workorders.models import WorkOrder


def _secret_customer_ids() -> Select[int]:
    """The (few) secret customers, through their partial index (the literal condition lets the
    database see the index holds them all)."""
    return select(Customer.id).where(text("customers.confidentiality = 'secret'"))


def order_scope(user: User) -> tuple[str, int | None]:
    """Which orders ``user`` sees: ``("all", None)`` (managers), ``("not_secret", None)``
    (other staff, R18), ``("technician", id)`` (their own) or ``("none", None)``."""
    if user.roles & STAFF:
        return ("all" if user.can("customer.view_secret") else "not_secret"), None
    technician = technician_for_user(user)
    if technician is None or not user.can("order.view"):
        return "none", None
    return "technician", technician.id


def scoped_orders(scope: str, technician_id: Any = None) -> Select[WorkOrder]:
    """The orders of ``scope`` (:func:`order_scope`), as a query to filter further;
    ``technician_id`` may be a bound parameter, for a statement built once per scope."""
    query = select(WorkOrder)
    if scope == "not_secret":
        # NOT IN the (few, indexed) secret customers rather than a join with every
        # customer: a page or a bounded count then reads work_orders' indexes only.
        return query.where(WorkOrder.customer_id.not_in(_secret_customer_ids().scalar_subquery()))
    if scope == "technician":
        return query.where(WorkOrder.technician_id == technician_id)
    if scope == "none":
        return query.where(false())
    return query


def visible_orders(user: User) -> Select[WorkOrder]:
    """The orders ``user`` may see, as a query to filter further."""
    return scoped_orders(*order_scope(user))


def count_visible(user: User, *criteria: Any) -> int:
    """How many orders matching ``criteria`` ``user`` may see.

    For staff kept from secret customers: all matching orders less the secret customers' ones,
    two narrow counts that use the indexes, rather than a join over every matching order.
    """
    if user.roles & STAFF and not user.can("customer.view_secret"):
        matching = select(func.count()).select_from(WorkOrder).where(*criteria)
        secret = matching.where(WorkOrder.customer_id.in_(_secret_customer_ids().scalar_subquery()))
        return (db.session.scalar(matching) or 0) - (db.session.scalar(secret) or 0)
    return db.session.scalar(visible_orders(user).where(*criteria).with_only_columns(
        func.count(), maintain_column_froms=True).order_by(None)) or 0


def get_order(order_id: int, user: User, *, for_update: bool = False) -> WorkOrder:
    """The order if ``user`` may see it; otherwise :class:`NotFound` (existence is not leaked)."""
    query = visible_orders(user).where(WorkOrder.id == order_id)
    if for_update:
        query = query.with_for_update(of=WorkOrder)
    order = db.session.scalar(query)
    if order is None:
        raise NotFound(_l("No such work order."))
    return order


def require_assigned_technician(order: WorkOrder, user: User) -> None:
    """Field work on an order is for the technician it is assigned to."""
    technician = technician_for_user(user)
    if technician is None or order.technician_id != technician.id:
        raise Forbidden(_l("Only the technician assigned to this order can do this."))


def order_view(user: User | None, confidentiality: str) -> str:
    """R18 for an order's contact and site (:func:`dispatch.registry.visibility.customer_view`):
    a technician reads only the orders assigned to them, so a technician reading an order is
    the one doing its field work."""
    field_reader = (user is not None and not user.roles & STAFF
                    and user.can("order.field_work"))
    return customer_view(user, confidentiality, assigned=field_reader)


def contact_hidden(order: WorkOrder, user: User | None) -> bool:
    """Whether ``user`` sees ``order``'s contact data less than in full (R18)."""
    return order_view(user, order.customer.confidentiality) != FULL


def order_contact(order: WorkOrder, user: User | None) -> dict[str, Any]:
    """Contact name, phone and site (address, position) of ``order`` as ``user`` may see them."""
    return shown_contact(order_view(user, order.customer.confidentiality), {
        "contact_name": order.contact_name, "contact_phone": order.contact_phone,
        "site_address": order.site_address, "site_lat": order.site_lat,
        "site_lon": order.site_lon})
