"""Customers, their vehicles, and the devices (terminals, SIMs) installed in them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.extensions import Model, in_values
from dispatch.timeutil import UTCDateTime, utcnow

CONFIDENTIALITY = ("ordinary", "confidential", "secret")
CREDIT_CLASSES = ("A", "B", "C", "D")
#: How the customer wants to hear about their orders and complaints (SPEC §10).
CONTACT_PREFERENCES = ("sms", "email", "none")
CUSTOMER_LANGUAGES = ("zh_Hans", "en")
TERMINAL_STATUSES = ("in_stock", "installed", "faulty", "at_vendor", "scrapped")
SIM_STATUSES = ("in_stock", "installed", "faulty", "deactivated")



class Customer(Model):
    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint(in_values("confidentiality", CONFIDENTIALITY), name="confidentiality_known"),
        CheckConstraint(in_values("credit_class", CREDIT_CLASSES), name="credit_class_known"),
        CheckConstraint("lat IS NULL OR (lat BETWEEN -90 AND 90)", name="lat_range"),
        CheckConstraint("lon IS NULL OR (lon BETWEEN -180 AND 180)", name="lon_range"),
        CheckConstraint(in_values("contact_preference", CONTACT_PREFERENCES),
                        name="contact_preference_known"),
        CheckConstraint(in_values("language", CUSTOMER_LANGUAGES), name="language_known"),
        # The few secret customers (R18), hidden from every list but a manager's: a tiny index
        # for the ``customer_id NOT IN (secret ids)`` filter of the order lists.
        Index("ix_customers_secret", "id", sqlite_where=text("confidentiality = 'secret'"),
              postgresql_where=text("confidentiality = 'secret'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    contact_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    address: Mapped[str] = mapped_column(String(300))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    confidentiality: Mapped[str] = mapped_column(String(12), default="ordinary")
    credit_class: Mapped[str] = mapped_column(String(1), default="B")
    overseas: Mapped[bool] = mapped_column(default=False)
    email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    contact_preference: Mapped[str] = mapped_column(String(5), default="sms", server_default="sms")
    language: Mapped[str] = mapped_column(String(8), default="zh_Hans", server_default="zh_Hans")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    vehicles: Mapped[list[Vehicle]] = relationship(
        back_populates="customer", order_by="Vehicle.plate"
    )


class Vehicle(Model):
    __tablename__ = "vehicles"

    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(String(16), unique=True)
    vin: Mapped[str | None] = mapped_column(String(17), unique=True)
    description: Mapped[str] = mapped_column(String(100), default="")
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="vehicles")
    terminals: Mapped[list[Terminal]] = relationship(back_populates="vehicle")


class Terminal(Model):
    """A GPS terminal; installed in at most one vehicle (the foreign key) at a time."""

    __tablename__ = "terminals"
    __table_args__ = (
        CheckConstraint(in_values("status", TERMINAL_STATUSES), name="status_known"),
        CheckConstraint(
            "(status = 'installed') = (vehicle_id IS NOT NULL)", name="installed_iff_vehicle"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(32), unique=True)
    imei: Mapped[str | None] = mapped_column(String(15), unique=True)
    model: Mapped[str] = mapped_column(String(60))
    sku: Mapped[str | None] = mapped_column(ForeignKey("parts.sku"))
    firmware: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(12), default="in_stock")
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicles.id"), index=True)
    #: The stock location holding the terminal (warehouse, van, workshop, vendor), if any.
    location_id: Mapped[int | None] = mapped_column(ForeignKey("stock_locations.id"), index=True)
    purchase_date: Mapped[date | None]
    install_date: Mapped[date | None]
    warranty_end: Mapped[date | None]
    #: The tag of its last return to the workshop, "plate: fault symptom" (R5).
    return_tag: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    vehicle: Mapped[Vehicle | None] = relationship(back_populates="terminals")
    sims: Mapped[list[Sim]] = relationship(back_populates="terminal")


class Sim(Model):
    """A SIM card; sits in at most one terminal."""

    __tablename__ = "sims"
    __table_args__ = (
        CheckConstraint(in_values("status", SIM_STATUSES), name="status_known"),
        Index("ix_sims_terminal", "terminal_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    iccid: Mapped[str] = mapped_column(String(20), unique=True)
    msisdn: Mapped[str | None] = mapped_column(String(20), unique=True)
    carrier: Mapped[str] = mapped_column(String(40), default="")
    sku: Mapped[str | None] = mapped_column(ForeignKey("parts.sku"))
    status: Mapped[str] = mapped_column(String(12), default="in_stock")
    terminal_ref: Mapped[int | None] = mapped_column(ForeignKey("terminals.id"))
    #: The stock location holding the SIM, if any.
    location_id: Mapped[int | None] = mapped_column(ForeignKey("stock_locations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    terminal: Mapped[Terminal | None] = relationship(back_populates="sims")


class Installation(Model):
    """Which terminal or SIM was in which vehicle, from when to when (and by which order).

    A partial unique index allows one open installation per device: a device is in at most
    one vehicle at a time. ``installed_at`` is empty when unknown: a device found in the vehicle
    by a technician, fitted before the registry knew it (SPEC §10).
    """

    __tablename__ = "installations"
    __table_args__ = (
        CheckConstraint(
            "(device_kind = 'terminal' AND terminal_ref IS NOT NULL AND sim_ref IS NULL) OR "
            "(device_kind = 'sim' AND sim_ref IS NOT NULL AND terminal_ref IS NULL)",
            name="one_device",
        ),
        CheckConstraint("removed_at IS NULL OR removed_at >= installed_at", name="period_order"),
        Index("uq_installations_open_terminal", "terminal_ref", unique=True,
              sqlite_where=text("removed_at IS NULL"), postgresql_where=text("removed_at IS NULL")),
        Index("uq_installations_open_sim", "sim_ref", unique=True,
              sqlite_where=text("removed_at IS NULL"), postgresql_where=text("removed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"), index=True)
    device_kind: Mapped[str] = mapped_column(String(8))
    terminal_ref: Mapped[int | None] = mapped_column(ForeignKey("terminals.id"))
    sim_ref: Mapped[int | None] = mapped_column(ForeignKey("sims.id"))
    installed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))
    removed_by_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))

    vehicle: Mapped[Vehicle] = relationship()
    terminal: Mapped[Terminal | None] = relationship()
    sim: Mapped[Sim | None] = relationship()
