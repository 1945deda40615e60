"""What each Atom feed holds, and its XML. Only ``visibility.listed()`` complaints and messages
a moderator has not taken down appear; only public text (title, body, outcome wanted, public
replies, display names), never private references, internal notes, emails or ``original_*``.

Entries are drawn with the site's own templates (the same words as its pages); the caller hands
in that Jinja environment, so this package needs nothing from the web layer."""

from dataclasses import dataclass
from datetime import datetime

from feedgen.feed import FeedGenerator
from jinja2 import Environment
from markupsafe import Markup
from sqlalchemy import ColumnElement, and_
from sqlmodel import Session, col, select

from app.clock import as_utc
from app.complaints.visibility import listed, message_listed
from app.config import get_settings
from app.embeds.oembed import listed_complaint
from app.models.company import Company
from app.models.complaint import NOT_TEXT, Category, Complaint, Message, Side, TimelineEvent
from app.models.user import User
from app.text import humanize
from app.text.markdown import render as markdown

LIMIT = 50  # newest entries in a list feed; readers poll, so older ones were already seen
FALLBACK_UPDATED = datetime.fromisoformat("2026-01-01T00:00:00+00:00")  # an empty feed's date


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    author: str
    html: str
    category: str | None = None


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    subtitle: str
    page: str  # the HTML page this feed follows
    self_url: str
    entries: list[Entry]

    @property
    def updated(self) -> datetime:
        return max((e.updated for e in self.entries), default=FALLBACK_UPDATED)

    def validator(self) -> tuple[object, ...]:
        """Changes whenever the XML would (a redaction or a moderator's hiding changes text
        without a new entry): for the conditional GET."""
        return (self.title, tuple((e.id, e.updated, e.title, e.html) for e in self.entries))


def _base() -> str:
    return get_settings().base_url


def _complaint_entries(
    session: Session, templates: Environment, *conditions: ColumnElement[bool]
) -> list[Entry]:
    rows = session.exec(
        select(Complaint, Company, User.display_name)
        .join(Company, col(Company.id) == Complaint.company_id)
        .join(User, col(User.id) == Complaint.author_id)
        .where(listed(), *conditions)
        .order_by(col(Complaint.created_at).desc(), col(Complaint.id).desc())
        .limit(LIMIT)
    ).all()
    template = templates.get_template("feeds/complaint.html")
    base = _base()
    return [
        Entry(
            id=f"{base}/complaints/{complaint.id}",
            title=f"{complaint.title} ({company.name})",
            link=f"{base}/complaints/{complaint.id}",
            published=as_utc(complaint.created_at),
            updated=as_utc(complaint.updated_at),
            author=author,
            html=template.render(complaint=complaint, company=company, author=author, base=base),
            category=complaint.category.value,
        )
        for complaint, company, author in rows
    ]


def site(*, session: Session, templates: Environment) -> Feed:
    base = _base()
    return Feed(
        id=f"{base}/feeds/complaints.atom",
        title="Outcry: newest complaints",
        subtitle="Complaints filed in public on Outcry, newest first.",
        page=f"{base}/",
        self_url=f"{base}/feeds/complaints.atom",
        entries=_complaint_entries(session, templates),
    )


def company(*, session: Session, templates: Environment, company: Company) -> Feed:
    base = _base()
    return Feed(
        id=f"{base}/companies/{company.slug}/feed.atom",
        title=f"Outcry: complaints against {company.name}",
        subtitle=f"Complaints filed in public against {company.name}, newest first.",
        page=f"{base}/companies/{company.slug}",
        self_url=f"{base}/companies/{company.slug}/feed.atom",
        entries=_complaint_entries(session, templates, col(Complaint.company_id) == company.id),
    )


