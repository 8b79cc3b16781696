"""Reasons a person can read for a spam_score: which features of this comment pushed it towards spam
(or ham), turned into short sentences quoting the comment as written.

Every quoted word is a span of the comment as the commenter typed it (``models.text.spans``), never
the normalised form the features read (``стаття``, not ``ctattr``); a feature whose text cannot be
found in the comment gives no reason."""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.pipeline import Pipeline

from models.lexicon import LEXICON_FEATURES, describe, prior_contributions
from models.text import extract_links, find_spaced_runs, normalize_text
from models.text.spans import quote


#: At most this many reasons per comment.
MAX_REASONS = 5
#: The reason given for a ham comment with no ham- or spam-leaning feature to show.
NO_SIGNALS = "No spam signals found"

_GAMBLING_RE = re.compile(
    r"(slot|gacor|togel|toto|judi|judol|maxwin|jackpot|scatter|freebet|freechip|casino|"
    r"kasino|poker|taruhan|bandar|rungkad|zeus|olympus|mahjong|pragmatic|depo|deposit|"
    r"withdraw|\bwd\b|\bjp\b|4d\b|\brtp\b|betting|\bbet\b|\bspin\b|cuan|bocoran|sgp|"
    r"wisdomtoto|menang)",
)
_MARKERS = {"urlx", "urlshort", "phonex", "emailx"}
_QUOTED_RE = re.compile(r'"([^"]+)"')
#: Reasons naming one plain word; they are joined into one reason of up to this many words.
_WORDING = ("Spam-typical wording ", "Ordinary wording ")
MAX_GROUPED_WORDS = 5

# Units that act as a per-data-set intercept rather than a reason a person can use:
# the constant "no comment_type" token and the length of the message.
_NOT_REASONS = (("metatok", "ctype_none"), ("signal", "log_length"))
# Words too common to show a person as a reason (English and Indonesian).
_STOPWORDS = frozenset(
    """a an the and or of to in on at is are was be it its this that i me my you your we
    he she they for with as by from not no so do if but all can have has just
    di ke dan yang ini itu ya ga gak nya aja juga ada dari untuk dengan dalam saya aku
    kamu kita kami dia mereka tidak bukan sudah udah lagi pada atau jadi kalau kok sih
    deh dong kan mau bisa our does did also only well too far before after should
    would could there there's think then than very much more some any one about what
    when how who which here out up""".split()
)
_PUNCT_STRIP = "\"'.,;:!?()[]{}<>*#~`“”‘’…-_/\\|"

_SIGNAL_SENTENCES: dict[str, str] = {
    "n_links": "Contains links",
    "has_shortener": "Link through a URL shortener",
    "lookalike_share": "Look-alike Unicode letters",
    "non_ascii_share": "Many characters outside plain Latin letters (emoji, symbols, other scripts)",
    "spaced_runs": "Spaced-out letters",
    "digit_ratio": "Many digits",
    "upper_ratio": "Mostly capital letters",
    "has_phone": "Contains a phone number",
    "author_lookalike_share": "Look-alike Unicode letters in the author name",
    "author_has_url": "Author gives a website",
    "author_url_mismatch": "Author website differs from the site",
}
_HAM_SIGNAL_SENTENCES: dict[str, str] = {
    "upper_ratio": "Ordinary use of capital letters",
    "non_ascii_share": "Ordinary characters",
    "digit_ratio": "Few digits",
}



_LEX_INDEX = {f: i for i, f in enumerate(LEXICON_FEATURES)}


#: Kinds of feature column: a char n-gram (shared out to words), a unit of its own, or no reason.
_CHAR, _UNIT, _NONE = 0, 1, 2
#: Char n-gram columns of the words seen, per explainer (a word's n-grams do not depend on the comment):
#: at most this many words, each at most ``WORD_CACHE_MAX_CHARS`` long (longer ones are not memoised),
#: so the memo stays a few MB however many distinct comments a worker reads.
WORD_CACHE_SIZE = 8_192
WORD_CACHE_MAX_CHARS = 40


def _unit_of(name: str) -> tuple[str, str] | None:
    """The reason unit ``(kind, term)`` of feature column ``name`` (``("char", ngram)`` for a char
    n-gram; ``None`` for a block that gives no reason)."""
    block, _, rest = name.partition("__")
    if block == "text":
        kind, _, term = rest.partition("__")
        if kind == "char":
            return ("char", term)
        return ("phrase", term) if " " in term else ("word", term)
    if block == "meta":
        return ("signal", rest)
    if block in ("metatok", "lexicon"):
        return (block, rest)
    return None


