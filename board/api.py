"""Dispatch API: candidates for an order, day auto-assignment, accepting it, board data."""

from __future__ import annotations

from apiflask import APIBlueprint

from board import dayplan, planruns, stream
from board import schemas as s
from board.describe import proposal_json
from dispatch.errors import FieldErrors
from dispatch.extensions import db
from dispatch.web.api import api_requires, current_api_user, json_response, rows_response
from workorders.access import get_order
from workorders.intake import set_site_point
from workorders.schemas import StatusOut

bp = APIBlueprint("board_api", __name__, url_prefix="/api/v1", tag="Dispatch")


@bp.get("/workorders/<int:order_id>/candidates")
@api_requires("order.assign")
@bp.input(s.CandidateQuery, location="query", arg_name="args")
@bp.output(s.CandidateList)
def candidates(order_id: int, args):
    """Every active technician for this order, best first, with distance, ETA and reasons."""
    order = get_order(order_id, current_api_user())
    ranked = dayplan.rank_candidates(order, bool(args["available_only"]), args.get("limit"))
    # Hundreds of flat rows: serialised directly (the schema above documents the shape).
    return rows_response({"items": [vars(candidate) for candidate in ranked]})


@bp.post("/workorders/<int:order_id>/location")
@api_requires("order.assign")
@bp.input(s.SitePointIn, arg_name="body")
@bp.output(StatusOut)
def set_location(order_id: int, body):
    """Place the order's site by hand (when geocoding could not, or got it wrong)."""
    user = current_api_user()
    order = set_site_point(get_order(order_id, user, for_update=True), body["lat"], body["lon"], user)
    db.session.commit()
    return {"id": order.id, "number": order.number, "status": order.status}


@bp.post("/dispatch/auto-assign")
@api_requires("order.assign")
@bp.input(s.AutoAssignIn, arg_name="body")
@bp.output(s.AutoAssignOut)
def auto_assign(body):
    """A proposal for the day (nothing is assigned until it is accepted)."""
    plan = dayplan.plan_day(body["date"], current_api_user(), body.get("order_ids"))
    return proposal_json(body["date"], plan)


@bp.post("/dispatch/auto-assign/accept")
@api_requires("order.assign")
@bp.input(s.AcceptIn, arg_name="body")
@bp.output(s.AcceptOut)
def accept(body):
    """Assign the reviewed (possibly edited) pairs; each succeeds or fails on its own."""
    return {"results": dayplan.accept(body["date"], body["assignments"], current_api_user())}


@bp.post("/dispatch/day-plans")
@api_requires("order.assign")
@bp.input(s.DayPlanIn, arg_name="body")
@bp.output(s.DayPlanOut, status_code=202)
def start_day_plan(body):
    """Plan the day jointly in the background (assignment and routes in one solve, within a
    time budget); follow it with GET until it is ``done``, then accept it."""
    run = planruns.start_plan(current_api_user(), body["date"], body.get("order_ids"),
                              body.get("technician_ids"), body.get("budget_seconds"))
    answer = planruns.plan_json(run)  # as the request left it (the job may start at commit)
    db.session.commit()
    return answer, 202


@bp.get("/dispatch/day-plans/<int:plan_id>")
@api_requires("order.assign")
@bp.output(s.DayPlanOut)
def day_plan(plan_id: int):
    """A day plan's state: progress and best distance so far while it runs, the proposal once
    done."""
    return planruns.plan_json(planruns.get_plan(plan_id, current_api_user()))


@bp.post("/dispatch/day-plans/<int:plan_id>/accept")
@api_requires("order.assign")
@bp.input(s.DayPlanAcceptIn, arg_name="body")
@bp.output(s.DayPlanAcceptOut)
def accept_day_plan(plan_id: int, body):
    """Assign a finished plan (or the reviewed pairs sent); each order succeeds or fails on its
    own. A plan is accepted once."""
    run, results = planruns.accept_plan(plan_id, current_api_user(), body.get("assignments"))
    return {"results": results, "plan": planruns.plan_json(run)}


@bp.get("/dispatch/board")
@api_requires("order.assign")
@bp.input(s.BoardQuery, location="query", arg_name="args")
@bp.output(s.BoardOut)
def board(args):
    """The board's data: queue, map points, technicians with positions, loads and routes."""
    bbox = None
    filters = {key: args[key] for key in ("q", "kind", "priority", "district", "window")
               if args.get(key)}
    if args["bbox"]:
        errors = FieldErrors()
        try:
            south, west, north, east = (float(v) for v in args["bbox"].split(","))
            bbox = (south, west, north, east)
        except ValueError:
            errors.add("bbox", "south,west,north,east")
        errors.raise_if_any()
    # Hundreds of map points and technicians: serialised directly (the schema above documents
    # the shape), and kept encoded while nothing changes.
    return json_response(dayplan.board_json(current_api_user(), bbox, filters))


@bp.get("/dispatch/board/stream")
@api_requires("order.assign")
@bp.doc(responses={200: "text/event-stream: snapshot, change and positions events",
                   204: "not served by this (single-threaded) server: poll the board",
                   503: "this process serves its most streams: poll the board"})
def board_stream():
    """The board's changes as they are committed (Server-Sent Events; ``board/stream.py``):
    a snapshot with its version, then what each change changed. Resumes from
    ``Last-Event-ID``."""
    return stream.response(current_api_user())
