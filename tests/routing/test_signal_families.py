"""Reasoning-depth families: hard phrasings go up, alarming words in easy asks do not.

Every sentence here is written for these tests, in words the labelled request set does
not use, so a family that only memorised that set's wording fails them.
"""

from __future__ import annotations

import datetime

import pytest
from routing_policies import signals_policy

from llmops_ls.config.policy import DEFAULT_POLICY_PATH, parse_policy
from llmops_ls.routing.classifier import classify
from llmops_ls.routing.features import Message, Request, RequestKind, Signal, extract
from llmops_ls.routing.router import Caller, Decision, Router


def signals(prompt: str, kind: RequestKind = RequestKind.CHAT) -> frozenset[Signal]:
    return extract(Request(kind, prompt)).signals


def route(request: Request) -> Decision:
    # The shipped policy, whatever models it pins: only the tier is asserted here.
    policy = signals_policy(
        parse_policy(DEFAULT_POLICY_PATH.read_text(), DEFAULT_POLICY_PATH).policy
    )
    now = datetime.datetime.now(datetime.UTC)
    decision = Router(policy).route(request, Caller("dev"), now)
    assert isinstance(decision, Decision)
    return decision


@pytest.mark.parametrize(
    ("signal", "prompt"),
    [
        (Signal.COORDINATION, "Sort the rows in order to show the newest first."),
        (Signal.CROSS_COMPONENT, "Wrap the price in a span with a CSS class."),
        (Signal.CROSS_COMPONENT, "Check that the quantity is between 1 and 99."),
        (Signal.TRADE_OFF, "Update the order status and do the email afterwards."),
        (Signal.RUNTIME_SYMPTOM, "Show the export button only for admins."),
        (Signal.ACCESS_CONTROL, "Print the logs in the console as JSON."),
        (Signal.SECURITY_REVIEW, "Use dependency injection for the mailer."),
        (Signal.CONCURRENCY, "Return 429 when a client sends too many requests."),
        (Signal.PERFORMANCE, "Add a memory field to the container spec."),
        (Signal.CROSS_MODULE_DEBUG, "Show the user's profile picture in the header."),
    ],
)
def test_near_misses_are_not_read_as_the_family(signal: Signal, prompt: str) -> None:
    assert signal not in signals(prompt)


