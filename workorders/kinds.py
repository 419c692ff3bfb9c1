"""Order kinds as a small registry of handler classes: what each needs before completion
(R7) and what happens to a device it takes out."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workorders.models import WorkOrder


class OrderKind:
    name = ""
    #: Status a terminal or SIM taken out of the vehicle gets.
    removed_status = "faulty"
    needs_resolution = True

    def missing(self, order: WorkOrder, resolution: str) -> dict[str, str]:
        """Fields this kind still needs before the order can be completed."""
        if self.needs_resolution and not resolution.strip():
            return {"resolution": str(_l("Describe what was done."))}
        return {}


class Install(OrderKind):
    name = "install"
    needs_resolution = False

    def missing(self, order: WorkOrder, resolution: str) -> dict[str, str]:
        missing = super().missing(order, resolution)
        terminal_in = [s for s in order.swaps if s.kind == "terminal" and s.new_identifier]
        if not terminal_in:
            missing["terminal"] = str(_l("Record the terminal installed (scan or type its ID)."))
        sim_in = [s for s in order.swaps if s.kind == "sim" and s.new_identifier]
        if not sim_in:
            missing["sim"] = str(_l("Record the SIM card installed (its ICCID)."))
        return missing


class Repair(OrderKind):
    name = "repair"


class Removal(OrderKind):
    name = "removal"
    removed_status = "in_stock"

    def missing(self, order: WorkOrder, resolution: str) -> dict[str, str]:
        missing = super().missing(order, resolution)
        if not any(s.kind == "terminal" and s.old_identifier for s in order.swaps):
            missing["terminal"] = str(_l("Record the terminal removed."))
        return missing


class Inspection(OrderKind):
    name = "inspection"


KINDS: dict[str, OrderKind] = {kind.name: kind for kind in (Install(), Repair(), Removal(),
                                                             Inspection())}


def kind_of(order: WorkOrder) -> OrderKind:
    return KINDS[order.kind]
