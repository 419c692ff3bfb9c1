"""Device status has one writer with its allowed moves, like work orders."""

import pytest

from dispatch.errors import Conflict
from dispatch.extensions import db
from dispatch.registry import devices
from dispatch.registry.models import SIM_STATUSES, TERMINAL_STATUSES, Terminal
from dispatch.timeutil import utcnow


def test_the_move_tables_cover_every_status_the_database_allows():
    for table, statuses in ((devices.TERMINAL_MOVES, TERMINAL_STATUSES),
                            (devices.SIM_MOVES, SIM_STATUSES)):
        assert set(table) == set(statuses)
        assert all(targets <= set(statuses) for targets in table.values())


def test_a_scrapped_terminal_never_comes_back_and_a_refusal_changes_nothing(app, world):
    terminal = Terminal(terminal_id="HZ00000099", model="GT06N", status="scrapped")
    db.session.add(terminal)
    db.session.flush()
    for status in ("in_stock", "installed", "faulty", "at_vendor"):
        with pytest.raises(Conflict):
            devices.set_terminal_status(terminal, status)
        assert terminal.status == "scrapped"
    with pytest.raises(Conflict):
        devices.install_terminal(terminal, world.truck, None, utcnow(), utcnow().date())
    assert terminal.status == "scrapped" and terminal.vehicle is None


def test_a_terminal_in_stock_cannot_go_to_the_vendor_without_being_taken_out_faulty(app, world):
    spare = world.spare_terminal
    with pytest.raises(Conflict) as refused:
        devices.set_terminal_status(spare, "at_vendor")
    assert "HZ00000002" in refused.value.message
    assert spare.status == "in_stock"