@pytest.mark.parametrize(
    ("signal", "prompt"),
    [
        (Signal.RUNTIME_SYMPTOM, "Uploads fail intermittently for the EU cluster."),
        (Signal.RUNTIME_SYMPTOM, "The nightly export occasionally writes empty files."),
        (Signal.RUNTIME_SYMPTOM, "Checkout breaks under load; staging is fine."),
        (Signal.RUNTIME_SYMPTOM, "Dashboard balances look stale after a refund."),
        (Signal.RUNTIME_SYMPTOM, "The build breaks one run in ten, never locally."),
        (Signal.RUNTIME_SYMPTOM, "The proxy returns 502 a few times an hour."),
        (Signal.RUNTIME_SYMPTOM, "Why does the scheduler crash right after midnight?"),
        (Signal.TRADE_OFF, "Should we keep the cron jobs or move them to workers?"),
        (Signal.TRADE_OFF, "Is it worth adding a read replica for the reports?"),
        (Signal.TRADE_OFF, "What's the best way to share feature flags with mobile?"),
        (Signal.TRADE_OFF, "What could go wrong if the permission check is cached?"),
        (Signal.TRADE_OFF, "In what order do we deploy the API and worker changes?"),
        (Signal.TRADE_OFF, "Is this the idiomatic way to cancel a context in Go?"),
        (Signal.CROSS_COMPONENT, "Totals differ between the invoices and the ledger."),
        (Signal.CROSS_COMPONENT, "It involves the parser, the cache and the handler."),
        (Signal.CROSS_COMPONENT, "Update every caller of load_config to pass it."),
        (Signal.COORDINATION, "The payment callback is not idempotent."),
        (Signal.COORDINATION, "Events for one account must never apply out of order."),
        (Signal.COORDINATION, "A paused node keeps its lease and blocks everyone."),
        (Signal.COORDINATION, "Some customers get emailed twice after a failover."),
        (Signal.COORDINATION, "The importer applies a batch more than once."),
        (Signal.COORDINATION, "Let field staff keep editing forms in offline mode."),
        (Signal.COORDINATION, "Resolve note conflicts with the copy on the server."),
        (Signal.CONCURRENCY, "Three replicas of the scheduler fire the same job."),
        (Signal.CONCURRENCY, "Both browser tabs save the draft at the same time."),
        (Signal.CONCURRENCY, "Two requests for one basket can update it in parallel."),
        (Signal.CONCURRENCY, "Would optimistic locking suit the seat booking?"),
        (Signal.ACCESS_CONTROL, "Can one tenant read another tenant's invoices here?"),
        (Signal.ACCESS_CONTROL, "Users stay logged in after their role is removed."),
        (Signal.ACCESS_CONTROL, "Plan a key rotation that keeps mobile apps working."),
        (Signal.ACCESS_CONTROL, "Let each customer plug in their own OIDC provider."),
        (Signal.ACCESS_CONTROL, "Map SAML assertions to workspace members."),
        (Signal.PERFORMANCE, "p95 for the search endpoint doubled last week."),
        (Signal.PERFORMANCE, "Memory usage of the importer climbs over a day."),
        (Signal.PERFORMANCE, "The indexer's memory keeps climbing until it restarts."),
        (Signal.PERFORMANCE, "Workers get OOM-killed during the monthly export."),
        (Signal.PERFORMANCE, "There is a goroutine leak in the websocket hub."),
        (Signal.PERFORMANCE, "A connection leak drains the pool by the evening."),
        (Signal.PERFORMANCE, "The queue handles 3k writes/s at peak; is that enough?"),
        (Signal.PERFORMANCE, "Throughput halved once compression was enabled."),
        (Signal.TIME_HANDLING, "Reminders fire an hour late after the clocks change."),
        (Signal.TIME_HANDLING, "Reports are wrong because the job stores local time."),
        (Signal.TIME_HANDLING, "Tokens expire early on hosts with clock skew."),
        (Signal.COMPATIBILITY, "Older Android versions still send the amount as text."),
        (Signal.COMPATIBILITY, "The v1 API must keep answering while the field ships."),
        (Signal.COMPATIBILITY, "Is renaming this enum a breaking change for the SDK?"),
        (Signal.LIVE_DATA_CHANGE, "Split the name column into two, without downtime."),
        (Signal.LIVE_DATA_CHANGE, "Backfill the new status column for 40M rows."),
        (
            Signal.LIVE_DATA_CHANGE,
            "Change the key type of a table with 2 billion rows.",
        ),
        (Signal.LIVE_DATA_CHANGE, "The legacy app is still writing to that table."),
        (
            Signal.LIVE_DATA_CHANGE,
            "Split the orders table while the shop stays online.",
        ),
        (Signal.LIVE_DATA_CHANGE, "Store prices as integers, fix existing rows too."),
    ],
)
def test_each_family_recognises_its_phrasings(signal: Signal, prompt: str) -> None:
    assert signal in signals(prompt)


@pytest.mark.parametrize(
    "prompt",
    [
        "Some of our users get signed out whenever two tabs are open; where to look?",
        "Should we fence the lease holder or switch to a consensus store?",
        "Invoices created after 11pm land a day early for users in Sydney, sometimes.",
        "Backfill the ledger table without downtime; should we dual-write first?",
    ],
)
def test_two_families_in_a_question_reach_the_most_capable_tier(prompt: str) -> None:
    decision = route(Request(RequestKind.CHAT, prompt, context_tokens=2500))
    assert decision.tier == "frontier", decision.reasons


@pytest.mark.parametrize(
    "prompt",
    [
        "Is it worth caching the rendered invoices?",
        "Requests to the image proxy fail intermittently.",
        "Can one tenant list another tenant's projects?",
    ],
)
def test_one_family_is_at_least_standard(prompt: str) -> None:
    assert route(Request(RequestKind.CHAT, prompt)).tier != "fast"


@pytest.mark.parametrize(
    ("kind", "prompt"),
    [
        (RequestKind.CHAT, "What does idempotent mean?"),
        (RequestKind.CHAT, "Explain the difference between a lease and a lock."),
        (RequestKind.CHAT, "quick question: what is tenancy in SaaS terms?"),
        (RequestKind.CHAT, "OAuth vs SAML, which one is older?"),
        (RequestKind.EDIT, "Add a comment saying this mutex guards the sessions."),
        (RequestKind.EDIT, "Rename the tenant variable to account in this function."),
        (RequestKind.EDIT, "Change the log message 'session expired' to 'signed out'."),
        (RequestKind.EDIT, "Bump the lease timeout from 10s to 30s."),
        (RequestKind.EDIT, "Set the replica count of the auth service to 3."),
        (RequestKind.EDIT, "Fix the indentation of the deadlock detector config."),
        (RequestKind.AGENT_STEP, "Add a changelog entry for the tenant isolation fix."),
        (RequestKind.EDIT, "Add a changelog line for the lease timeout fix."),
    ],
)
def test_alarming_words_in_an_easy_ask_stay_cheap(
    kind: RequestKind, prompt: str
) -> None:
    files = ("src/app.py",) if kind is RequestKind.EDIT else ()
    decision = route(Request(kind, prompt, attached_files=files, context_tokens=900))
    assert decision.tier == "fast", decision.reasons
    assert any("not counted" in r for r in decision.reasons)


