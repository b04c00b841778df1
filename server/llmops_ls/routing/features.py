"""What a request is made of, as far as routing cares: kind, size and reasoning depth.

Pure: no I/O. Token counts come from a counter passed in (the exact BPE counter of
`llmops_ls.linter.tokens` when the caller wires it), else from a crude estimate.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

TokenCounter = Callable[[str], int]


class RequestKind(enum.StrEnum):
    """What the editor asks for."""

    INLINE_COMPLETION = "inline_completion"
    CHAT = "chat"
    EDIT = "edit"
    AGENT_STEP = "agent_step"


class Signal(enum.StrEnum):
    """A sign in the request text that the task needs deeper reasoning (or less)."""

    MULTI_FILE_REFACTOR = "multi_file_refactor"
    CROSS_COMPONENT = "cross_component"
    ARCHITECTURE = "architecture"
    TRADE_OFF = "trade_off"
    CONCURRENCY = "concurrency"
    COORDINATION = "coordination"
    SECURITY_REVIEW = "security_review"
    ACCESS_CONTROL = "access_control"
    CROSS_MODULE_DEBUG = "cross_module_debug"
    RUNTIME_SYMPTOM = "runtime_symptom"
    PERFORMANCE = "performance"
    TIME_HANDLING = "time_handling"
    COMPATIBILITY = "compatibility"
    LIVE_DATA_CHANGE = "live_data_change"
    DEFINITION = "definition"
    MECHANICAL = "mechanical"
    SPECIFIED_CONSTRUCTION = "specified_construction"


@dataclass(frozen=True, slots=True)
class Message:
    """One turn of a conversation."""

    role: str
    content: str


@dataclass(frozen=True, slots=True)
class Request:
    """A request as the editor sends it, before any content filtering."""

    kind: RequestKind
    prompt: str
    attached_files: tuple[str, ...] = ()
    context_tokens: int = 0
    language: str | None = None
    messages: tuple[Message, ...] = ()
    #: The tier the developer asked for, if any; the policy says whether it counts.
    requested_tier: str | None = None


@dataclass(frozen=True, slots=True)
class Features:
    """The facts about a request the classifier scores."""

    kind: RequestKind
    prompt_tokens: int
    context_tokens: int
    attached_files: int
    attached_folders: int
    language: str | None
    conversation_turns: int
    signals: frozenset[Signal]

    @property
    def input_tokens(self) -> int:
        """Tokens sent upstream: prompt, conversation and context."""
        return self.prompt_tokens + self.context_tokens


def estimate_tokens(text: str) -> int:
    """A rough count (four characters a token) for when no tokenizer is wired.

    The server and the command line pass the exact counter of
    `llmops_ls.linter.tokens` instead; this serves callers that wire none.
    """
    return (len(text) + 3) // 4


# Each family is a kind of reasoning depth, said in general words and forms, kept short
# on purpose so it does not memorise the evaluation set
# (benchmarks/routing/requests.jsonl): what the work touches (scope), what the answer
# has to weigh (decisions), how a running system misbehaves (symptoms) and which
# domains punish a shallow answer (risk).
_SIGNAL_PATTERNS: dict[Signal, re.Pattern[str]] = {
    Signal.MULTI_FILE_REFACTOR: re.compile(
        r"\b(?:across|every|all|throughout)\b[^.?!\n]{0,60}"
        r"\b(?:files?|modules?|services?|packages?|call[- ]sites?|layers?|"
        r"codebase|repo(?:sitory)?)\b"
        r"|\b(?:codebase|repo)[- ]wide\b|\beverywhere\b"
        r"|\bmigrate\b[^.?!\n]{0,40}\b(?:from|to)\b"
        r"|\bextract\b[^.?!\n]{0,60}\binto\b",
        re.IGNORECASE,
    ),
    # Several parts named as one problem: "between the cache and the registry", "the
    # handler, the shared encoder and the server config", "every place we call it".
    Signal.CROSS_COMPONENT: re.compile(
        r"\bbetween (?:the|our) [\w' -]{1,40}? and (?:the|our)\b"
        r"|\b(?:the|our) [\w' -]{1,40}?, (?:the|our|a|this) [\w' -]{1,40}?,? "
        r"and (?:the|our|a|this)\b"
        r"|\bspans? (?:the|our|several|multiple|two|three)\b|\bspread (?:over|across)\b"
        r"|\bevery (?:place|caller|call|usage|use)\b"
        r"|\b(?:between|several|multiple|two|three|both) (?:services|layers"
        r"|components|systems|modules)\b",
        re.IGNORECASE,
    ),
    Signal.ARCHITECTURE: re.compile(
        r"\barchitect(?:ure|ural)?\b|\bdesign (?:the|a|an|our)\b|\bsystem design\b"
        r"|\bboundar(?:y|ies)\b|\bmonolith\b|\bevent[- ]sourcing\b"
        r"|\bmulti-?tenan(?:t|cy)\b|\bmigration path\b"
        r"|\b(?:propose|recommend) (?:how|an?|the)\b|\bplugin system\b"
        r"|\bisolation\b|\bsandbox(?:ing)?\b|\bcompare\b[^.?!\n]{0,60}\b(?:with|to)\b",
        re.IGNORECASE,
    ),
    # A choice to weigh, risks to name, or steps to put in a safe order.
    Signal.TRADE_OFF: re.compile(
        r"\btrade-?offs?\b|\bpros and cons\b|\bworth it\b|\bis it worth\b"
        r"|\bshould we\b|\bhow should\b"
        r"|\bwhat(?:'s| is| would be) the (?:best|right|safest|cleanest|saner) way\b"
        r"|\bis (?:this|that|it) the (?:best|right|correct|idiomatic) way\b"
        r"|\bor is there\b|\bis there a (?:better|saner|safer|cleaner) way\b"
        r"|\b(?:worr(?:y|ied)|concerned) about\b|\bpitfalls?\b|\bgotchas?\b"
        r"|\bwhat (?:could|can|might|would) (?:go wrong|break|leak|be abused)\b"
        r"|\b(?:what|which) order\b|\bthe order of (?:the )?(?:changes|steps"
        r"|operations|deploy\w*|migrations|releases)\b|\bplan the steps\b"
        r"|\broll-?out plan\b",
        re.IGNORECASE,
    ),
    Signal.CONCURRENCY: re.compile(
        r"\brace condition|\bdeadlock|\bthread[- ]safe|\block[- ]free\b"
        r"|\batomic(?:ity|ally)?\b|\bconcurren(?:t|cy)\b|\bmutex\b|\bsemaphore\b"
        r"|\bdata race\b|\bcontention\b|\bexactly[- ]once\b|\bat[- ]least[- ]once\b"
        # Several actors on the same thing: threads, workers, pods, browser tabs.
        r"|\b(?:two|three|several|multiple|both|many) (?:workers|threads|processes"
        r"|goroutines|pods|nodes|instances|replicas|tabs|consumers|leaders)\b"
        r"|\b(?:two|three|several|multiple|both) (?:requests|calls)\b"
        r"|\bat the same time\b|\bsimultaneous(?:ly)?\b|\bin parallel\b"
        r"|\b(?:optimistic|pessimistic|row[- ]level) lock"
        r"|\bshared?\b[^.?!\n]{0,20}\b(?:state|dict|map|memory)\b",
        re.IGNORECASE,
    ),
    # State kept right across machines, retries and crashes.
    Signal.COORDINATION: re.compile(
        r"\belect(?:s|ed|ion)?\b[^.?!\n]{0,20}\bleader|\bleader election\b"
        r"|\bleases?\b|\bfencing\b|\bdistributed lock|\block across\b"
        r"|\bidempoten(?:t|cy)|\bout of order\b|\bordering guarantee"
        r"|\b(?:keep|preserve|guarantee|maintain) (?:the )?order(?:ing)?\b"
        r"|\bin order\b(?! to\b)"
        r"|\btwice\b|\bmore than once\b"
        r"|\bdouble[- ](?:charg|pay|spend|process|submit|writ)\w*"
        r"|\b(?:duplicate|double) (?:messages|events|jobs|rows|records|charges"
        r"|payments|orders|emails|requests|deliveries|writes|entries)\b"
        r"|\bconsensus\b|\bsplit[- ]brain\b|\brebalanc\w*"
        # Copies edited apart and merged later: offline clients, replicas, CRDTs.
        r"|\bcrdts?\b|\bconflict[- ]resolution\b|\bvector clocks?\b"
        r"|\bresolv\w* (?:the )?(?:\w+ )?conflicts? (?:with|between|against)\b"
        r"|\boffline[- ](?:first|sync\w*|edits?|writes|changes|support|mode)\b",
        re.IGNORECASE,
    ),
    Signal.SECURITY_REVIEW: re.compile(
        r"\bsecurity\b|\bcsrf\b|\bxss\b|\binjection attacks?\b"
        r"|\b(?:sql|command|code|html|ldap|template|prompt) injection\b"
        r"|\bsession fixation\b|\btiming attacks?\b|\bvulnerab|\biam\b"
        # OWASP's names for classes of flaw, and a question whether code is safe
        # ("is this JWT verification code safe?").
        r"|\bopen redirects?\b|\bssrf\b|\bpath traversal\b|\bprivilege escalation\b"
        r"|\b(?:token|secret|credential)s? leak|\bconfused deputy\b"
        r"|\b(?:is|are) (?:this|these|it)(?: [\w-]+){0,3} (?:safe|secure)\b"
        r"|\b(?:be )?abused?\b|\bexploitable\b"
        # Audits and audit trails, but not a component named with the word as the
        # tail of a compound ("the creative-audit client", "our pre-audit step").
        r"|(?<![\w-])audit\b",
        re.IGNORECASE,
    ),
    # Who may do what: identity, sessions, tokens, roles, tenants.
    Signal.ACCESS_CONTROL: re.compile(
        r"\bauth(?:entication|orization|n|z)?\b|\blog(?:ged)?[- ]in\b|\blogin\b"
        r"|\blog(?:s|ged|ging)? (?:\w+ )?out\b|\bsign(?:s|ed|ing)?[- ](?:in|out)\b"
        r"|\bsessions?\b|\b(?:access|refresh|bearer|api|auth) tokens?\b"
        r"|\bpermissions?\b|\broles?\b|\btenan(?:t|ts|cy)\b|\bimpersonat\w*"
        r"|\bprivileges?\b|\bcross-account\b|\boauth\b|\bjwt\b|\bcredentials?\b"
        r"|\bsso\b|\brbac\b|\bacls?\b|\boidc\b|\bsaml\b|\bidentity provider"
        r"|\bkey rotation\b|\brotat\w* (?:the )?(?:\w+ )?(?:keys|secrets)\b",
        re.IGNORECASE,
    ),
    Signal.CROSS_MODULE_DEBUG: re.compile(
        r"\broot cause\b|\bstack ?trace\b|\bprofil(?:er|ing)\b"
        r"|\b(?:cpu|heap|memory) profiles?\b|\bprofiles? (?:show|point|say)"
        r"|\bin production\b|\bhang(?:s|ing)?\b"
        r"|\btrace (?:the|it|through)\b|\bre-?renders?\b",
        re.IGNORECASE,
    ),
    # How a running system misbehaves: now and then, only somewhere, drifting state.
    Signal.RUNTIME_SYMPTOM: re.compile(
        r"\bintermittent(?:ly)?\b|\bflaky\b|\bsporadic(?:ally)?\b|\boccasional(?:ly)?\b"
        r"|\bsometimes\b|\brandomly\b|\bevery (?:few|so often|now and then)\b"
        r"|\b(?:once|twice|a few times|several times|\w+ times) (?:an?|every|per"
        r"|in a) (?:\w+ )?(?:hour|day|night|while|minute|week)s?\b"
        r"|\bone (?:run |time |request |build )?in (?:\d+|two|three|four|five|ten"
        r"|a (?:few|hundred|thousand))\b"
        r"|\bonly (?:in prod|on ci|under load)|\bunder (?:heavy )?load\b"
        r"|\bnever (?:locally|on my machine|reproduc)|\bcan(?:'t|not) reproduce\b"
        r"|\bonly (?:for )?(?:the ones|some|a few|part|certain)\b"
        r"|\bstale\b|\bout of sync\b|\bdrift(?:s|ing|ed)?\b|\blost (?:writes|updates)\b"
        r"|\bwhy (?:does|do|did|is|are|would)\b[^.?!\n]{0,60}\b(?:fail|crash|hang"
        r"|happen|break|time out|drop|lose|leak|stall|freez)\w*"
        r"|\bwhere (?:(?:would|should|do|can) (?:you|we|i) |to )(?:look|start|dig)\b",
        re.IGNORECASE,
    ),
    Signal.PERFORMANCE: re.compile(
        r"\bp9\d(?:\.\d)?\b|\b(?:tail )?latenc(?:y|ies)\b|\bthroughput\b"
        r"|\bmemory\b[^.?!\n]{0,30}\b(?:grows?|growth|growing|climbs?|climbing"
        r"|creeps?|usage|leak)|\bleaks? memory\b|\bout of memory\b"
        r"|\boom(?:[- ]?kill\w*)?\b"
        r"|\b(?:connection|goroutine|thread|socket|file handle|fd) leaks?\b"
        r"|\bcpu\b|\bhot path\b|\bcontention\b|\b[qr]ps\b"
        # A rate: "3k writes/s", "500 requests per second".
        r"|\b\d+(?:\.\d+)?k? ?(?:writes|reads|requests|events|messages|queries|ops)"
        r"(?:/s(?:ec)?\b| ?per second\b| a second\b)",
        re.IGNORECASE,
    ),
    # Dates and clocks: zones, DST, skew, a date a day off.
    Signal.TIME_HANDLING: re.compile(
        r"\btime ?zones?\b|\btz\b|\butc\b|\bdst\b|\bdaylight saving"
        r"|\bclock (?:skew|drift)|\b(?:a|one|an) (?:day|hour) (?:early|late|off"
        r"|behind|ahead)\b|\boff by (?:a|one|an) (?:day|hour)\b|\blocal time\b",
        re.IGNORECASE,
    ),
    # Clients and callers that cannot change in step with the code.
    Signal.COMPATIBILITY: re.compile(
        r"\bbackwards?[- ]compat\w*|\bold(?:er)? (?:\w+ )?(?:clients|versions?|apps?"
        r"|releases|sdks?)\b|\bnever update\b|\bversioning\b|\bv\d+ (?:endpoint|api)"
        r"|\bbreaking change|\bprotocol (?:change|version)|\bwire format\b",
        re.IGNORECASE,
    ),
    # Changing stored data or where it lives while the system keeps serving.
    Signal.LIVE_DATA_CHANGE: re.compile(
        r"\bbackfill\w*|\b(?:zero|no|without(?: any)?) downtime\b"
        r"|\bcan(?:'t|not) have downtime\b|\bexisting (?:rows|data|records)\b"
        r"|\bwithout losing\b|\b(?:gets?|got|be|being) lost\b|\bdata loss\b"
        r"|\blose data\b|\bdrop (?:the |a )?(?:column|table)\b|\bdual[- ]writ\w*"
        r"|\blive (?:traffic|data|rows|table)\b|\bschema migrations?\b"
        r"|\bwhile (?:the |our )?(?:\w+ ){0,2}(?:is|are|stays?) (?:live|up|online"
        r"|serving)\b"
        r"|\b(?:millions?|billions?|\d+(?:\.\d+)? ?(?:m|b|million|billion)) (?:of )?"
        r"(?:rows|records)\b|\b(?:still|constantly|continuously) (?:being )?"
        r"writ(?:es|ing|ten)\b|\bwritten to (?:constantly|continuously|all the time)\b"
        r"|\bmigrat\w* (?:the )?(?:existing |stored |production )?(?:data|rows"
        r"|records)\b",
        re.IGNORECASE,
    ),
}
# A regression: a change made ("switched to bf16", "since we moved the check", "after
# your last suggestion") and a behaviour or metric now worse. Both must be in the
# current ask; either alone is routine ("after the loop, add", "now add tests").
_CHANGE_MADE = re.compile(
    r"\b(?:after|since) (?:(?:we|i|you|they|someone) (?:\w+ )?)?"
    r"(?:switch|mov|add|enabl|upgrad|replac|introduc|chang|swapp|turn|appl|bump)"
    r"(?:ed|ing)\b"
    r"|\b(?:after|since) (?:your|the|my|our|that|this) (?:last |latest |previous "
    r"|earlier |recent )?(?:suggestion|fix|change|patch|commit|tweak|edit)s?\b"
    r"|(?:^|[.!?;]\s+|\b(?:we|i) (?:just |recently )?)(?:switched|moved|added"
    r"|enabled|upgraded|replaced|swapped|turned on|introduced)\b",
    re.IGNORECASE | re.MULTILINE,
)
_NOW_WORSE = re.compile(
    r"\bnow\b(?:[^.?!\n]|\.(?=\d)){0,40}?\b(?:worse|slower|miss(?:es|ing)"
    r"|fail(?:s|ing)?|broken|wrong|drops|dropping|loses|losing|stuck|hang(?:s|ing)?"
    r"|crash(?:es|ing)?|breaks|no longer|times? out|leaks)\b"
    r"|\bnew (?:problems?|issues?|bugs?|errors?|failures?)\b"
    r"|\b(?:down|dropped|fell|regressed) (?:by )?~?\d+(?:\.\d+)? ?(?:%|percent\b)"
    r"|\b(?:is|are|got|gets|looks?|became) (?:\w+ )?worse\b",
    re.IGNORECASE,
)
# Forms that mark a task as easy whatever domain words it carries; read from the
# prompt alone (a conversation's earlier turns do not make the current ask mechanical).
_GUARD_PATTERNS: dict[Signal, re.Pattern[str]] = {
    Signal.DEFINITION: re.compile(
        r"^\s*(?:(?:quick|simple|small|short) (?:question|sanity check)[,:;-]?\s*)?"
        r"(?:what(?: exactly| actually| really)?(?:'s| is| are| does| do)"
        r"(?! (?:the )?(?:best|right|safest|cleanest|causing|wrong|happening|going on))"
        r"|briefly|explain the difference|how do i|give me the)\b"
        r"|\bwhat does [^.?!\n]{1,40} mean\b|\bdifference between\b"
        r"|\bwhat(?:'s| is) the (?:\w+ )?difference\b"
        r"|\bwhat (?:do|does) [^.?!\n]{1,60} stand for\b"
        # A lookup: "which flag turns off caching?", "which directive sets the limit?"
        r"|\bwhich (?:\w+ )?(?:settings?|directives?|flags?|options?|parameters?"
        r"|switch(?:es)?|knobs?|config(?:uration)? (?:keys?|fields?|entr(?:y|ies))"
        r"|env(?:ironment)? var(?:iable)?s?) (?:sets?|controls?|does|enables?"
        r"|disables?|turns?|limits?|caps?|changes?|configures?|decides?"
        r"|determines?|governs?)\b"
        r"|^[^.?!\n]{0,40}\b\w+ (?:vs\.?|versus) \w+\b[^.\n]{0,40}"
        r"\bwhich (?:one )?(?:is|are|does|means)\b",
        re.IGNORECASE,
    ),
    Signal.MECHANICAL: re.compile(
        r"\b(?:rename|typo|docstrings?|sort\b[^.\n]{0,10}\bimports|type hints"
        r"|list comprehension|reformat|boilerplate|indentation|whitespace"
        r"|tabs and spaces|semicolons|trailing (?:commas|spaces)|unused imports?"
        r"|log (?:message|line|level|statement)s?|changelog (?:entry|line))\b"
        r"|\b(?:add|write|update|fix) (?:a |an |the )?(?:short |brief |one-line )?"
        r"comments?\b"
        # New wording for a text the code shows or logs: "from 'x' to 'y'", "reword
        # the notice", "update the error message", "the text of the warning".
        r"|\bfrom\s+[\"'\u201c\u2018][^\"'\u201d\u2019\n]{1,80}[\"'\u201d\u2019]"
        r"\s+to\s+[\"'\u201c\u2018]|\b(?:reword|rephrase)\b"
        r"|\b(?:change|update|edit|tweak|shorten) (?:the |this |that |a |an )?(?:\w+ )?"
        r"(?:(?:log|logging|warning|error|exception|validation|status|toast|alert"
        r"|help|button|dialog) (?:messages?|strings?|wording|text|lines?)"
        r"|labels?|tooltips?|placeholders?|captions?|wording)\b"
        r"|\b(?:text|wording) of (?:the |this |that |a |an )?(?:\w+ ){0,2}?"
        r"(?:log|warning|error|message|label|button|toast|alert)\b"
        # One value changed in place, and nothing else: "bump the timeout to 10s",
        # "Step 2: in the config, set the pool size to 8 for the worker. Nothing else."
        r"|^\s*(?:[\w /-]{1,20}:\s*)?(?:in [^,\n]{1,60},\s*)?"
        r"(?:bump|change|set|raise|lower|increase|decrease)\b(?:[^.?!\n]|\.(?=\w)){0,60}"
        r"\b(?:from \S+ to \S+|to ~?\d\S*)(?: (?:for|in|on|of) [^.?!\n]{1,40}?)?"
        r"[.!]?\s*(?:(?:nothing else|no other changes?)[.!]?\s*)?$",
        re.IGNORECASE,
    ),
}
# A question whose answer is one token: "just the number", "is it 'X' or 'Y'?",
# "what's the cron expression for ...". Alarming words around it, or our own system
# named beside it, do not make the answer longer.
_CLOSED_ANSWER = re.compile(
    r"\bjust (?:the|a|one) (?:number|name|word|value|port|command|flag|expression"
    r"|one-liner|syntax|spelling|version)\b|\b(?:one|single)[- ]word answer\b"
    r"|\b(?:is it|should it be|do (?:i|we|you) (?:write|spell|say|use))\s+"
    r"([\"'`\u2018\u201c])[^\"'`\u2019\u201d\n]{1,40}[\"'`\u2019\u201d],? or "
    r"[\"'`\u2018\u201c][^\"'`\u2019\u201d\n]{1,40}[\"'`\u2019\u201d]\s*\?"
    r"|\bwhat(?:'s| is) the (?:\w+ )?(?:expression|syntax|command|flag|regex"
    r"|shortcut|one-liner|spelling|plural|abbreviation|exit code|status code"
    r"|escape sequence) for\b",
    re.IGNORECASE,
)
# Qualities asked of new code ("write it with type hints and a docstring") are not a
# change to docs or hints alone: they are left out when looking for mechanical work.
_CODE_QUALITIES = re.compile(
    r"\b(?:with|including|plus)\s+(?:(?:full|proper|complete|a|an)\s+)?"
    r"(?:type hints|docstrings?)(?:(?:,|\s+and|\s+plus)\s+(?:(?:full|proper|complete"
    r"|a|an)\s+)?(?:type hints|docstrings?))*\b",
    re.IGNORECASE,
)
# Routine construction, fully specified: the ask opens with an imperative to build
# something ("add", "write", "Task: create", "In FooView add", "can you write") and
# lists what it must do. Size then says how much there is to type, not how hard it is.
_CONSTRUCTION_LEAD = re.compile(
    # An agent step may first state its goal: "Goal: a battery endpoint. Step 2: add".
    r"^\s*(?:(?:goal|context|background)\s*:[^.?!\n]*[.?!\n]\s*)?"
    r"(?:[\w -]{1,20}:\s*)?"
    r"(?:(?:please|now|next|then|ok(?:ay)?|so),?\s+)?"
    r"(?:(?:can|could|would|will) you (?:please )?)?"
    r"(?:in (?:the )?[\w.-]+(?: \w+)?,?\s+)?"
    r"(?:add|write|create|implement|build|generate|scaffold)\b"
    # "Build fails on CI" names a symptom, not work to do.
    r"(?!\s+(?:fails?|failed|failing|breaks?|broke|is|was|keeps|hangs?|crash\w*)\b)",
    re.IGNORECASE,
)
# A sentence that lists three or more things: "a, b and c", "x; y; z", "(a, b, c)".
_SENTENCE_END = re.compile(r"[.?!]+(?:\s+|$)|\n")
_LIST_SEPARATOR = re.compile(r"\s*[,;]\s")
_LAST_ITEM = re.compile(r"[,;]\s[^,;]*\b(?:and|or)\s")
# Words that the ask is not settled: a symptom to explain, a cause to find, a choice
# to make, behaviour that changed. Read in the prompt and earlier turns alike.
_UNSETTLED = re.compile(
    r"\bwhy\b|\bhow come\b|\b(?:find|work|figure|sort|suss) (?:\w+ )?out\b"
    r"|\binvestigat\w*|\bdiagnos\w*|\btrack(?:ing)? down\b|\bdig (?:into|in)\b"
    r"|\bdebug\w*|\bsomething(?:'s| is)? (?:wrong|off|broken)\b|\b(?:goes|went) wrong\b"
    r"|\bwhat(?:'s| is) (?:wrong|going on|happening)\b|\bsupposed to\b"
    r"|\b(?:expected|meant) to\b|\b(?:it|this|that|they) only\b"
    # Behaviour described, not asked for: "only appears when", "only fails on CI".
    r"|\bonly (?:happens|shows up|\w+s (?:when|if|on|for|after|with|in|once))\b"
    r"|\b(?:happen|occur|fail|break|work)s? only\b|\bsometimes\b|\brandomly\b"
    r"|\bintermittent\w*|\bnow and then\b"
    # "the tests now fail", "it breaks", but not "a test that fails when ...".
    r"|\b(?:tests?|builds?|jobs?|deploys?|pipelines?|it|they|this) "
    r"(?:(?!that\b|which\b)\w+ )?(?:fail|break)(?:s|ed|ing)?\b|\bbroke\b"
    # Behaviour that changed with an event: "since the bump", "after upgrading".
    r"|\b(?:after|since) (?:the |our |last |this |that |a |an |we )?(?:\S+ ){0,3}?"
    r"(?:upgrad|updat|bump|releas|deploy|migrat|failover|refactor|merg|switch)\w*\b"
    r"|\bsince (?:last|yesterday|monday|tuesday|wednesday|thursday|friday|saturday"
    r"|sunday|this morning|then)\b|\bno longer\b|\bany ?more\b|\bstopped\b"
    r"|\bnot sure\b|\bunsure\b|\bno idea\b|\bi (?:think|suspect|guess|wonder)\b"
    r"|\bmaybe\b|\bperhaps\b|\bsomehow\b|\bwhether\b|\bdecide\b|\beven though\b"
    r"|\b(?:bugs?|buggy|crash\w*|regress\w*|broken|weird|strange|unexpected\w*"
    r"|misbehav\w*|hangs?|freez\w*|flaky|miscompil\w*)\b"
    r"|\b(?:does|do|is|are|was|were|wo|ca)(?:n't| not) (?:\w+ )?(?:work|load|compile"
    r"|build|start|save|show|render|run|fire|trigger|match|update)\w*\b"
    r"|\bnever (?:work|load|compile|build|start|save|show|render|run|fire|trigger"
    r"|match|update)\w*\b"
    r"|\b(?:throw|throws|throwing|raises|raising|getting|got|seeing|see) (?:\w+ ){0,2}"
    r"(?:errors?|exceptions?|warnings?)\b|\bmake it (?:stop|work)\b",
    re.IGNORECASE,
)
# Work that is wider than one feature, however it is worded.
_WIDE_SCOPE = re.compile(
    r"\b(?:entire|whole) (?:app|application|site|project|system|backend|frontend"
    r"|api|service)\b|\b(?:app|site|project|system)[- ]wide\b|\bfrom scratch\b"
    r"|\b(?:every|each|all(?: the| our)?) (?:endpoints?|pages?|screens?|routes?"
    r"|services?|handlers?|views?|components?|models?|tables?|commands?)\b",
    re.IGNORECASE,
)
# Documents that carry a judgement: writing one is deciding, however well listed.
_DECISION_DOCUMENT = re.compile(
    r"\bdesign (?:doc|document|proposal)s?\b|\brfcs?\b|\bproposals?\b|\badrs?\b"
    r"|\b(?:migration|roll-?out|rollback|cutover|capacity|test|incident) plans?\b"
    r"|\bstrateg(?:y|ies)\b|\bpost-?mortems?\b|\bthreat models?\b",
    re.IGNORECASE,
)


def _lists_requirements(text: str) -> bool:
    for sentence in _SENTENCE_END.split(text):
        separators = len(_LIST_SEPARATOR.findall(sentence))
        if separators >= 2 or (separators == 1 and _LAST_ITEM.search(sentence)):
            return True
    return False


def _is_specified_construction(prompt: str, conversation: str) -> bool:
    return (
        _CONSTRUCTION_LEAD.search(prompt) is not None
        and _lists_requirements(prompt)
        and not _WIDE_SCOPE.search(prompt)
        and not _DECISION_DOCUMENT.search(prompt)
        and not _UNSETTLED.search(f"{prompt}\n{conversation}")
    )


# A change said to stay inside what is open: "in this file", "no other changes".
_CONFINED = re.compile(
    r"\b(?:in|within|inside|only) this (?:file|module|function|class|method)\b"
    r"|\bno other (?:changes|files|edits)\b",
    re.IGNORECASE,
)
_OWN_SYSTEM = re.compile(r"\b(?i:we|we're|we've|our)\b|\bus\b")
# File paths and file names say where work happens, not how deep it is
# ("create docs/security.md"): they are blanked before the text is read.
_SLASHED = re.compile(r"(?<![\w/])[\w.~-]*(?:/[\w.-]*)+")
_FILE_NAME = re.compile(r"\b[\w-]+\.[a-z][a-z0-9]{0,4}\b(?!\()")


def _blank_paths(text: str) -> str:
    # "async/await", "read/write" and "2k writes/s" have one slash and no extension:
    # words, not paths.
    def blank(match: re.Match[str]) -> str:
        path = match.group()
        rooted = path.startswith(("/", "./", "../", "~/"))
        if rooted or path.count("/") >= 2 or _FILE_NAME.search(path.rsplit("/", 1)[1]):
            return " "
        return path

    return _FILE_NAME.sub(" ", _SLASHED.sub(blank, text))


def find_signals(text: str, conversation: str = "") -> frozenset[Signal]:
    """The reasoning-depth signals in `text` and `conversation`, and the guards in
    `text`; file paths in either are not read."""
    prompt = _blank_paths(text)
    content = f"{prompt}\n{_blank_paths(conversation)}" if conversation else prompt
    found = {s for s, p in _SIGNAL_PATTERNS.items() if p.search(content)}
    read_for = {Signal.MECHANICAL: _CODE_QUALITIES.sub(" ", prompt)}
    found.update(
        s for s, p in _GUARD_PATTERNS.items() if p.search(read_for.get(s, prompt))
    )
    if _CHANGE_MADE.search(prompt) and _NOW_WORSE.search(prompt):
        found.add(Signal.RUNTIME_SYMPTOM)
    if _is_specified_construction(prompt, _blank_paths(conversation)):
        found.add(Signal.SPECIFIED_CONSTRUCTION)
    if Signal.DEFINITION in found and _asks_about_own_system(prompt):
        found.discard(Signal.DEFINITION)
    if _CLOSED_ANSWER.search(prompt) and not _UNSETTLED.search(prompt):
        found.add(Signal.DEFINITION)
    if Signal.MECHANICAL in found and _CONFINED.search(prompt):
        # "Rename it and all its call sites in this file" reaches no further than
        # the file it edits.
        found.discard(Signal.MULTI_FILE_REFACTOR)
    return frozenset(found)


def _asks_about_own_system(prompt: str) -> bool:
    # "What does our retry wrapper do on a 503?" asks about a system, not a term; in
    # "What does idempotent mean? Our design doc uses it" the system only says where
    # the term was met, unless the prompt also tells of it misbehaving.
    definition = _GUARD_PATTERNS[Signal.DEFINITION]
    for match in definition.finditer(prompt):
        start = max(
            (m.end() for m in _SENTENCE_END.finditer(prompt, 0, match.start())),
            default=0,
        )
        end = _SENTENCE_END.search(prompt, match.end())
        if _OWN_SYSTEM.search(prompt, start, end.start() if end else len(prompt)):
            return True
    return _OWN_SYSTEM.search(prompt) is not None and (
        _UNSETTLED.search(prompt) is not None
        or _SIGNAL_PATTERNS[Signal.RUNTIME_SYMPTOM].search(prompt) is not None
    )


def extract(
    request: Request, count: TokenCounter = estimate_tokens, signals: bool = True
) -> Features:
    """Turn a request into features; deterministic for the same request and counter.

    With `signals` false the signal families are not searched (the most costly step)
    and the features carry none.
    """
    conversation = "\n".join(m.content for m in request.messages)
    prompt_tokens = count(request.prompt) + (count(conversation) if conversation else 0)
    return Features(
        kind=request.kind,
        prompt_tokens=prompt_tokens,
        context_tokens=max(0, request.context_tokens),
        attached_files=len(request.attached_files),
        attached_folders=len(_folders(request.attached_files)),
        language=request.language,
        conversation_turns=len(request.messages),
        signals=find_signals(request.prompt, conversation) if signals else frozenset(),
    )


def _folders(paths: Iterable[str]) -> set[str]:
    return {p.rsplit("/", 1)[0] if "/" in p else "" for p in paths}
