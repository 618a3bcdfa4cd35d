"""Walk every page of the app as its users do, in a fresh process, and report which modules that loaded.

`python -m tests.survey.web_walk DATABASE_FILE REDIS_URL` (run by test_no_spacy_in_web.py): the app on a new SQLite
database, with REDIS_URL set so tagging is queued rather than run here; a respondent submits a report through an
invitation and opens the next round's report, a lead signs in and re-tags the round. The last line printed is JSON:
the spaCy (and scikit-learn) modules loaded, the routes no request reached, the requests that got an unexpected
status, the jobs queued.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Sequence
from typing import Any

from flask import request
from sqlalchemy import select
from werkzeug.serving import make_server

from survey import create_app
from survey.extensions import db
from survey.models import Answer, Base, Job, Response, SynthesisKind
from survey.services import receipt_links, staff, syntheses
from tests.answers import submit_report
from tests.conftest import SECRET, Browser, Factory
from tests.staff_login import sign_in

LEAD = ("lead@pledge.example", "correct horse battery staple")


# The suggester's machine learning, which the web must never load either (its training runs in the worker).
HEAVY_ML = ("sklearn", "skops", "scipy")

# Routes that end the walk's sessions: only ever requested where the walk means to sign out.
ENDS_A_SESSION = {"respond.sign_out", "auth.logout", "auth.sign_out_everywhere"}


class Walk:
    """A browser that records every request's status against the statuses the walk expects."""

    def __init__(
        self, base_url: str, unexpected: list[str], *, app: Any = None, reached: set[tuple[str, str]] | None = None
    ) -> None:
        self.base_url = base_url
        self.browser = Browser(base_url)
        self.unexpected = unexpected
        self.app = app
        self.reached = reached if reached is not None else set()

    def rest(self, blueprint: str, values: dict[str, object]) -> None:
        """Request each route of the blueprint no request has reached yet (GET, or POST an empty form) with these
        URL values, so a page added after the walk was written is loaded too; anything short of a server error
        will do."""
        adapter = self.app.url_map.bind("127.0.0.1")
        for rule in list(self.app.url_map.iter_rules()):
            if rule.endpoint.partition(".")[0] != blueprint or rule.endpoint in ENDS_A_SESSION:
                continue
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                if (rule.endpoint, method) in self.reached:
                    continue
                missing = sorted(rule.arguments - set(values))
                if missing:
                    self.unexpected.append(f"{method} {rule.rule}: the walk has no value for {', '.join(missing)}")
                    continue
                url = adapter.build(rule.endpoint, {name: values[name] for name in rule.arguments}, method=method)
                if method == "GET":
                    self.get(url, *range(200, 500))
                else:
                    self.post(url, {}, *range(200, 500))

    def get(self, url: str, *expected: int) -> Any:
        """GET a page, noting a status other than `expected` (200 by default)."""
        return self._check("GET", url, self.browser.get(url), expected or (200,))

    def post(self, url: str, data: dict[str, object], *expected: int) -> Any:
        """POST a form with the last page's CSRF token, noting a status other than `expected` (302 by default)."""
        return self._check("POST", url, self.browser.post(url, data), expected or (302,))

    def _check(self, method: str, url: str, reply: Any, expected: Sequence[int]) -> Any:
        if reply.status_code not in expected:
            self.unexpected.append(f"{method} {url}: {reply.status_code}")
        return reply


def respondent_journey(walk: Walk, factory: Factory) -> tuple[int, int]:
    """A report submitted through an invitation; then the next round's report, opened by two colleagues, started
    from the last report, a clash between their saves settled, checked and left. The first round's id and the
    submitted response's id."""
    walk.get("/")
    walk.get("/healthz")
    for page in ("/privacy", "/accessibility", "/cookies"):
        walk.get(page)
    first = factory.round(1)
    done = submit_report(walk.browser, factory, first)  # invitation, every section, check, submit
    for page in ("", "confirmation", "report"):
        walk.get(f"/respond/{done.id}/{page}")
    second = factory.round(2, previous=first)
    draft = factory.response(second, db.session.get(type(done), done.id).organisation)
    colleague = Walk(walk.base_url, walk.unexpected)
    walk.get(factory.invite(draft, 0), 302)
    colleague.get(factory.invite(draft, 1), 302)
    walk.get(f"/respond/{draft.id}/start")
    walk.get(f"/respond/{draft.id}/")
    walk.get(f"/respond/{draft.id}/sections/commitment-1")
    walk.post(f"/respond/{draft.id}/sections/commitment-1/prefill", {})
    section = f"/respond/{draft.id}/sections/commitment-3"
    walk.get(section)
    colleague.get(section)
    walk.post(section, {"action": "later", "actions": "We trained every ward manager."})
    colleague.post(section, {"action": "later", "actions": "We trained the ward managers of two wards."})
    colleague.get(f"/respond/{draft.id}/conflicts")
    colleague.post(f"/respond/{draft.id}/conflicts", {"choice": "mine", "seen_revision": "1"})
    walk.get(f"/respond/{draft.id}/check")
    walk.post("/respond/sign-out", {})
    return first.id, done.id


