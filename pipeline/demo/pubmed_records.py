"""Real recorded PubMed articles, cut out of EFetch documents byte for byte, with the entry date that
PubMed's ``edat`` filter uses: what the E-utilities stand-in serves."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lxml import etree

FALLBACK_ENTREZ_DATE = date(2000, 1, 1)
ARTICLE_PATTERN = re.compile(rb"<(PubmedArticle|PubmedBookArticle)(?:\s[^>]*)?>.*?</\1>", re.DOTALL)
MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}


@dataclass(frozen=True)
class RecordedArticle:
    """One recorded ``<PubmedArticle>`` element, its bytes untouched, plus what a search filters on."""

    pmid: str
    entrez_date: date
    xml: bytes
    source_file: str


def load_articles(
    folders: Iterable[Path], *, default_date: date = FALLBACK_ENTREZ_DATE
) -> list[RecordedArticle]:
    """Every article element of ``<folder>/*.xml``, in file order, one entry per PMID (first wins)."""
    articles: dict[str, RecordedArticle] = {}
    for folder in folders:
        files = sorted(folder.glob("*.xml"))
        if not files:
            raise FileNotFoundError(f"no recorded PubMed XML under {folder}")
        for path in files:
            for xml in split_articles(path.read_bytes()):
                element = etree.fromstring(xml)
                pmid = (
                    element.findtext("MedlineCitation/PMID") or element.findtext("BookDocument/PMID") or ""
                ).strip()
                if not pmid:
                    raise ValueError(f"{path}: an article without a PMID")
                articles.setdefault(
                    pmid, RecordedArticle(pmid, entrez_date_of(element, default_date), xml, path.name)
                )
    return list(articles.values())


def split_articles(document: bytes) -> list[bytes]:
    """Article elements cut out of the document by byte range, so their bytes stay as recorded."""
    return [match.group(0) for match in ARTICLE_PATTERN.finditer(document)]


def entrez_date_of(article: etree._Element, default: date) -> date:
    """The date PubMed filters ``edat`` on; records transcribed without History fall back to PubDate."""
    for node in article.iterfind(".//PubmedData/History/PubMedPubDate[@PubStatus='entrez']"):
        found = _ymd(node)
        if found:
            return found
    for node in article.iterfind(".//Article/Journal/JournalIssue/PubDate"):
        found = _ymd(node)
        if found:
            return found
    return default


def _ymd(node: etree._Element) -> date | None:
    year = (node.findtext("Year") or "").strip()
    if not year.isdigit():
        return None
    month_text = (node.findtext("Month") or "1").strip()
    month = int(month_text) if month_text.isdigit() else MONTHS.get(month_text[:3].lower(), 1)
    day_text = (node.findtext("Day") or "1").strip()
    day = int(day_text) if day_text.isdigit() else 1
    try:
        return date(int(year), month, day)
    except ValueError:
        return date(int(year), month, 1)
