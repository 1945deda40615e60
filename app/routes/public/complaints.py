"""Filing a complaint, its public page, and the consumer's actions on it."""

import uuid
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.broadcast import listing as broadcast_listing
from app.claims.service import badge as claim_badge
from app.clock import utcnow
from app.companies import service as companies
from app.companies.service import CompanyChoiceNeeded
from app.complaints import company as company_side
from app.complaints import cosigns, gate, private, reading, turn, visibility
from app.complaints import service as complaints
from app.complaints.flags import flags
from app.complaints.states import allowed_actions
from app.config import get_settings
from app.db import begin_reading, must_get
from app.errors import DomainError, NotFound
from app.mailchannel import outbound as mail_outbound
from app.models.company import Company
from app.models.complaint import Category, Channel, Complaint, ComplaintCreate, Side
from app.models.keys import pk
from app.models.user import User
from app.moderation.queries import hidden_messages
from app.moderation.view import moderation_view
from app.redaction import preview as redaction_preview
from app.slots import slot_when_needed
from app.web import caching, masking, ratelimit
from app.web.carry import log_in_to_continue
from app.web.csrf import require_csrf
from app.web.deps import CurrentUser, OptionalUser, SessionDep, look_up_viewer, require_viewer
from app.web.forms import HONEYPOT, FormDep, parse, text, undo
from app.web.ids import RecordId
from app.web.masking import sent_already
from app.web.templating import kept_block, kept_page, render

router = APIRouter(dependencies=[Depends(require_csrf)])


TEXT_FIELDS = (
    "title",
    "body",
    "category",
    "desired_outcome",
    "company_name",
    "company_domain",
    "private_reference",
    "contact_since",
    "submission_key",
)


def _form_context(values: dict, errors: dict, suggestions: list | None = None) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "suggestions": suggestions or [],
        "categories": list(Category),
        "channels": list(Channel),
    }


