"""Routine construction specified in full stays at the standard tier, however long.

Every sentence here is written for these tests, in words the labelled request set does
not use. Each capped request scores at the frontier tier's threshold, so the tests
fail if the cap is taken away.
"""

from __future__ import annotations

import datetime

import pytest
from routing_policies import signals_policy

from llmops_ls.config.policy import DEFAULT_POLICY_PATH, parse_policy
from llmops_ls.routing.features import Message, Request, RequestKind, Signal, extract
from llmops_ls.routing.router import Caller, Decision, Router

POLICY = signals_policy(
    parse_policy(DEFAULT_POLICY_PATH.read_text(), DEFAULT_POLICY_PATH).policy
)
CAP = "specified construction: at most tier standard"
FILES = ("shop/cart.py", "shop/tests/test_cart.py")

SPECIFIED = [
    "Add a coupon field to the cart form. It takes a code of 4 to 12 letters or "
    "digits, shows the discount under the subtotal, greys out the Apply button while "
    "the code is checked, and clears itself when the cart is emptied. Keep the "
    "existing layout and translations.",
    "Write unit tests for slugify in the cart helpers. Cover plain ASCII titles, "
    "titles with accents, repeated dashes, padded titles, an empty "
    "title and a title of 300 characters; check the returned slug in each case.",
    "Task: create a newsletter signup endpoint. POST /newsletter takes email, locale "
    "and an optional referrer; reject a malformed email with 422, store the row with "
    "a created timestamp and return 201 with the new id.",
    "In the Profile screen add a Danger zone card with: a red Delete account button; "
    "a confirmation dialog that asks for the username; a spinner on the button while "
    "the call runs; and a toast once the account is gone.",
    "could you build a small pagination component for the orders table? previous and "
    "next buttons, the page numbers around the current one, a page size picker "
    "(10, 25, 50) and keyboard support.",
]


def route(request: Request) -> Decision:
    decision = Router(POLICY).route(
        request, Caller("dev"), datetime.datetime.now(datetime.UTC)
    )
    assert isinstance(decision, Decision)
    return decision


