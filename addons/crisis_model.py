"""The crisis classifier: which kind of crisis a message signals, if any.

A linear model over character n-grams (forgiving of typos: "scaired", "doore") and
word n-grams (after spelling out text-speak: "rn" -> "right now", "kms" -> "kill
myself"), trained on the examples in data/crisis/: crisis messages by kind, and calm
messages that use the same words (fear of the conference, harm in the past, idioms).
It answers with the probability that a message is a crisis and the likeliest kind.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

CALM = "calm"
# The reply each kind of crisis gets (domain.yml, utter_crisis).
REPLY_KIND = {
    "violence_now": "danger",
    "intruder": "danger",
    "threat_imminent": "danger",
    "watched_followed": "danger",
    "confined_hiding": "danger",
    "order_breached": "danger",
    "children": "danger",
    "sexual_harm_recent": "sexual_harm",
    "suicide_active": "suicide",
    "suicide_passive": "suicide",
    "self_harm": "suicide",
    "overdose": "suicide",
}
CRISIS_KINDS = sorted(set(REPLY_KIND.values()))

# Text-speak spelled out, so that word features see the same words either way.
TEXT_SPEAK = {
    "rn": "right now", "rite": "right", "nw": "now", "tonite": "tonight", "2nite": "tonight",
    "2night": "tonight", "pls": "please", "plz": "please", "plss": "please", "u": "you",
    "ur": "your", "r": "are", "im": "i'm", "ive": "i've", "hes": "he's", "shes": "she's",
    "theyre": "they're", "cant": "can't", "dont": "don't", "wont": "won't",
    "didnt": "didn't", "isnt": "isn't", "kms": "kill myself", "gonna": "going to",
    "wanna": "want to", "gotta": "got to", "b4": "before", "bf": "boyfriend",
    "gf": "girlfriend", "tho": "though", "thru": "through", "ppl": "people", "n": "and",
    "cos": "because", "coz": "because", "bc": "because", "cuz": "because", "ya": "you",
    "abt": "about", "wat": "what", "wot": "what", "ok": "okay", "omw": "on my way",
    "hlp": "help", "halp": "help", "polce": "police", "cops": "police",
}
_WORD = re.compile(r"[a-z0-9']+")

# Words that say when and whose: each adds a marker word to the message, so that every
# way of saying "in the past" (a year, an age, "ages ago") counts as one feature that the
# classifier can weigh, rather than many rare ones.
_MONTHS = ("january|february|march|april|june|july|august|september|october|november|"
           "december")
CONTEXT_MARKERS = {
    "xpastx": re.compile(
        r"\b((19|20)\d\d|ago|years? (back|later|before)|back (in|then|when)|used to|"
        r"when i was( a)? (\d+|kid|child|teen|teenager|young|little|at)|as a (kid|child|teen)|"
        r"last (week|month|year|winter|summer|spring|autumn|christmas)|previously|"
        rf"in the past|over a year|a (few|couple of) (months|years)|childhood|in ({_MONTHS}))\b"),
    "xifx": re.compile(
        r"\b(what if|if|suppose|supposing|imagine|in case|say (he|she|they)|would|could|"
        r"might|hypothetically)\b"),
    "xotherx": re.compile(
        r"\b(asking (for|on behalf)|on behalf|for a friend|my (friend|mate|sister|brother|"
        r"cousin|nan|nana|aunty|aunt|uncle|neighbou?r|client|colleague|flatmate|daughter|"
        r"son|mum|dad)('s)? (was|got|had|has|is|wants|asked|said)|on the news|a client|"
        r"my client|tv|movie|show)\b"),
    "xoverx": re.compile(
        r"\b(in custody|in prison|in jail|locked up|arrested|behind bars|overseas|"
        r"moved away|(not|no longer)( \w+)? (anymore|any more)|(i'?m|im) (ok|okay|safe|fine)"
        r"( now)?|all over|over now|getting help|counsell?or|doing (better|well|ok))\b"),
    "xnowx": re.compile(
        r"\b(right now|rn|now|tonight|tonite|just now|at the moment|atm|omw|on (his|her|"
        r"their|the) way|currently|as we speak|outside|here)\b"),
}


def normalise(text: str) -> str:
    text = (text or "").lower().replace("’", "'")
    words = " ".join(TEXT_SPEAK.get(word, word) for word in _WORD.findall(text))
    markers = [name for name, pattern in CONTEXT_MARKERS.items() if pattern.search(words)]
    return " ".join([words] + markers)


@dataclass(frozen=True)
class Example:
    text: str
    category: str  # a kind in REPLY_KIND, or a kind of calm message
    reply_kind: Optional[str] = None  # for an example whose category is not a kind

    @property
    def label(self) -> str:
        return self.reply_kind or REPLY_KIND.get(self.category, CALM)


def read_groups(path: Path) -> List[Tuple[str, str, str]]:
    """(side, kind, text) from a file shaped `crisis: {kind: [text, ...]}` and `calm:
    {...}` (a plain list under a side is of kind "all")."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    found = []
    for side in ("crisis", "calm"):
        groups = data.get(side) or {}
        if isinstance(groups, list):
            groups = {"all": groups}
        found += [(side, kind, str(text)) for kind, texts in groups.items()
                  for text in texts or []]
    return found