def test_a_question_about_our_own_system_is_not_a_definition() -> None:
    prompt = "What is causing our p99 to spike every few minutes?"
    found = signals(prompt)
    assert Signal.DEFINITION not in found
    assert route(Request(RequestKind.CHAT, prompt)).tier != "fast"


def test_a_definition_starting_like_a_decision_is_not_one() -> None:
    assert Signal.DEFINITION not in signals("What's the best way to version events?")


@pytest.mark.parametrize(
    "prompt",
    [
        # Our system only says where the term was met.
        "What does backpressure mean? Our streaming design doc mentions it a lot.",
        "What exactly is a fencing token?",
        "Quick one, mutex vs spinlock: what's the real difference?",
        "In networking terms, what does MTU stand for?",
        # Lookups of a setting by what it does.
        "Which option turns off the audit log in Postgres?",
        "Which env var sets the JWT signing key path for the gateway?",
        "Which setting caps the session lifetime in Keycloak? Our runbook needs it.",
    ],
)
def test_a_definition_or_lookup_stays_cheap_in_any_wording(prompt: str) -> None:
    assert Signal.DEFINITION in signals(prompt)
    decision = route(Request(RequestKind.CHAT, prompt))
    assert decision.tier == "fast", decision.reasons


@pytest.mark.parametrize(
    "prompt",
    [
        "What does our retry wrapper do when the broker is down?",
        # The term is asked about, but our system misbehaves with it.
        "What is a lease? Our workers sometimes hold two at once.",
    ],
)
def test_a_question_naming_our_system_in_it_is_not_a_definition(prompt: str) -> None:
    assert Signal.DEFINITION not in signals(prompt)


@pytest.mark.parametrize(
    "prompt",
    [
        "Change the error from 'token invalid' to 'please sign in again' in the "
        "session middleware.",
        "Update the validation message on the tenant signup form so it names the "
        "64-character limit.",
        "Reword the warning the deadlock detector prints so it names the lock.",
        "Edit the text of the error shown when a lease renewal is refused.",
    ],
)
def test_new_wording_for_a_message_is_mechanical(prompt: str) -> None:
    assert Signal.MECHANICAL in signals(prompt, RequestKind.EDIT)
    request = Request(
        RequestKind.EDIT, prompt, attached_files=("src/app.py",), context_tokens=900
    )
    decision = route(request)
    assert decision.tier == "fast", decision.reasons
    assert any("not counted" in r for r in decision.reasons)


@pytest.mark.parametrize(
    "prompt",
    [
        "Change the way we parse strings in the auth handler so tenants are checked.",
        "Migrate the job queue from Kafka to Pulsar without losing messages.",
        "Change the role check to use the tenant's permissions.",
    ],
)
def test_a_change_of_behaviour_near_text_words_is_not_mechanical(prompt: str) -> None:
    assert Signal.MECHANICAL not in signals(prompt, RequestKind.EDIT)


@pytest.mark.parametrize(
    "prompt",
    [
        "Create docs/security/audit-log.md with a title and link it from the README.",
        "Move tenancy.md next to the other guides.",
        "Open ./auth/session_store/notes.txt and delete the last line.",
    ],
)
def test_paths_and_file_names_are_not_read_for_signals(prompt: str) -> None:
    found = signals(prompt, RequestKind.AGENT_STEP)
    assert not found - {Signal.DEFINITION, Signal.MECHANICAL}, found


def test_the_same_words_outside_a_path_are_read() -> None:
    found = signals("Do a security review of the tenancy checks.")
    assert {Signal.SECURITY_REVIEW, Signal.ACCESS_CONTROL} <= found


def test_a_large_agent_step_without_a_depth_signal_still_reaches_frontier() -> None:
    request = Request(
        RequestKind.AGENT_STEP,
        "Goal: the nightly export writes 3 % fewer rows than the source table since "
        "Tuesday's release; find out where they go and fix it.",
        attached_files=("export/run.py", "export/query.py", "db/schema.sql"),
        context_tokens=20_000,
    )
    decision = route(request)
    assert decision.tier == "frontier"
    assert not any("at most tier" in reason for reason in decision.reasons)