def large(
    prompt: str, kind: RequestKind = RequestKind.AGENT_STEP, **extra: object
) -> Request:
    fields: dict[str, object] = {
        "attached_files": FILES,
        "context_tokens": 12_000,
        "language": "python",
    }
    fields.update(extra)
    return Request(kind, prompt, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("prompt", SPECIFIED)
@pytest.mark.parametrize(
    "kind", [RequestKind.AGENT_STEP, RequestKind.EDIT, RequestKind.CHAT]
)
def test_a_long_specified_build_request_stays_at_standard(
    prompt: str, kind: RequestKind
) -> None:
    decision = route(large(prompt, kind))
    assert decision.score >= POLICY.min_score("frontier")
    assert decision.tier == "standard"
    assert CAP in decision.reasons


@pytest.mark.parametrize(
    "prompt",
    [
        "Build fails on the release branch with three linker errors, a warning and "
        "a timeout; look at it.",
        "The cart total is wrong for bundles, discounts and gift cards. Add a fix.",
        "Add a coupon field to the cart form.",
        "Add a coupon field to the cart form and show the discount.",
    ],
)
def test_no_specified_construction_without_a_build_lead_and_a_list(prompt: str) -> None:
    assert (
        Signal.SPECIFIED_CONSTRUCTION
        not in extract(Request(RequestKind.EDIT, prompt)).signals
    )


@pytest.mark.parametrize(
    "unsettled",
    [
        "It is supposed to round down, but customers see cents added.",
        "Nothing shows up after the framework upgrade.",
        "The discount only appears when the cart has one item.",
        "Figure out what the old checkout did first.",
        "Sometimes the total jumps by a cent.",
        "Not sure whether the coupon table has an index.",
        "Why does the old form clear itself on refresh?",
        "The form broke when we moved to the new router.",
        "Validation errors appeared after bumping the schema library.",
    ],
)
def test_a_symptom_or_an_open_question_lifts_the_cap(unsettled: str) -> None:
    decision = route(large(f"{SPECIFIED[0]} {unsettled}"))
    assert decision.tier == "frontier"
    assert CAP not in decision.reasons


def test_a_symptom_in_an_earlier_turn_lifts_the_cap() -> None:
    earlier = (Message("user", "Coupons stopped applying since Monday."),)
    decision = route(large(SPECIFIED[0], messages=earlier))
    assert decision.tier == "frontier"
    assert CAP not in decision.reasons


def test_offline_edits_listed_as_requirements_still_reach_frontier() -> None:
    prompt = (
        "Add offline mode to the notes screen: keep a local queue of edits, send it "
        "when the device is back online, and resolve conflicts with the server copy."
    )
    decision = route(large(prompt))
    assert decision.tier == "frontier"
    assert CAP not in decision.reasons


def test_a_depth_signal_lifts_the_cap() -> None:
    decision = route(
        large(f"{SPECIFIED[2]} Two workers may insert the same email at the same time.")
    )
    assert decision.tier == "frontier"
    assert CAP not in decision.reasons


@pytest.mark.parametrize(
    "prompt",
    [
        # A single ask, nothing listed: size alone still decides.
        "Add a coupon field to the cart form and wire it through to the order "
        "service so that the discount is kept on the order record for reporting.",
        # Not a request to build: a goal to reach.
        "Goal: the cart page takes a coupon, a gift card and a loyalty code, but the "
        "order confirmation lists none of them. Fix the order summary.",
        # A document that decides: listing its sections does not make it routine.
        "Write a design doc for moving image uploads to object storage, covering "
        "the upload path, thumbnails and what happens to the files already stored.",
        # Wider than one feature.
        "Add a help link, a version badge and a feedback button to every page of the "
        "admin area, in the header, footer and sidebar.",
    ],
)
def test_other_large_requests_may_still_reach_frontier(prompt: str) -> None:
    decision = route(large(prompt))
    assert decision.tier == "frontier"
    assert CAP not in decision.reasons


def test_more_files_than_one_feature_lifts_the_cap() -> None:
    files = ("a/one.py", "a/two.py", "b/three.py", "c/four.py")
    decision = route(large(SPECIFIED[0], attached_files=files))
    assert decision.tier == "frontier"
    assert CAP not in decision.reasons


def test_a_specified_inline_completion_stays_fast() -> None:
    decision = route(large(SPECIFIED[1], RequestKind.INLINE_COMPLETION))
    assert decision.tier == "fast"


def test_a_small_specified_request_is_not_raised() -> None:
    decision = route(
        Request(
            RequestKind.CHAT,
            "Write a regex for dates: 2024-01-31, 31/01/2024 and Jan 31.",
        )
    )
    assert decision.tier != "frontier"
    assert CAP not in decision.reasons


def test_a_test_asked_to_fail_on_bad_input_is_a_specification() -> None:
    prompt = (
        "Write tests for the rate limiter: one that fails when the bucket is empty, "
        "one for the refill after a second and one for a burst of 20 calls."
    )
    assert (
        Signal.SPECIFIED_CONSTRUCTION
        in extract(Request(RequestKind.EDIT, prompt)).signals
    )


# A goal stated before the step does not hide the build lead of an agent step.
GOAL_THEN_STEP = (
    "Goal: a quota page for the admin area. Step 3: implement GET /quota/{team} in "
    "the quota view using the existing QuotaStore.load(). Return used, limit, "
    "reset_at and over_limit; answer 404 for an unknown team, and add tests next to "
    "the usage view tests."
)


def test_a_build_step_after_a_stated_goal_stays_at_standard() -> None:
    decision = route(large(GOAL_THEN_STEP))
    assert decision.score >= POLICY.min_score("frontier")
    assert decision.tier == "standard"
    assert CAP in decision.reasons


@pytest.mark.parametrize(
    "prompt",
    [
        # The step after the goal reports a failure, not work to do.
        "Goal: a quota page for the admin area. Step 3: the quota view tests fail "
        "with a KeyError, a 500 and a timeout.",
        # A goal that is a whole sentence of its own, then no build lead.
        "Goal: teams see their quota. Look at the quota view, the store and the "
        "template, and tell me what is missing.",
    ],
)
def test_a_stated_goal_without_a_build_step_is_not_specified(prompt: str) -> None:
    assert (
        Signal.SPECIFIED_CONSTRUCTION
        not in extract(Request(RequestKind.AGENT_STEP, prompt)).signals
    )


# A client named "<something>-audit" is a component, not a request for an audit.
NAMED_AUDIT_CLIENT = (
    "Add a timeout to the vendor-audit client in this file: 2 s per call, one retry "
    "on connect errors, and raise VendorTimeout when it gives up. Add tests for a "
    "slow answer, a refused connection and a success."
)


def test_a_component_named_after_an_audit_keeps_the_cap() -> None:
    features = extract(large(NAMED_AUDIT_CLIENT, RequestKind.EDIT))
    assert Signal.SECURITY_REVIEW not in features.signals

    decision = route(large(NAMED_AUDIT_CLIENT, RequestKind.EDIT))
    assert decision.score >= POLICY.min_score("frontier")
    assert decision.tier == "standard"
    assert CAP in decision.reasons


@pytest.mark.parametrize(
    "prompt",
    [
        "Audit the upload handler before the release.",
        "We need an audit of the refund endpoint.",
        "Add an audit trail for refunds.",
        "Write an audit-log row whenever a price changes.",
    ],
)
def test_an_audit_or_audit_trail_is_still_a_security_matter(prompt: str) -> None:
    assert Signal.SECURITY_REVIEW in extract(Request(RequestKind.EDIT, prompt)).signals
