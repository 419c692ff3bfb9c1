"""The roster is cached per process and reloaded after any committed change to it."""


from board.roster import active_members
from dispatch import cache
from dispatch.extensions import db
from dispatch.technicians.services import update_technician


def _skills(technician_id: int) -> tuple[str, ...]:
    return next(m.skills for m in active_members() if m.id == technician_id)


def _version() -> tuple[int, int] | None:
    return cache.current_version("roster")


def test_an_edited_technician_is_seen_on_the_next_read(app, make_technician):
    technician = make_technician(skills=("install",))
    assert _skills(technician.id) == ("install",)
    update_technician(technician, {"skills": ["install", "repair"]})
    db.session.commit()
    assert _skills(technician.id) == ("install", "repair")
    deactivated = make_technician()
    assert deactivated.id in {m.id for m in active_members()}
    deactivated.active = False
    db.session.commit()
    assert deactivated.id not in {m.id for m in active_members()}


def test_a_change_rolled_back_never_reaches_the_cache(app, make_technician):
    technician = make_technician(skills=("install",))
    before = _version()
    technician.skills = ["removal"]
    assert _skills(technician.id) == ("removal",)  # this transaction sees its own change
    db.session.rollback()
    assert _version() == before
    assert _skills(technician.id) == ("install",)


def test_position_reports_keep_the_roster_cached(app, make_technician):
    technician = make_technician()
    active_members()
    before = _version()
    technician.last_lat, technician.last_lon = 30.3, 120.2
    db.session.commit()
    assert _version() == before


def test_a_change_made_by_another_process_is_seen(app, make_technician):
    """Another process's commit moves the version row; this process's cache must follow."""
    technician = make_technician(skills=("install",))
    assert _skills(technician.id) == ("install",)
    with db.engine.begin() as other:  # a separate connection, as another process would use
        other.execute(db.text("UPDATE technicians SET skills = :s WHERE id = :id"),
                      {"s": '["inspection"]', "id": technician.id})
        other.execute(db.text("UPDATE cache_versions SET version = version + 7 WHERE name = 'roster'"))
    db.session.rollback()  # end this session's snapshot, as a new request would
    assert _skills(technician.id) == ("inspection",)