def test_the_same_agent_step_with_a_depth_signal_reaches_frontier() -> None:
    request = Request(
        RequestKind.AGENT_STEP,
        "Add a --verbose flag to the export command; it sometimes hangs on CI.",
        attached_files=("cli/main.py", "export/run.py", "tests/test_cli.py"),
        context_tokens=20_000,
    )
    assert route(request).tier == "frontier"


def test_inline_completion_stays_fast_whatever_its_words() -> None:
    request = Request(
        RequestKind.INLINE_COMPLETION,
        "# retry until the distributed lock is released, idempotent per tenant\n"
        "while not lock.acquire(",
        context_tokens=12_000,
    )
    assert route(request).tier == "fast"


def test_earlier_turns_are_read_for_depth_signals() -> None:
    request = Request(
        RequestKind.CHAT,
        "Any idea where to start?",
        messages=(Message("user", "The importer only fails under load."),),
    )
    assert Signal.RUNTIME_SYMPTOM in extract(request).signals


def test_a_discounted_signal_is_named_in_the_reasons() -> None:
    request = Request(RequestKind.CHAT, "What is a fencing token?")
    result = classify(extract(request), request.prompt)
    assert not result.hard
    assert any(r.startswith("distributed coordination") for r in result.reasons)


def test_asking_for_code_adds_nothing_to_a_sign_of_depth() -> None:
    # A small, directed fix in one domain is standard work; "write" and "fix" are
    # already implied by the signal.
    request = Request(
        RequestKind.CHAT,
        "Write a fix so this webhook handler is idempotent.",
        attached_files=("hooks/stripe.py",),
        context_tokens=700,
    )
    decision = route(request)
    assert decision.tier == "standard"
    assert not any("write, change" in r for r in decision.reasons)


def test_a_rename_that_reaches_live_data_is_not_mechanical_work() -> None:
    # Renaming text is cheap; renaming a column that a running service writes is not.
    request = Request(
        RequestKind.EDIT,
        "Rename the `amount` column; the billing worker is still writing to it.",
        attached_files=("db/models.py",),
        context_tokens=900,
    )
    decision = route(request)
    assert decision.tier == "standard"
    assert "change to live data (+0.35)" in decision.reasons


@pytest.mark.parametrize(
    "prompt",
    [
        "Why is this parser returning an empty list for valid input?",
        "why does the retry helper give up after one attempt here?",
    ],
)
def test_asking_why_given_code_behaves_so_is_debugging_work(prompt: str) -> None:
    request = Request(RequestKind.CHAT, prompt, ("lib/parse.py",), context_tokens=900)
    assert route(request).tier == "standard"


def test_a_version_bump_that_asks_for_follow_up_work_is_not_mechanical() -> None:
    assert Signal.MECHANICAL in signals("Bump the worker timeout to 45s.")
    assert Signal.MECHANICAL not in signals(
        "Bump the ORM to 3.2 and fix whatever breaks in the models."
    )


@pytest.mark.parametrize(
    "prompt",
    [
        "Step 2: in the worker config, set the pool size to 8 for the ingest queue. "
        "Nothing else.",
        "Task: raise `retry.max_attempts` to 5 on the lease renewer. No other changes.",
    ],
)
def test_one_value_set_after_a_step_label_is_mechanical(prompt: str) -> None:
    assert Signal.MECHANICAL in signals(prompt, RequestKind.AGENT_STEP)
    request = Request(RequestKind.AGENT_STEP, prompt, context_tokens=3000)
    decision = route(request)
    assert decision.tier == "fast", decision.reasons


def test_one_value_and_more_work_is_not_mechanical() -> None:
    prompt = "Set the lock timeout to 30s and make the renewal idempotent."
    assert Signal.MECHANICAL not in signals(prompt, RequestKind.EDIT)


def test_a_rename_kept_inside_one_file_does_not_reach_further() -> None:
    confined = "Rename `check_acl` to `may_read` in this file, all call sites included."
    assert Signal.MULTI_FILE_REFACTOR not in signals(confined, RequestKind.EDIT)
    request = Request(
        RequestKind.EDIT, confined, attached_files=("src/acl.py",), context_tokens=900
    )
    assert route(request).tier == "fast"
    wide = "Rename `check_acl` to `may_read` and update all call sites in the repo."
    assert Signal.MULTI_FILE_REFACTOR in signals(wide, RequestKind.EDIT)