def category(*, session: Session, templates: Environment, category: Category) -> Feed:
    base = _base()
    name = category.value.replace("_", " ")
    return Feed(
        id=f"{base}/feeds/category/{category.value}.atom",
        title=f"Outcry: {name} complaints",
        subtitle=f"Complaints about {name}, newest first.",
        page=f"{base}/search",
        self_url=f"{base}/feeds/category/{category.value}.atom",
        entries=_complaint_entries(session, templates, col(Complaint.category) == category),
    )


def _event_verb(templates: Environment, event: TimelineEvent, message: Message | None) -> str:
    """The same words as the public timeline (templates/partials/event_verb.html), as text."""
    macro = templates.get_template("partials/event_verb.html").module.event_verb  # type: ignore[attr-defined]
    words: Markup = macro(event, message, "assigned a representative")  # autoescaped: Markup
    return words.striptags()


def timeline(*, session: Session, templates: Environment, complaint_id: int) -> Feed:
    """One complaint's timeline, oldest first, as its page shows it."""
    complaint, company_ = listed_complaint(session=session, complaint_id=complaint_id)
    rows = session.exec(
        select(TimelineEvent, Message, User.display_name)
        .select_from(TimelineEvent)
        .outerjoin(Message, and_(col(Message.id) == TimelineEvent.message_id, message_listed()))
        .outerjoin(User, col(User.id) == TimelineEvent.actor_id)
        .where(TimelineEvent.complaint_id == complaint.id)
        .order_by(col(TimelineEvent.at), col(TimelineEvent.id))
    ).all()
    base = _base()
    page = f"{base}/complaints/{complaint.id}"
    filed_html = templates.get_template("feeds/complaint.html")
    filer = session.get(User, complaint.author_id)
    entries = []
    for event, message, actor in rows:
        if event.side == Side.COMPANY:  # company events name the company (and the signer)
            who = (
                f"{message.signature} — {company_.name}"
                if message and message.signature
                else company_.name
            )
        else:
            who = actor or "Outcry"
        what = _event_verb(templates, event, message)
        if event.kind == "resolve" and event.detail:
            what += f" ({event.detail.replace('_', ' ')})"
        if event.kind == "filed":
            html = filed_html.render(
                complaint=complaint,
                company=company_,
                author=filer.display_name if filer else "",
                base=base,
            )
        else:
            html = str(markdown(message.body)) if message else ""
        at = as_utc(event.at)
        entries.append(
            Entry(
                id=f"{page}#event-{event.id}",
                title=f"{who} {what}",
                link=page,
                published=at,
                updated=at,
                author=who,
                html=html,
            )
        )
    return Feed(
        id=f"{page}/feed.atom",
        title=f"Outcry: {complaint.title} ({company_.name})",
        subtitle=f"Everything that happens to complaint #{complaint.id}, oldest first.",
        page=page,
        self_url=f"{page}/feed.atom",
        entries=entries,
    )


def _xml(text: str) -> str:
    """Text XML can hold: new input with control characters is refused (storable_text), but a
    row stored before that rule must not take the whole feed down."""
    return NOT_TEXT.sub("", text)


def atom(feed: Feed) -> bytes:
    generator = FeedGenerator()
    generator.id(feed.id)
    generator.title(_xml(feed.title))
    generator.subtitle(_xml(feed.subtitle))
    generator.link(href=feed.page, rel="alternate", type="text/html")
    generator.link(href=feed.self_url, rel="self", type="application/atom+xml")
    generator.author({"name": "Outcry"})
    generator.language("en")
    generator.generator("Outcry")
    generator.updated(feed.updated)
    for item in feed.entries:
        entry = generator.add_entry(order="append")
        entry.id(item.id)
        entry.title(_xml(item.title))
        entry.link(href=item.link, rel="alternate", type="text/html")
        entry.published(item.published)
        entry.updated(item.updated)
        entry.author({"name": _xml(item.author or "Outcry")})
        entry.content(_xml(item.html), type="html")
        if item.category:
            entry.category(term=item.category, label=humanize.category(item.category))
    atom: bytes = generator.atom_str(pretty=True)
    return atom
