"""Searching what people typed, with the database's full-text index.

Whole words, in any case; every word must appear somewhere in the conversation, and
each "quoted phrase" as written, word after word. Words are not stemmed (PostgreSQL's
'simple' configuration), so te reo Māori words and misspellings are found as typed.
PostgreSQL finds them through a GIN index on `to_tsvector('simple', text)`, SQLite
through the FTS5 table `typed_messages_fts`; both are made by records/migrations.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, List, Tuple

import sqlalchemy as sa

from records.conversation_log import typed_messages

FTS_TABLE = "typed_messages_fts"
# More terms than this are ignored: each is one index lookup.
MAX_TERMS = 8
# A word as SQLite's unicode61 tokenizer sees it: letters and digits.
_WORD = re.compile(r"[^\W_]+")
_TERM = re.compile(r'"([^"]*)"?|([^\s"]+)')
_SIMPLE = sa.literal_column("'simple'")


@dataclass(frozen=True)
class Term:
    text: str               # as typed, for PostgreSQL's parser to split as it split the text
    words: Tuple[str, ...]  # for FTS5


def terms(query: str) -> List[Term]:
    """Each "quoted phrase" and each other word of the query, if it has any letters or
    digits (a word like `faq/cost` is the phrase `faq cost`)."""
    query = unicodedata.normalize("NFC", query).lower()
    found = []
    for quoted, bare in _TERM.findall(query):
        text = quoted or bare
        words = tuple(_WORD.findall(text))
        if words:
            found.append(Term(text, words))
    return found[:MAX_TERMS]


def matching(dialect: str, sender_id: Any, query: str, index_first: bool = True) -> Any:
    """A condition on `sender_id` (a column) that the conversation holds every term of
    `query`; nothing matches a query with no words at all.

    `index_first`: gather the conversations holding the word from the index before
    anything else (DISTINCT; several terms always are, by INTERSECT). Otherwise
    PostgreSQL may check conversations one by one, newest first, until a page is full:
    fastest for a common word, but each check recomputes the words of the
    conversation's messages, twenty times the cost it expects, and for a rare word it
    took seconds (console/queries.py decides).
    """
    found = terms(query)
    if not found:
        return sa.false()
    holding = [_holding(dialect, term) for term in found]
    if len(holding) > 1:  # each term's conversations from the index, then those in all
        return sender_id.in_(sa.intersect(*holding))
    return sender_id.in_(holding[0].distinct() if index_first else holding[0])


def _holding(dialect: str, term: Term) -> Any:
    """The conversations whose typed messages hold `term`."""
    t = typed_messages.c
    if dialect == "postgresql":
        found = sa.func.to_tsvector(_SIMPLE, t.text).op("@@")(
            sa.func.phraseto_tsquery(_SIMPLE, sa.bindparam(None, term.text, sa.Text)))
        return sa.select(t.sender_id).where(found)
    fts = sa.table(FTS_TABLE, sa.column("rowid"))
    phrase = '"' + " ".join(term.words) + '"'  # letters and digits only: nothing to escape
    return (sa.select(t.sender_id).select_from(typed_messages.join(fts, fts.c.rowid == t.id))
            .where(sa.literal_column(FTS_TABLE).op("MATCH")(
                sa.bindparam(None, phrase, sa.Text))))