def read_examples(paths: Iterable[Path]) -> List[Example]:
    """Training examples, by kind; a crisis must be of a kind in REPLY_KIND."""
    found = []
    for path in paths:
        for side, kind, text in read_groups(path):
            if side == "crisis" and kind not in REPLY_KIND:
                raise ValueError(f"{path}: unknown kind of crisis {kind!r}; "
                                 f"use one of {', '.join(REPLY_KIND)}")
            found.append(Example(text, kind))
    return found


def training_set(folder: Path, nlu_examples: Iterable[Any], danger_intents: Sequence[str],
                 kind_of: Callable[[Any], str]) -> List[Example]:
    """The examples in `folder`; the NLU examples of the first danger intent (`crisis`),
    of the kind `kind_of` says; and every other NLU example, but those of the other
    danger intents (unclear by design), as calm."""
    examples = read_examples(example_files(folder))
    if not any(e.label != CALM for e in examples):
        raise ValueError(f"no crisis examples in {folder}: the crisis classifier needs them")
    for message in nlu_examples:
        intent = message.get("intent")
        if intent == danger_intents[0]:
            examples.append(Example(message.get("text"), "nlu_crisis", kind_of(message)))
        elif intent not in danger_intents:
            examples.append(Example(message.get("text"), "nlu_examples"))
    return examples


def example_files(folder: Path) -> List[Path]:
    return sorted(Path(folder).glob("*.yml"))


def build_model(c: float = 10.0):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                        preprocessor=normalise),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 3), sublinear_tf=True,
                        preprocessor=normalise, token_pattern=r"[a-z0-9']+"),
    )
    classifier = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
    return make_pipeline(features, classifier)


class CrisisModel:
    """A trained classifier; `scores` gives (probability of crisis, likeliest kind)."""

    def __init__(self, pipeline) -> None:
        self.pipeline = pipeline
        self.labels: List[str] = list(pipeline.classes_)

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str], c: float = 10.0) -> "CrisisModel":
        return cls(build_model(c).fit(list(texts), list(labels)))

    def scores(self, texts: Sequence[str]) -> List[Tuple[float, str]]:
        """(probability of crisis, likeliest kind) for each text. With no word it has
        seen in training (keyboard mashing), the classifier would only be guessing from
        letters, so the probability is 0 and the rules alone judge."""
        calm = self.labels.index(CALM)
        features, classifier = self.pipeline.steps[0][1], self.pipeline.steps[-1][1]
        matrix = features.transform(list(texts))
        # the character n-grams come first, then the words
        chars = len(features.transformer_list[0][1].vocabulary_)
        known = matrix[:, chars:].getnnz(axis=1) > 0
        found = []
        for row, has_words in zip(classifier.predict_proba(matrix), known, strict=True):
            if not has_words:
                found.append((0.0, CALM))
                continue
            kinds: Dict[str, float] = {label: p for label, p in zip(self.labels, row, strict=True)
                                       if label != CALM}
            found.append((1.0 - float(row[calm]), max(kinds, key=kinds.get)))
        return found
