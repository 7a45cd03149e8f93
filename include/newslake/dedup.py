"""Story clusters: the same story under several URLs — an aggregator's copy of an outlet's
article, a lightly edited re-post — grouped so a query can count stories rather than copies.

Method: each text becomes a set of word 5-shingles (lower-cased ``\\w+`` words, so punctuation
and spacing changes do not matter), summarised by a 128-permutation MinHash (datasketch). A
MinHash LSH index (Jaccard threshold 0.6) proposes candidate pairs; a pair joins a cluster when
its estimated Jaccard similarity is at least the threshold; clusters are the connected
components (union-find). Texts shorter than 5 words are their own cluster.

Within a cluster the *canonical copy* is the earliest published article, preferring an original
outlet over an aggregator on ties, then the smaller article_id. ``cluster_id`` is the canonical
copy's ``article_id``, so it is stable: the same story gets the same id whichever day's table
it is computed in, as long as the original is inside the window.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

SHINGLE_WORDS = 5
PERMUTATIONS = 128
JACCARD_THRESHOLD = 0.6
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class ArticleForClustering:
    article_id: str
    source: str
    text: str
    published_at: datetime
    from_aggregator: bool


@dataclass(frozen=True)
class ClusterAssignment:
    article_id: str
    cluster_id: str
    cluster_size: int
    is_canonical_copy: bool


def shingles(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE_WORDS:
        return set()
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def cluster_articles(articles: Iterable[ArticleForClustering]) -> list[ClusterAssignment]:
    from datasketch import MinHash, MinHashLSH

    articles = sorted(articles, key=lambda a: a.article_id)  # deterministic whatever the input order
    parent = {a.article_id: a.article_id for a in articles}

    def root(identifier: str) -> str:
        while parent[identifier] != identifier:
            parent[identifier] = parent[parent[identifier]]
            identifier = parent[identifier]
        return identifier

    index = MinHashLSH(threshold=JACCARD_THRESHOLD, num_perm=PERMUTATIONS)
    signatures: dict[str, MinHash] = {}
    for article in articles:
        words = shingles(article.text)
        if not words:
            continue
        signature = MinHash(num_perm=PERMUTATIONS, seed=1)
        signature.update_batch([w.encode("utf-8") for w in sorted(words)])
        for candidate in index.query(signature):
            if signature.jaccard(signatures[candidate]) >= JACCARD_THRESHOLD:
                parent[root(candidate)] = root(article.article_id)
        index.insert(article.article_id, signature)
        signatures[article.article_id] = signature

    members: dict[str, list[ArticleForClustering]] = {}
    for article in articles:
        members.setdefault(root(article.article_id), []).append(article)
    assignments = []
    for group in members.values():
        canonical = min(group, key=lambda a: (a.published_at, a.from_aggregator, a.article_id))
        for article in group:
            assignments.append(
                ClusterAssignment(
                    article_id=article.article_id,
                    cluster_id=canonical.article_id,
                    cluster_size=len(group),
                    is_canonical_copy=article.article_id == canonical.article_id,
                )
            )
    return sorted(assignments, key=lambda a: a.article_id)