def lead_pages(walk: Walk, round_id: int, response_id: int, synthesis_id: int, other_user_id: int) -> None:
    """The lead signs in (password and two-factor set-up), opens every staff page, re-tags the round and signs out;
    the account pages act on another account."""
    walk._check("POST", "/auth/two-factor/set-up", sign_in(walk.browser, *LEAD), (200,))
    page = walk.get("/manage/")
    for pattern in (r'href="(/static/[^"]+)"', r'href="(/assets/[^"]+)"'):
        walk.get(re.findall(pattern, page.text)[0])
    walk.get(f"/manage/responses/{response_id}")
    walk.get(f"/manage/rounds/{round_id}")
    pressed = walk.post(f"/manage/rounds/{round_id}/retag", {})
    walk.get(pressed.headers["location"])
    job_id = int(pressed.headers["location"].rstrip("/").rpartition("/")[2])
    answer_id = db.session.scalar(select(Answer.id).where(Answer.response_id == response_id, Answer.text.is_not(None)))
    walk.get(f"/review/answers/{answer_id}")
    response = db.session.get(Response, response_id)
    values = {
        "round_id": round_id,
        "response_id": response_id,
        "job_id": job_id,
        "answer_id": answer_id,
        "code_id": 1,
        "coding_id": 1,
        "key": "community_partnership",
        "synthesis_id": synthesis_id,
        "shape": "long",
        "fmt": "xlsx",
        "user_id": other_user_id,
        "organisation_id": response.organisation_id,
        "contact_id": response.organisation.contacts[0].id,
    }
    unknown = {"session_id": 2**31 - 1, "import_id": 2**31 - 1, "token": "not-a-token"}
    for blueprint in ("manage", "auth", "review"):
        walk.rest(blueprint, {**values, **unknown})
    walk.post("/auth/logout", {})
    walk._check("POST", "/auth/two-factor", sign_in(walk.browser, *LEAD), (302,))
    walk.get("/auth/account")
    walk.post("/auth/sign-out-everywhere", {})


def main(argv: Sequence[str]) -> int:
    """Walk the pages and print what was loaded and reached."""
    database, redis_url = argv
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": SECRET,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "BASE_URL": "http://127.0.0.1",
            "REDIS_URL": redis_url,
            "INVITATION_DAYS": 60,
            "PROXY_HOPS": 0,
        }
    )
    reached: set[tuple[str, str]] = set()

    @app.after_request
    def record(response: Any) -> Any:
        reached.add((request.endpoint or "", request.method))
        return response

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    walk = Walk(f"http://127.0.0.1:{server.server_port}", [], app=app, reached=reached)
    with app.app_context():
        Base.metadata.create_all(db.engine)
        staff.create_user(*LEAD, role="lead", name="Pat Lead")
        other = staff.create_user("reviewer@pledge.example", LEAD[1], role="reviewer", name="Robin Reviewer")
        db.session.commit()
        factory = Factory()
        lead_round, response_id = respondent_journey(walk, factory)
        walk.get(factory.invite(db.session.get(Response, response_id)), 302)
        submitted = db.session.get(Response, response_id)
        receipt = (  # the token of the receipt's link to the report PDF, as the e-mail carries it
            receipt_links.url(response_id, int(submitted.submitted_at.timestamp())).split("/")[-2]
            if submitted.submitted_at
            else "not-a-token"
        )
        walk.rest("respond", {"response_id": response_id, "key": "c1.actions", "token": receipt})
        walk.rest("public", {"token": "not-a-token"})
        synthesis_id = syntheses.build(lead_round, SynthesisKind.FINAL).id  # a version to read, download and publish
        db.session.commit()
        walk.rest("published", {"synthesis_id": synthesis_id, "response_id": response_id})
        lead_pages(walk, lead_round, response_id, synthesis_id, other.id)
        db.session.rollback()
        jobs = [
            (j.kind, j.status.value, len(j.params.get("rq_ids", [])))
            for j in db.session.scalars(select(Job).order_by(Job.id))
        ]
    server.shutdown()
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    print(
        json.dumps(
            {
                "spacy_modules": sorted(name for name in sys.modules if name.partition(".")[0] == "spacy"),
                "sklearn_modules": sorted(name for name in sys.modules if name.partition(".")[0] in HEAVY_ML),
                "not_reached": sorted(f"{method} {endpoint}" for endpoint, method in routes - reached),
                "unexpected": walk.unexpected,
                "jobs": jobs,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
