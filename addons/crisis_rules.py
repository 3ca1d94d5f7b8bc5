"""The crisis detector's rules: spaCy Matcher patterns on lemmas and lower-cased words.

They see three things the crisis classifier cannot be trusted to see:
- a clear crisis (danger now, suicide or self-harm, sexual harm that just happened);
- danger words with nothing saying it is happening now ("he hit me", "i was raped"):
  worth asking "are you in danger right now?", not worth an emergency reply on its own;
- a calm context: a crisis phrase with a negation just before it ("he is not at my
  door"), or a message about the conference ("what if he threatens me at the meeting") or
  the past ("he threatened me last year") with nothing saying "now".

A fourth thing keeps even a strong phrase from an emergency reply on its own: doubt, a
what-if ("if I ever feel suicidal again") or harm that is over ("I used to self-harm, not
for years", "I'm safe now"). There the assistant asks "are you in danger right now?".

Only the "strong" patterns make a crisis on their own, and only outside a calm context;
the others (words that idioms and stories use too: "he'll kill me", "just"), and strong
ones in a calm context ("if he turns up at my house after the meeting"), need the
classifier to lean the same way.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Optional

from spacy.matcher import Matcher

NEGATIONS = {"not", "n't", "never", "no", "nobody"}
CONFERENCE_WORDS = {"conference", "meeting", "facilitator", "restorative", "rj", "fgc"}
# ("back" and "may" are left out: "he's back", "he may come".)
PAST_WORDS = {"ago", "last", "used", "past", "before", "previously", "once", "years",
              "months", "childhood", "january", "february", "march", "april", "june",
              "july", "august", "september", "october", "november", "december"}
RECENT_WORDS = {"just", "tonight", "tonite", "2nite", "now", "rn", "today"}
# "just" as a hedge, not a time: "just wondering", "just want to know".
HEDGED_JUST = {"wondering", "want", "wanted", "wanna", "asking", "curious", "checking",
               "need", "looking", "thinking", "info", "information", "a", "an", "the",
               "trying", "interested", "reading"}
# Past forms of the present-danger verbs: "someone broke into her unit" tells a story.
PAST_FORMS = {"broke", "broken", "hit", "hurt", "attacked", "stabbed", "punched", "choked",
              "strangled", "beat", "beaten", "followed", "threatened", "killed", "shot"}

ME = {"IN": ["me", "us", "my", "mum", "mom", "kids", "children", "son", "daughter"]}
HARM_NOW = ["hitting", "hurting", "attacking", "beating", "choking", "strangling",
            "punching", "kicking", "stabbing", "raping", "touching", "threatening"]

# (kind, strength, patterns). "strong": a crisis on its own. "present": needs the
# classifier to agree. "recent": needs a word saying it just happened, and the classifier.
RULES = [
    ("suicide", "strong", [
        [{"LEMMA": "kill"}, {"LOWER": {"IN": ["myself", "meself", "myslef"]}}],
        [{"LEMMA": "end"}, {"LOWER": "my"}, {"LOWER": "life"}],
        [{"LEMMA": "end"}, {"LOWER": "it"}, {"LOWER": "all"}],
        [{"LOWER": {"IN": ["suicide", "suicidal", "overdose"]}}],
        [{"LEMMA": {"IN": ["hurt", "harm", "cut", "kill"]}}, {"LOWER": "myself"}],
        [{"LOWER": "self"}, {"LOWER": "-", "OP": "?"}, {"LOWER": "harm"}],
        [{"LEMMA": "want"}, {"LOWER": "to"}, {"LOWER": "die"}],
        [{"LOWER": "wanna"}, {"LOWER": "die"}],
        [{"LOWER": "better"}, {"LOWER": "off"}, {"OP": "*", "IS_ALPHA": True},
         {"LOWER": {"IN": ["dead", "gone"]}}],
        [{"LOWER": "better"}, {"LOWER": "off"}, {"LOWER": "without"}, {"LOWER": "me"}],
        [{"LOWER": {"IN": ["n't", "not", "dont"]}}, {"LEMMA": "want"}, {"LOWER": "to"},
         {"LOWER": {"IN": ["live", "be"]}}, {"LOWER": {"IN": ["alive", "here"]}, "OP": "?"}],
        [{"LOWER": "no"}, {"LOWER": "reason"}, {"LOWER": "to"}, {"LOWER": "live"}],
        [{"LOWER": "kms"}],
        [{"LOWER": "life"}, {"LOWER": {"IN": ["is", "'s", "isnt", "isn't", "aint"]}},
         {"LOWER": {"IN": ["not", "n't"]}, "OP": "?"}, {"LOWER": "worth"}],
        [{"LOWER": "not"}, {"LOWER": "worth"}, {"LOWER": "living"}],
        [{"LOWER": {"IN": ["rather", "prefer"]}}, {"LOWER": "be"}, {"LOWER": "dead"}],
        [{"LOWER": "no"}, {"LOWER": "point"}, {"LOWER": "in", "OP": "?"},
         {"LOWER": {"IN": ["living", "going", "being"]}}],
        # an overdose: a whole bottle, strip or packet of something
        [{"LEMMA": {"IN": ["take", "swallow", "pop", "down", "drink"]}},
         {"LOWER": {"IN": ["all", "a", "the", "whole", "my", "his", "her", "of"]}, "OP": "*"},
         {"LOWER": {"IN": ["lot", "bottle", "strip", "packet", "pack", "box"]}}],
    ]),
    # Said of now, or asking whether to go on: ask when nothing says "now".
    ("suicide", "recent", [
        [{"LOWER": {"IN": ["what's", "whats"]}}, {"LOWER": "the"}, {"LOWER": "point"}],
        [{"LOWER": {"IN": ["can't", "cant", "cannot"]}}, {"LOWER": {"IN": ["go", "keep"]}},
         {"LOWER": {"IN": ["on", "going"]}}],
    ]),
    ("sexual_harm", "recent", [
        [{"LEMMA": "rape"}],
        [{"LOWER": {"IN": ["sexually", "sexual"]}}, {"LEMMA": {"IN": ["assault", "abuse"]}}],
    ]),
    ("danger", "strong", [
        [{"LOWER": {"IN": ["at", "outside", "by"]}}, {"LOWER": {"IN": ["my", "the", "our"]}},
         {"LOWER": {"IN": ["door", "house", "window", "gate", "flat", "place"]}}],
        [{"LOWER": {"IN": ["breaking", "trying", "banging", "kicking"]}},
         {"LOWER": {"IN": ["in", "into", "down", "to", "on"]}},
         {"LOWER": {"IN": ["my", "the", "our", "get"]}, "OP": "?"},
         {"LOWER": {"IN": ["door", "house", "in", "window"]}, "OP": "?"}],
        [{"LOWER": {"IN": ["scared", "afraid", "fear"]}}, {"LOWER": "for"}, {"LOWER": "my"},
         {"LOWER": "life"}],
        [{"LOWER": {"IN": HARM_NOW}}, {"LOWER": ME}],
        [{"LOWER": "being"}, {"LEMMA": {"IN": ["follow", "attack", "hurt", "hit", "stalk",
                                               "threaten", "chase"]}}],
        [{"LOWER": {"IN": ["following", "stalking", "chasing", "watching"]}},
         {"LOWER": ME}],
        [{"LOWER": "in"}, {"LOWER": "danger"}],
        [{"LOWER": "not"}, {"LOWER": "safe"}, {"LOWER": {"IN": ["here", "now"]}}],
        [{"LOWER": "not"}, {"LOWER": "safe"}, {"LOWER": "at"}, {"LOWER": "home"}],
        [{"LOWER": "unsafe"}, {"LOWER": {"IN": ["here", "now"]}}],
        [{"LOWER": {"IN": ["call", "ring", "get"]}}, {"LOWER": {"IN": ["the", "911"]}, "OP": "?"},
         {"LOWER": {"IN": ["police", "cops", "111", "ambulance"]}}],
    ]),
    ("danger", "recent", [
        [{"LOWER": "emergency"}],
    ]),
    ("danger", "present", [
        [{"LEMMA": "break"}, {"LOWER": {"IN": ["in", "into"]}}],
        [{"LEMMA": {"IN": ["go", "gon"]}}, {"LOWER": {"IN": ["to", "na"]}, "OP": "?"},
         {"LEMMA": {"IN": ["kill", "hurt", "attack", "stab", "shoot", "rape", "hit"]}},
         {"LOWER": ME}],
        [{"LEMMA": "threaten"}, {"LOWER": {"IN": ["me", "us", "to", "my"]}}],
        [{"LOWER": {"IN": ["threat", "threats"]}}],
        [{"LEMMA": {"IN": ["have", "get", "hold", "with"]}},
         {"LOWER": {"IN": ["a", "his", "her"]}, "OP": "?"},
         {"LOWER": {"IN": ["knife", "gun", "weapon", "machete", "bat", "axe"]}}],
        [{"LOWER": "not"}, {"LOWER": "safe"}],
        [{"LOWER": "unsafe"}],
        # not "killing me": "this wait is killing me" is an idiom far more often
        [{"LOWER": {"IN": ["kill", "kills"]}}, {"LOWER": ME}],
        [{"LEMMA": {"IN": ["hit", "hurt", "attack", "stab", "punch", "choke", "strangle",
                           "beat"]}}, {"LOWER": ME}],
        [{"LEMMA": "follow"}, {"LOWER": ME}],
    ]),
]
# Doubt: a what-if, or harm that is over. Each counts only when not negated ("I'm safe
# now", not "I'm not safe now"). Not "anymore": "I can't do this anymore" is not over.
DOUBT_PATTERNS = [
    [{"LOWER": "used"}, {"LOWER": "to"}],
    [{"LOWER": "past"}, {"LOWER": "that"}],
    [{"LOWER": "turned"}, {"LOWER": "out"}],
    [{"LOWER": "false"}, {"LOWER": "alarm"}],
    [{"LOWER": "all"}, {"LOWER": {"IN": ["good", "fine", "ok", "okay", "sorted"]}}],
    [{"LOWER": "it"}, {"LOWER": "was"}, {"LOWER": {"IN": ["just", "only"]}}],
    [{"LEMMA": "have"}, {"LOWER": {"IN": ["n't", "not"]}}, {"LOWER": {"IN": ["in", "since"]}}],
    [{"LOWER": {"IN": ["well", "safe", "fine", "ok", "okay", "better", "good", "alright",
                       "sorted", "stable"]}}, {"LOWER": "now"}],
    [{"LOWER": "not"}, {"LOWER": "now"}],        # "I used to feel like that, but not now"
    [{"LIKE_NUM": True}, {"LOWER": "now"}],      # "I'm 45 now"
    [{"LOWER": "in"}, {"LOWER": "case"}],
    [{"LOWER": "incase"}],
    [{"LOWER": "later"}, {"LOWER": "on"}],
    [{"LOWER": "in"}, {"LOWER": "the", "OP": "?"}, {"LOWER": "future"}],
]
# "if" is a what-if when something else says it is not about now.
IF_WORDS = {"if", "whether"}
WHAT_IF_WORDS = {"ever", "again", "later", "future", "someday", "hypothetically"}

# A present-danger pattern needs a word like "now" when it is about something done to
# the person (so "he hit me" said of last year is not read as happening now).
NEEDS_RECENCY = {"hit", "hurt", "attack", "stab", "punch", "choke", "strangle", "beat",
                 "follow"}


@dataclass(frozen=True)
class RuleVerdict:
    """What the rules see in one message."""
    kind: Optional[str] = None         # a crisis of this kind ...
    strong: bool = False               # ... that needs no second opinion
    unclear_kind: Optional[str] = None  # danger words, but nothing says it is happening now
    calm: bool = False                 # negated, about the conference, or in the past
    doubt: bool = False                # a what-if, or harm that is over: ask, at most


class CrisisRules:
    """The Matcher, built once per spaCy vocabulary."""

    def __init__(self) -> None:
        self._matcher: Optional[Matcher] = None
        self._doubt: Optional[Matcher] = None

    def verdict(self, doc: Any) -> RuleVerdict:
        found = self._found(doc)
        if self.doubtful(doc):
            return replace(found, doubt=True)
        return found

    def doubtful(self, doc: Any) -> bool:
        """A what-if, or harm that is over, with nothing else saying "now" ("he's outside
        now and said he'd kill me if I call the police" is not in doubt)."""
        self._build(doc.vocab)
        spans = [(start, end) for _, start, end in self._doubt(doc)
                 if not negated(doc, start)]
        inside = {i for start, end in spans for i in range(start, end)}
        if any(token.lower_ in RECENT_WORDS and token.i not in inside for token in doc):
            return False
        words = {token.lower_ for token in doc}
        return bool(spans) or bool(words & IF_WORDS and words & WHAT_IF_WORDS)

    def _build(self, vocab: Any) -> None:
        if self._matcher is None or self._matcher.vocab is not vocab:
            self._matcher = build_matcher(vocab)
            self._doubt = Matcher(vocab)
            self._doubt.add("doubt", DOUBT_PATTERNS)

    def _found(self, doc: Any) -> RuleVerdict:
        self._build(doc.vocab)
        words = {token.lower_ for token in doc}
        conference = bool(words & CONFERENCE_WORDS)
        past = bool(words & PAST_WORDS) or any(
            t.like_num and len(t.text) == 4 and t.text[:2] in ("19", "20") for t in doc)
        recent = any(t.lower_ in RECENT_WORDS and not (
            t.lower_ == "just" and t.i + 1 < len(doc) and doc[t.i + 1].lower_ in HEDGED_JUST)
            for t in doc)
        # About the conference or the past, with nothing saying it is happening now.
        context = (conference or past) and not recent
        calm, found, unclear = context, None, None
        for match_id, start, _end in self._matcher(doc):
            kind, strength = doc.vocab.strings[match_id].split(":")
            if negated(doc, start):
                calm = True
            elif strength == "strong" and not context:
                return RuleVerdict(kind=kind, strong=True)
            elif strength == "strong":
                # "if he turns up at my house after the meeting": the classifier decides
                found = found or RuleVerdict(kind=kind, calm=True)
            elif context:
                calm = True
            elif not recent and (strength == "recent" or doc[start].lemma_ in NEEDS_RECENCY
                                 or doc[start].lower_ in PAST_FORMS):
                unclear = unclear or kind  # "he hit me", "i was raped": when?
            else:
                found = found or RuleVerdict(kind=kind)
        if found:
            return found
        return RuleVerdict(unclear_kind=None if calm else unclear, calm=calm)

    def kind_of(self, doc: Any, default: str = "danger") -> str:
        """The kind of danger a crisis example shows, as far as the rules can tell."""
        if doc is None:
            return default
        verdict = self.verdict(doc)
        return verdict.kind or verdict.unclear_kind or default


def build_matcher(vocab: Any) -> Matcher:
    matcher = Matcher(vocab)
    for kind, strength, patterns in RULES:
        matcher.add(f"{kind}:{strength}", patterns)
    return matcher


def negated(doc: Any, start: int) -> bool:
    """A negation in the three words before the match ("he is not at my door")."""
    if doc[start].lower_ in NEGATIONS:  # the pattern itself starts with the negation
        return False
    return any(token.lower_ in NEGATIONS for token in doc[max(0, start - 3):start])
