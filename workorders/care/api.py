"""Customer-care API (SPEC §8): complaints, callbacks, monthly statistics, incentives."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import url_for

from dispatch.errors import FieldErrors
from dispatch.extensions import db
from dispatch.validators import parse_month
from dispatch.web.api import api_requires, current_api_user
from workorders.care import callbacks, clocks, complaints, ownership
from workorders.care import schemas as s
from workorders.care.incentives import monthly_incentives, quarterly_ranking
from workorders.care.stats import monthly_stats

bp = APIBlueprint("care_api", __name__, url_prefix="/api/v1", tag="Customer care")


def _month(text: str) -> tuple[int, int]:
    errors = FieldErrors()
    value = errors.check("month", parse_month, text)
    errors.raise_if_any()
    return value


@bp.post("/complaints")
@api_requires("complaint.create")
@bp.input(s.ComplaintIn, arg_name="body")
@bp.output(s.ComplaintOut, status_code=201)
def create_complaint(body):
    """R15–R17: register a complaint; its number is ``YYMM-NNN`` and it is due in 15 days
    (20 overseas). A critical one notifies the managers at once."""
    complaint = complaints.register_complaint(body, current_api_user())
    db.session.commit()
    return complaint, 201, {"Location": url_for("care_api.get_complaint",
                                                complaint_id=complaint.id)}


@bp.get("/complaints")
@api_requires("complaint.view")
@bp.input(s.ComplaintQuery, location="query", arg_name="args")
@bp.output(s.ComplaintList)
def list_complaints(args):
    """Open, overdue, due-soon, missing same-day notice (R15), or all complaints."""
    return {"items": complaints.complaint_list(current_api_user(), args["view"])}


@bp.get("/complaints/promises")
@api_requires("complaint.view")
@bp.input(s.PromiseQuery, location="query", arg_name="args")
@bp.output(s.PromiseList)
def list_promises(args):
    """R16: promised reply times, kept, missed, replaced by a later promise, or pending."""
    return {"items": clocks.promise_list(current_api_user(), args["state"])}


@bp.get("/complaints/<int:complaint_id>")
@api_requires("complaint.view")
@bp.output(s.ComplaintOut)
def get_complaint(complaint_id: int):
    return complaints.get_complaint(complaint_id, current_api_user())


def _act(complaint_id: int, run, *args):
    user = current_api_user()
    complaint = run(complaints.get_complaint(complaint_id, user, for_update=True), *args, user)
    db.session.commit()
    return complaint


@bp.post("/complaints/<int:complaint_id>/owner")
@api_requires("complaint.create")
@bp.input(s.OwnerIn, arg_name="body")
@bp.output(s.ComplaintOut)
def transfer_owner(complaint_id: int, body):
    """R13: hand the complaint over to another agent or manager (its owner or a manager)."""
    return _act(complaint_id, complaints.transfer_complaint, body["user_id"])


@bp.get("/me/problems")
@api_requires("problems.own")
@bp.input(s.ProblemsQuery, location="query", arg_name="args")
@bp.output(s.ProblemsOut)
def my_problems(args):
    """R13: the open work orders and complaints you own (a manager: ``user_id``'s)."""
    user = current_api_user()
    employee = ownership.employee_for(user, args.get("user_id"))
    return {"user_id": employee.id, **ownership.open_problems(employee, user)}


@bp.post("/complaints/<int:complaint_id>/notice")
@api_requires("complaint.create")
@bp.input(s.NoticeIn, arg_name="body")
@bp.output(s.ComplaintOut)
def notice(complaint_id: int, body):
    """R15: the customer was told the same day when the answer will come."""
    return _act(complaint_id, complaints.record_notice, body)


@bp.post("/complaints/<int:complaint_id>/resolve")
@api_requires("complaint.create")
@bp.input(s.ResolveIn, arg_name="body")
@bp.output(s.ComplaintOut)
def resolve(complaint_id: int, body):
    """Resolve with cause and responsibility; escalated complaints by a manager only."""
    return _act(complaint_id, complaints.resolve_complaint, body)


@bp.post("/complaints/<int:complaint_id>/follow-ups")
@api_requires("complaint.create")
@bp.input(s.FollowUpIn, arg_name="body")
@bp.output(s.ComplaintOut, status_code=201)
def follow_up(complaint_id: int, body):
    """R16: one or two follow-up calls after resolution."""
    return _act(complaint_id, complaints.add_follow_up, body), 201


@bp.post("/complaints/<int:complaint_id>/close")
@api_requires("complaint.create")
@bp.output(s.ComplaintOut)
def close(complaint_id: int):
    return _act(complaint_id, complaints.close_complaint)


@bp.post("/callbacks")
@api_requires("callback.record")
@bp.input(s.CallbackIn, arg_name="body")
@bp.output(s.CallbackOut, status_code=201)
def record_callback(body):
    """R14: one callback attempt on a completed repair order."""
    callback = callbacks.record_callback(body, current_api_user())
    reached = callbacks.callback_state(callback.workorder)[0]  # else R14: a manager decides
    db.session.commit()
    callback.order_closable = reached  # type: ignore[attr-defined]
    return callback, 201


@bp.post("/callbacks/decisions")
@api_requires("callback.decide")
@bp.input(s.DecisionIn, arg_name="body")
@bp.output(s.DecisionOut, status_code=201)
def decide(body):
    """R14: after the set number of failed attempts, a manager decides (with a reason) that the
    repair closes without the customer reached."""
    decision = callbacks.decide_without_callback(body, current_api_user())
    db.session.commit()
    return decision, 201


@bp.get("/callbacks/queue")
@api_requires("callback.view")
@bp.output(s.QueueOut)
def callback_queue():
    """Completed repair orders waiting for their callback, oldest first."""
    limit = callbacks.max_attempts()
    return {"items": [{"id": order.id, "number": order.number, "completed_at": order.completed_at,
                       "customer_name": order.customer.name, "failed_attempts": failed,
                       "waiting_for_decision": failed >= limit}
                      for order, failed in callbacks.callback_queue(current_api_user())]}


@bp.get("/care/stats")
@api_requires("care.stats")
@bp.input(s.MonthQuery, location="query", arg_name="args")
@bp.output(s.CareStatsOut)
def stats(args):
    """R17: a month's complaints and callbacks in figures."""
    return monthly_stats(*_month(args["month"]))


@bp.get("/incentives")
@api_requires("incentive.view")
@bp.input(s.MonthQuery, location="query", arg_name="args")
@bp.output(s.IncentivesOut)
def incentives(args):
    """R19: a month's service points, pay and parts credit per technician."""
    year, month = _month(args["month"])
    quarter = (month - 1) // 3 + 1
    return {"month": args["month"], "items": monthly_incentives(year, month),
            "quarter": f"{year}-Q{quarter}", "ranking": quarterly_ranking(year, quarter)}