class Explainer:
    """Turns a linear model's per-feature contributions into sentences.

    Contribution of feature ``j`` for one comment = ``x_j * w_j`` where ``w`` is the
    linear model's weight vector (LogisticRegression/LinearSVC ``coef_``; ComplementNB:
    difference of the class log-probabilities), oriented so that positive = spam-ward
    (the sigmoid calibration is monotone). Character n-gram contributions are shared out
    to the words of the normalised text they occur in, word unigrams join their word, so
    a reason names a word or phrase of *this* comment.

    The grouping of columns into units is worked out once here (per column: its kind, its unit
    id in :attr:`unit_keys`, its lexicon position), so a comment's row is grouped with NumPy.
    """

    def __init__(self, pipeline: Pipeline, prior: Mapping[str, float] | None = None) -> None:
        self.prior = dict(prior or {})
        ct = pipeline.named_steps["features"]
        clf = pipeline.named_steps["clf"]
        names = ct.get_feature_names_out()
        self.names: list[str] = [str(n) for n in names]
        weights = []
        for cc in clf.calibrated_classifiers_:
            est = cc.estimator
            if hasattr(est, "coef_"):
                w = np.asarray(est.coef_, dtype=np.float64).ravel()
            else:  # ComplementNB
                flp = np.asarray(est.feature_log_prob_, dtype=np.float64)
                w = flp[1] - flp[0]
            sign = 1.0
            cal = cc.calibrators[0]
            if hasattr(cal, "a_") and cal.a_ > 0:  # sigmoid: p = 1 / (1 + exp(a f + b))
                sign = -1.0
            weights.append(sign * w)
        self.w = np.mean(weights, axis=0)
        self.char_analyzer = None
        for name, trans, _ in ct.transformers_:
            if name == "text":
                union = trans.named_steps["tfidf"]
                for sub_name, sub in union.transformer_list:
                    if sub_name == "char":
                        self.char_analyzer = sub.build_analyzer()
        self._index_columns()
        self._word_columns = functools.lru_cache(maxsize=WORD_CACHE_SIZE)(self._char_columns_of)

    def _index_columns(self) -> None:
        """Per column: kind (:data:`_CHAR`, :data:`_UNIT`, :data:`_NONE`), unit id into
        :attr:`unit_keys` (-1 unless a unit), position in ``LEXICON_FEATURES`` (-1 unless a lexicon
        column with a prior); and the column of each char n-gram term."""
        n = len(self.names)
        self.col_kind = np.full(n, _NONE, dtype=np.int8)
        self.col_unit = np.full(n, -1, dtype=np.int64)
        self.col_lex = np.full(n, -1, dtype=np.int64)
        self.unit_keys: list[tuple[str, str]] = []
        self.char_column: dict[str, int] = {}
        ids: dict[tuple[str, str], int] = {}
        for j, name in enumerate(self.names):
            unit = _unit_of(name)
            if unit is None:
                continue
            if unit[0] == "char":
                self.col_kind[j] = _CHAR
                self.char_column.setdefault(unit[1], j)
                continue
            if unit in _NOT_REASONS:
                continue  # an intercept, never a reason: left out of the units
            self.col_kind[j] = _UNIT
            self.col_unit[j] = ids.setdefault(unit, len(ids))
            if unit[0] == "lexicon" and self.prior and unit[1] in _LEX_INDEX:
                self.col_lex[j] = _LEX_INDEX[unit[1]]
        self.unit_keys = list(ids)
        self._lex_cols = np.flatnonzero(self.col_lex >= 0)

    def _char_columns_of(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        """Columns of the char n-grams of ``word`` that are in the vocabulary, in the order the
        analyzer first yields them, and how often each occurs in the word."""
        assert self.char_analyzer is not None
        grams = Counter(self.char_analyzer(word))
        get = self.char_column.get
        cols = np.fromiter(map(get, grams, itertools.repeat(-1)), dtype=np.int64, count=len(grams))
        counts = np.fromiter(grams.values(), dtype=np.int64, count=len(grams))
        keep = cols >= 0
        return cols[keep], counts[keep]

    def reasons(self, row: sp.csr_matrix, record: Mapping[str, Any], spam: bool) -> list[str]:
        """Up to :data:`MAX_REASONS` sentences for one comment.

        Args:
            row: the comment's feature row, shape ``(1, n_features)``.
            record: the comment record (``content`` is used to name words, runs, links).
            spam: explain spam-ward (top positive) or ham-ward (top negative) features.
        """
        return self._sentences(self.units(row, record), record, spam)

    def units(self, row: sp.csr_matrix, record: Mapping[str, Any]) -> dict[tuple[str, str], float]:
        """Summed contribution per reason unit ``(kind, term)`` of one comment's row, in the order
        the units first occur among the row's columns (char n-gram words last); the intercept units
        of ``_NOT_REASONS`` are left out."""
        idx = row.indices
        vals = row.data.astype(np.float64)
        contrib = vals * self.w[idx]
        kind = self.col_kind[idx]
        if self._lex_cols.size:
            lex = np.flatnonzero((self.col_lex[idx] >= 0) & (vals > 0))
            if lex.size:
                x = np.zeros((1, len(LEXICON_FEATURES)))
                x[0, self.col_lex[idx[lex]]] = vals[lex]
                contrib[lex] += prior_contributions(x, self.prior)[0, self.col_lex[idx[lex]]]
        at = np.flatnonzero(kind == _UNIT)
        uid, first, inverse = np.unique(self.col_unit[idx[at]], return_index=True, return_inverse=True)
        sums = np.bincount(inverse, weights=contrib[at], minlength=uid.size)  # adds in column order
        order = np.argsort(first, kind="stable")
        keys = self.unit_keys
        units: dict[tuple[str, str], float] = {keys[u]: s for u, s in zip(uid[order].tolist(), sums[order].tolist())}
        chars = np.flatnonzero(kind == _CHAR)
        if chars.size and self.char_analyzer is not None:
            self._share_char_ngrams(idx[chars], contrib[chars], record, units)
        return units

    def _share_char_ngrams(
        self, cols: np.ndarray, contrib: np.ndarray, record: Mapping[str, Any], units: dict[tuple[str, str], float]
    ) -> None:
        """Add to ``units`` each word's share of the char n-gram contributions ``contrib`` (of
        columns ``cols``): an n-gram's contribution is split over the words of the normalised
        content by how often each holds it."""
        words = normalize_text(str(record.get("content", ""))).split()
        if not words:
            return
        word_count = Counter(words)
        distinct = list(set(words))
        sort = np.argsort(cols, kind="stable")
        cols, contrib = cols[sort], contrib[sort]
        parts = [self._word_columns(w) if len(w) <= WORD_CACHE_MAX_CHARS else self._char_columns_of(w)
                 for w in distinct]
        sizes = [p[0].size for p in parts]
        gram_cols = np.concatenate([p[0] for p in parts])
        gram_k = np.concatenate([p[1] for p in parts])
        owner = np.repeat(np.arange(len(distinct)), sizes)
        at = np.minimum(np.searchsorted(cols, gram_cols), cols.size - 1)
        seen = np.flatnonzero(cols[at] == gram_cols)  # n-grams of the word that are in this row
        at, owner = at[seen], owner[seen]
        k = gram_k[seen]
        count = np.asarray([word_count[w] for w in distinct], dtype=np.int64)[owner]
        totals = np.bincount(at, weights=k * count, minlength=cols.size)  # occurrences of each n-gram
        # contribution * k * count / total, added up per word in n-gram order, as a loop over them would
        shares = np.bincount(owner, weights=contrib[at] * k * count / totals[at], minlength=len(distinct))
        for w, share in zip(distinct, shares.tolist()):
            if share:
                key = ("word", w.strip(_PUNCT_STRIP) or w)
                units[key] = units.get(key, 0.0) + share

    def _sentences(self, units: dict[tuple[str, str], float], record: Mapping[str, Any], spam: bool) -> list[str]:
        content = str(record.get("content", ""))
        ranked = sorted(units.items(), key=lambda kv: kv[1], reverse=spam)
        out: list[str] = []
        used_words: set[str] = set()
        quotes: set[str] = set()
        words: list[str] = []
        group_at: int | None = None
        if spam:
            top = ranked[0][1] if ranked else 0.0
            floor = max(0.05, 0.08 * top)
        else:
            top = -ranked[0][1] if ranked else 0.0
            floor = max(0.05, 0.08 * top)
        for (kind, term), c in ranked:
            strength = c if spam else -c
            if strength < floor or len(out) >= MAX_REASONS:
                break
            sentence = (describe(term, record) if spam else "") if kind == "lexicon" else \
                self._sentence(kind, term, content, spam, used_words)
            quoted = _QUOTED_RE.search(sentence) if sentence else None
            if quoted and quoted.group(1).lower() in quotes:  # the same words named by a stronger reason
                continue
            if quoted and sentence.startswith(_WORDING):  # plain words share one reason
                quotes.add(quoted.group(1).lower())
                if group_at is None:
                    group_at = len(out)
                    out.append(sentence)
                if len(words) < MAX_GROUPED_WORDS:
                    words.append(quoted.group(1))
                continue
            if sentence and sentence not in out:
                out.append(sentence)
                if quoted:
                    quotes.add(quoted.group(1).lower())
                if kind == "phrase":
                    used_words.update(term.split())
        if group_at is not None and len(words) > 1:
            label = "Spam-typical words" if spam else "Ordinary words"
            out[group_at] = f"{label} " + ", ".join(f'"{w}"' for w in words)
        if not out:
            out = ["No clear spam or ham signal"] if spam else [NO_SIGNALS]
        return out

    @staticmethod
    def _link_sentence(content: str, shortener: bool) -> str:
        links = extract_links(content)
        doms = [link.domain for link in links if link.shortener]
        if shortener or (doms and len(doms) == len(links)):
            return f"Link through URL shortener {doms[0]}" if doms else "Link through a URL shortener"
        if len(links) == 1:
            written = quote(content, links[0].domain)
            plain = written is not None and written.lower() == links[0].domain
            return f"Link to {links[0].domain}" + ("" if plain or written is None else f' (written "{written}")')
        return f"Contains {len(links)} links" if links else "Contains links"

    def _sentence(self, kind: str, term: str, content: str, spam: bool, used_words: set[str]) -> str:
        if kind in ("word", "phrase"):
            if term in _MARKERS or term.startswith(("urldom_", "maildom_")):
                if not spam:
                    return ""
                if term == "urlshort":
                    return self._link_sentence(content, shortener=True)
                if term == "phonex":
                    return "Contains a phone number"
                if term == "emailx" or term.startswith("maildom_"):
                    return "Contains an e-mail address"
                return self._link_sentence(content, shortener=False)
            if kind == "word" and term in used_words:
                return ""
            if all(t in _STOPWORDS for t in term.split()):
                return ""
            if any(t in _MARKERS or t.startswith(("urldom_", "maildom_")) for t in term.split()):
                return self._link_sentence(content, shortener="urlshort" in term) if spam else ""
            if len(term) < 2 or term.isdigit():
                return ""
            written = quote(content, term)
            if written is None:
                return ""
            if spam:
                if _GAMBLING_RE.search(term):
                    return f'Gambling term "{written}"'
                return f'Spam-typical wording "{written}"'
            return f'Ordinary wording "{written}"'
        if kind == "signal":
            if not spam:
                return _HAM_SIGNAL_SENTENCES.get(term, "")
            if term == "spaced_runs":
                runs = find_spaced_runs(content)
                written = quote(content, runs[0], max_chars=24) if runs else None
                if written:
                    return f'Spaced-out letters "{written}"'
            if term in ("n_links", "has_shortener"):
                return self._link_sentence(content, shortener=term == "has_shortener")
            return _SIGNAL_SENTENCES.get(term, "")
        if kind == "lexicon":
            return describe(term, {"content": content}) if spam else ""
        if kind == "metatok":
            if not spam:
                return ""
            if term == "linkshort":
                return self._link_sentence(content, shortener=True)
            if term.startswith("linkdom_"):
                return self._link_sentence(content, shortener=False)
            if term.startswith("authdom_"):
                return "Author website " + term[len("authdom_") :].replace("_", ".")
            if term.startswith("maildom_"):
                return "Author e-mail domain " + term[len("maildom_") :].replace("_", ".")
            if term.startswith("ctype_") and term != "ctype_none":
                return "Comment type " + term[len("ctype_") :]
        return ""