def _to_create(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {k: values.get(k) or None for k in TEXT_FIELDS}
    pick = values.get("company_pick", "")
    if pick and pick != "new" and (chosen := companies.get_by_slug(session=session, slug=pick)):
        data["company_name"], data["company_domain"] = chosen.name, None
        values["company_name"] = chosen.name
    data["body"] = values.get("body", "")
    data["desired_outcome"] = values.get("desired_outcome", "")  # optional, but a str, not None
    data["broadcast_opt_in"] = values.get("broadcast_opt_in") == "on"
    data["reference_by_email"] = values.get("reference_by_email") == "on"
    data["accept_new_company"] = pick == "new"
    data["contact_attempts"] = [
        {"channel": ch.value, "count": values[f"tried_{ch.value}"]}
        for ch in Channel
        if values.get(f"tried_{ch.value}", "").strip() not in ("", "0")
    ]
    return data


@router.get("/complaints/new")
def new_complaint(request: Request, user: CurrentUser) -> Response:
    values = {
        "submission_key": uuid.uuid4().hex,
        "company_name": request.query_params.get("company", ""),
    }
    return render(request, "complaints/new.html", _form_context(values, {}))


@lru_cache
def _limiter(threads: int) -> anyio.CapacityLimiter:
    return anyio.CapacityLimiter(threads)


def _filing_threads() -> anyio.CapacityLimiter:
    """Threads of their own for filings, apart from the shared threadpool: on SQLite a filing
    holds the write lock while it writes, and requests queued behind that lock hold their
    threads; drawing from the shared ones could starve the lock's holder. Few: a filing is
    Python work between short database calls, and each more runnable filing makes the others
    wait for the GIL after every call. Two workers at 64 connections (bench/README.md) filed
    264, 279, 280 and 323 a second on SQLite with 4, 3, 2 and 1 threads each, and 285, 319,
    342 and 343 on PostgreSQL; one would leave a process idle while a far database answers."""
    settings = get_settings()
    return _limiter(settings.filing_threads or (1 if settings.is_sqlite else 2))


@router.post("/complaints/new")
async def file_complaint(request: Request, session: SessionDep) -> Response:
    form = await request.form()
    values = {k: text(form, k) for k in form}  # echoed back so nothing typed is lost
    # The database work runs in one thread, never on the event loop: a filing that waits on a
    # lock there would stall every request of the process, including the one holding it.
    return await anyio.to_thread.run_sync(
        _file_complaint, request, session, values, limiter=_filing_threads()
    )


def _file_complaint(request: Request, session: Session, values: dict) -> Response:
    # Reads first (who is filing, the company picked, the redaction preview), outside any write
    # lock; then the filing writes and commits here, in this thread, so on SQLite the lock is
    # held only for the filing itself, not across thread hops back to the event loop.
    snapshot = begin_reading(session)
    if values.get(HONEYPOT):  # a bot: look like success, keep nothing
        return RedirectResponse("/me/complaints", status_code=303)
    if (viewer := look_up_viewer(request, session)) is None:
        return log_in_to_continue(request, values)
    user = require_viewer(request, viewer)
    data, errors = parse(ComplaintCreate, _to_create(session, values))
    if data:
        # Show what will be masked first (app/redaction/preview.py).
        if shown := _preview_step(request, session, user, values):
            return shown
        if snapshot:
            session.commit()  # ends the reads: nothing was written
        try:
            ratelimit.hit("complaint_user", str(user.id))
            ratelimit.hit("complaint_ip", ratelimit.client_ip(request))
            complaint = complaints.file(session=session, author=user, data=data)
            session.commit()
            return RedirectResponse(f"/complaints/{complaint.id}", status_code=303)
        except ratelimit.RateLimited as exc:
            context = {**_form_context(values, {}), "limited": exc.detail}
            page = render(request, "complaints/new.html", context, status_code=429)
            return ratelimit.with_retry_after(page, exc)
        except gate.DuplicateComplaint as exc:
            existing_id = exc.existing.id
            undo(session)
            context = {**_form_context(values, {}), "duplicate": (existing_id, exc.detail)}
            return render(request, "complaints/new.html", context, status_code=409)
        except CompanyChoiceNeeded as exc:
            undo(session)
            return render(
                request,
                "complaints/new.html",
                _form_context(values, {}, exc.suggestions),
                status_code=409,
            )
        except DomainError as exc:
            undo(session)
            errors = {getattr(exc, "field", "company_domain"): exc.detail}
    return render(request, "complaints/new.html", _form_context(values, errors), status_code=422)


def _preview_step(request: Request, session: Session, user: User, values: dict) -> Response | None:
    """A page to show instead of filing ("Change something", or the masking preview), or None
    to file now."""
    if values.get("step", "") == "edit":
        return render(request, "complaints/new.html", _form_context(values, {}))
    shown = redaction_preview.preview(session=session, author=user, values=values)
    if shown is None:
        return None
    context = {**_form_context(values, {}), **shown.context()}
    return render(request, "complaints/preview.html", context)


def _alike(session: Session, complaint: Complaint) -> dict[str, Any]:
    """What the page shows every viewer alike: rows read through the complaint, covered by its
    validator (the anonymous page is kept by the same one)."""
    company = must_get(session, Company, complaint.company_id)
    attempts = reading.contact_attempts(session=session, complaint_ids=[pk(complaint)])
    return {
        "company": company,
        "author": session.get(User, complaint.author_id),
        "assignee": company_side.assignee_member(session=session, complaint=complaint),
        "timeline": reading.timeline(session=session, complaint=complaint),
        "contact": reading.contact_summary(attempts[pk(complaint)], complaint.contact_since),
        "broadcasts": broadcast_listing.posted_for(session=session, complaint_id=pk(complaint)),
        "hidden_messages": hidden_messages(session=session, complaint_id=pk(complaint)),
        "claim": claim_badge(session=session, company_id=pk(company)),
        # Email as a channel: the company answers by replying to our mail (app/mailchannel).
        "mail_threads": mail_outbound.company_threads(session=session, complaint_id=pk(complaint)),
        "cosigners": cosigns.cosigner_ids(
            session=session, complaint_id=pk(complaint), at_most=COSIGNERS_KEPT
        ),
    }


def complaint_page(
    request: Request,
    session: Session,
    complaint: Complaint,
    user: User | None,
    *,
    error: str | None = None,
    values: dict | None = None,
    status_code: int = 200,
    fresh: caching.Conditional | None = None,
) -> Response:
    """The page; with ``fresh`` (a plain view) the part alike for every viewer is computed once
    per validator and process, and the body itself is rendered once for every signed-in reader
    with no part in it (not its author, a moderator or the company's rep): a signed-in view
    costs little more than an anonymous one."""
    alike = (
        fresh.shared("complaint", lambda: _alike(session, complaint))
        if fresh is not None
        else _alike(session, complaint)
    )
    is_author = user is not None and user.id == complaint.author_id
    may_read_private = private.can_read(session=session, complaint=complaint, viewer=user)

    def context() -> dict[str, Any]:
        return {
            **alike,
            "complaint": complaint,
            "flags": flags(complaint),
            "turn": turn.current(complaint),
            "may_read_private": may_read_private,
            "paused": turn.paused_so_far(
                alike["timeline"], published_at=complaint.created_at, now=utcnow()
            ),
            "is_author": is_author,
            "actions": allowed_actions(complaint.state, Side.CONSUMER) if is_author else [],
            "cosigned": _cosigned(session, complaint, user, alike["cosigners"]),
            # Abuse limits: why the author's complaint is not public yet (gate.py).
            "waiting": gate.is_waiting(complaint) and complaint.visibility_reason,
            # Moderation (app/moderation/): tombstones, noindex, report links.
            **moderation_view(complaint=complaint, viewer=user),
            "error": error,
            "values": values or {},
            "submission_key": (values or {}).get("submission_key") or uuid.uuid4().hex,
        }

    if (
        fresh is not None
        and user is not None
        and not (error or values or is_author or may_read_private)
        and _reader_only(user, alike["timeline"])
    ):
        reader = {"email_verified": user.email_verified_at is not None,
                  "cosigned": _cosigned(session, complaint, user, alike["cosigners"])}  # fmt: skip
        template = "complaints/detail.html"
        if page := kept_page(request, template, context, fresh=fresh, viewer=user, reader=reader):
            return page
        whole = context()
        kept = kept_block(request, template, lambda: whole, fresh=fresh, block="content",
                          reader=reader)  # fmt: skip
        parts = {key: whole[key] for key in ("complaint", "can_read", "noindex")}
        return render(request, template, {**parts, "kept_content": kept})
    return render(request, "complaints/detail.html", context(), status_code=status_code)


# A complaint with up to this many co-signs keeps their ids with the page (its validator counts
# them), so a signed-in view needs no query to show the visitor's own "me too".
COSIGNERS_KEPT = 200


def _cosigned(
    session: Session, complaint: Complaint, user: User | None, cosigners: frozenset[int] | None
) -> bool:
    if user is None or cosigners is None:
        return cosigns.has_cosigned(session=session, complaint=complaint, user=user)
    return user.id in cosigners


def _reader_only(user: User, timeline: list) -> bool:
    """Has the signed-in ``user`` (neither the author nor one who may read private parts) no
    part in this page: the body they see is every such reader's (their CSRF token, address
    confirmation and co-sign aside)?"""
    return not (
        visibility.is_moderator(user)
        or any(message and message.author_id == user.id for _, message, _ in timeline)
    )


@router.get("/complaints/{complaint_id}")
@slot_when_needed
async def show(
    request: Request, session: SessionDep, user: OptionalUser, complaint_id: RecordId
) -> Response:
    return await caching.serve(
        request, session, lambda: _show(request, session, user, complaint_id), viewer=user
    )


def _show(request: Request, session: Session, user: User | None, complaint_id: int) -> Response:
    # A signed-in visit within the memo's moment takes the row kept by the URL's validator.
    fresh = caching.remembered(request, viewer=user)
    complaint = fresh.kept("row") if fresh is not None else None
    if complaint is None:
        complaint = complaints.get_or_404(session=session, complaint_id=complaint_id)
        fresh = None
    if not visibility.page_exists_for(complaint, user):
        raise NotFound("There is nothing at this address.")
    if fresh is None:
        fresh = caching.conditional(
            request,
            viewer=user,
            parts=caching.complaint_parts(complaint),
            last_modified=caching.complaint_last_modified(complaint),
            keep=True,
        )
        fresh.shared("row", lambda: complaint)
    if early := fresh.answered():
        return early
    return fresh.apply(complaint_page(request, session, complaint, user, fresh=fresh))


ConsumerAction = Callable[..., object]

# Each takes (session, complaint, user, body); co-signs ignore the body.
CONSUMER_ACTIONS: dict[str, ConsumerAction] = {
    "follow-up": lambda *, body, form, **kw: complaints.follow_up(
        body=body,
        private=form.get("private") == "on",
        submission_key=text(form, "submission_key")[:64] or None,
        **kw,
    ),
    "reference": lambda *, body, form, **kw: private.set_reference(
        reference=text(form, "reference"), **kw
    ),
    "confirm": lambda *, form, **kw: complaints.confirm(**kw),
    "dispute": lambda *, form, **kw: complaints.dispute(**kw),
    "withdraw": lambda *, form, **kw: complaints.withdraw(**kw),
    "cosign": lambda *, body, form, **kw: cosigns.cosign(**kw),
    "uncosign": lambda *, body, form, **kw: cosigns.uncosign(**kw),
}
# Abuse limits: which allowance each action draws on (app/web/ratelimit.py), per user.
ACTION_LIMITS = {"cosign": "cosign_user", "uncosign": "cosign_user"}


@router.post("/complaints/{complaint_id}/{action}")
def act(
    request: Request,
    form: FormDep,
    session: SessionDep,
    user: CurrentUser,
    complaint_id: RecordId,
    action: str,
) -> Response:
    """The consumer's and co-signers' actions; a refusal re-shows the page with their text."""
    if action not in CONSUMER_ACTIONS:
        raise NotFound("There is no such action.")
    complaint = complaints.get_or_404(session=session, complaint_id=complaint_id)
    if not visibility.page_exists_for(complaint, user) or (
        action in ("cosign", "uncosign") and not visibility.takes_public_actions(complaint)
    ):
        raise NotFound("There is no complaint with that number.")
    body = text(form, "body")
    values = {
        "body": body,
        "reference": text(form, "reference"),
        "private": text(form, "private"),
        "submission_key": text(form, "submission_key"),
        "step": text(form, "step"),
        "previewed": text(form, "previewed"),
    }
    if action == "follow-up" and (
        shown := masking.message_step(
            request,
            session,
            complaint,
            values,
            action=f"/complaints/{complaint_id}/follow-up",
            back=f"/complaints/{complaint_id}",
            label="Your follow-up",
            edit=lambda: complaint_page(request, session, complaint, user, values=values),
        )
    ):
        return shown
    try:
        ratelimit.hit(ACTION_LIMITS.get(action, "message_user"), str(user.id))
        CONSUMER_ACTIONS[action](
            session=session, complaint=complaint, user=user, body=body, form=form
        )
    except IntegrityError:
        # The same form sent twice at once: the other request made the message first.
        session.rollback()
        if not sent_already(session, complaint, user, values["submission_key"]):
            raise
    except DomainError as exc:  # a refused transition is a Conflict (409)
        undo(session, complaint)
        page = complaint_page(
            request,
            session,
            complaint,
            user,
            error=str(exc),
            values=values,
            status_code=exc.status_code,
        )
        if isinstance(exc, ratelimit.RateLimited):
            ratelimit.with_retry_after(page, exc)
        return page
    return RedirectResponse(f"/complaints/{complaint_id}", status_code=303)
