"""One PubMed record (a <PubmedArticle> or <PubmedBookArticle> element) to rows, added by column name.

Elements are looked up among their parent's children, never validated against the DTD: any element
may be missing and then gives a null (or an empty list), and elements we do not know are ignored, so one
odd record never costs the batch. One pass over the children is several times faster than an
ElementPath search per field, and this runs once per article of the corpus. The DTD is not loaded, so
its attribute defaults are applied here: MajorTopicYN="N", KeywordList Owner="NLM", ValidYN="Y",
CompleteYN="Y".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lxml import etree

from pipeline.parquet.columns import Columns, TableColumns
from pipeline.sources.pubmed.normalise.dates import PartialDate, parse_pub_date, parse_ymd
from pipeline.sources.pubmed.normalise.registry_ids import (
    CLINICALTRIALS_GOV,
    TRIAL_REGISTRIES,
    nct_ids_in_text,
    normalise_accession,
)

# Publication types that make a record a report of a (randomised or phased) clinical trial: exactly
# these NLM PublicationType names, no others (not "Clinical Trial", "Controlled Clinical Trial",
# "Pragmatic Clinical Trial" nor "Randomized Controlled Trial, Veterinary").
RCT_REPORT_TYPES = frozenset(
    {
        "Randomized Controlled Trial",
        "Clinical Trial, Phase I",
        "Clinical Trial, Phase II",
        "Clinical Trial, Phase III",
        "Clinical Trial, Phase IV",
    }
)
REVIEW_TYPES = frozenset({"Review", "Systematic Review", "Meta-Analysis"})

# NLM's label for an abstract section that has no heading; PubMed does not show it.
_HIDDEN_LABEL = "UNLABELLED"


# Table name -> its rows; keys and schemas as schemas.ARTICLE_TABLES.
Tables = dict[str, TableColumns]


def text_of(elem: etree._Element | None) -> str | None:
    """All text inside an element (italics, sub/superscripts, MathML included), whitespace collapsed."""
    if elem is None:
        return None
    text = "".join(elem.itertext()) if len(elem) else elem.text
    if not text:
        return None
    return " ".join(text.split()) or None


def _children(elem: etree._Element | None) -> dict[str, etree._Element]:
    """First child of each tag; empty for a missing element, so lookups below need no None checks."""
    found: dict[str, etree._Element] = {}
    if elem is not None:
        for child in elem:
            found.setdefault(child.tag, child)
    return found


def _all(elem: etree._Element | None, tag: str) -> list[etree._Element]:
    return [] if elem is None else [child for child in elem if child.tag == tag]


def _texts(elems: list[etree._Element]) -> list[str]:
    return [text for text in map(text_of, elems) if text is not None]


def abstract_text(abstract: etree._Element | None) -> str | None:
    """Sections joined as "LABEL: text" so the structure survives in one searchable string."""
    parts = []
    for section in _all(abstract, "AbstractText"):
        text = text_of(section)
        if text is None:
            continue
        label = " ".join((section.get("Label") or "").split())
        parts.append(f"{label}: {text}" if label and label.upper() != _HIDDEN_LABEL else text)
    return " ".join(parts) or None


def _authors(author_list: etree._Element | None) -> tuple[str | None, int, bool | None]:
    """First author, number of authors and completeness; authors NLM flagged invalid (ValidYN=N) are out."""
    if author_list is None:
        return None, 0, None
    authors = [a for a in _all(author_list, "Author") if a.get("ValidYN", "Y") != "N"]
    first = None
    if authors:
        lead = _children(authors[0])
        first = text_of(lead.get("CollectiveName"))
        if first is None:
            last = text_of(lead.get("LastName"))
            initials = text_of(lead.get("Initials")) or text_of(lead.get("ForeName"))
            first = " ".join(part for part in (last, initials) if part) or None
    return first, len(authors), author_list.get("CompleteYN", "Y") != "N"


def _author_list(*parents: etree._Element | None) -> etree._Element | None:
    """The authors' list, not the editors' (book records carry both)."""
    for parent in parents:
        for author_list in _all(parent, "AuthorList"):
            if author_list.get("Type", "authors") == "authors":
                return author_list
    return None


def _pages(pagination: etree._Element | None) -> str | None:
    parts = _children(pagination)
    medline = text_of(parts.get("MedlinePgn"))
    if medline is not None:
        return medline
    start, end = text_of(parts.get("StartPage")), text_of(parts.get("EndPage"))
    return f"{start}-{end}" if start and end else start


def _article_id(id_lists: list[etree._Element | None], id_type: str) -> str | None:
    for id_list in id_lists:
        for article_id in _all(id_list, "ArticleId"):
            if article_id.get("IdType") == id_type:
                value = text_of(article_id)
                if value is not None:
                    return value
    return None


def _elocation_doi(parent: etree._Element | None) -> str | None:
    for location in _all(parent, "ELocationID"):
        if location.get("EIdType") == "doi" and location.get("ValidYN", "Y") != "N":
            return text_of(location)
    return None


def _add_keywords(pmid: str, parent: etree._Element | None, column: Columns) -> None:
    for keyword_list in _all(parent, "KeywordList"):
        owner = keyword_list.get("Owner") or "NLM"
        for keyword in _all(keyword_list, "Keyword"):
            text = text_of(keyword)
            if text is not None:
                column["pmid"].append(pmid)
                column["keyword"].append(text)
                column["major"].append(keyword.get("MajorTopicYN") == "Y")
                column["owner"].append(owner)


def _add_mesh(pmid: str, mesh_list: etree._Element | None, column: Columns) -> None:
    """One row per descriptor and qualifier; a descriptor without qualifiers gets one row of its own."""
    for heading in _all(mesh_list, "MeshHeading"):
        descriptor, qualifiers = None, []
        for child in heading:
            if child.tag == "DescriptorName" and descriptor is None:
                descriptor = child
            elif child.tag == "QualifierName":
                qualifiers.append(child)
        name = text_of(descriptor)
        if descriptor is None or name is None:
            continue
        ui, major = descriptor.get("UI"), descriptor.get("MajorTopicYN") == "Y"
        for qualifier in qualifiers or (None,):
            column["pmid"].append(pmid)
            column["descriptor"].append(name)
            column["descriptor_ui"].append(ui)
            column["descriptor_major"].append(major)
            column["qualifier"].append(text_of(qualifier))
            column["qualifier_ui"].append(None if qualifier is None else qualifier.get("UI"))
            column["qualifier_major"].append(
                None if qualifier is None else qualifier.get("MajorTopicYN") == "Y"
            )


def _add_registry_ids(
    pmid: str,
    data_bank_list: etree._Element | None,
    title: str | None,
    abstract: str | None,
    column: Columns,
) -> None:
    """DataBank accessions, then NCT ids found in the title and abstract; each (registry, accession,
    found_in) once."""
    found: dict[tuple[str, str, str], bool] = {}
    for bank in _all(data_bank_list, "DataBank"):
        parts = _children(bank)
        registry = text_of(parts.get("DataBankName"))
        if registry is None:
            continue
        for accession in _texts(_all(parts.get("AccessionNumberList"), "AccessionNumber")):
            accession = normalise_accession(registry, accession)
            found[(registry, accession, "databank")] = registry in TRIAL_REGISTRIES
    for found_in, text in (("title", title), ("abstract", abstract)):
        for nct_id in nct_ids_in_text(text):
            found[(CLINICALTRIALS_GOV, nct_id, found_in)] = True
    for (registry, accession, found_in), is_trial_registry in found.items():
        column["pmid"].append(pmid)
        column["registry"].append(registry)
        column["accession"].append(accession)
        column["found_in"].append(found_in)
        column["is_trial_registry"].append(is_trial_registry)


@dataclass(frozen=True, slots=True)
class Publication:
    """What one record says of itself, read from a journal article or a book; rows of ``publications``."""

    pmid: str
    record_kind: str  # "article" or "book_article"
    title: str | None
    abstract: str | None
    journal: str | None
    iso_abbreviation: str | None
    volume: str | None
    issue: str | None
    pages: str | None
    pub_date: PartialDate
    doi: str | None
    pmcid: str | None
    languages: list[str]
    publication_types: list[str]
    author_list: etree._Element | None
    date_revised: date | None


def _add_publication(column: Columns, record: Publication) -> None:
    first_author, author_count, complete = _authors(record.author_list)
    types = set(record.publication_types)
    column["pmid"].append(record.pmid)
    column["record_kind"].append(record.record_kind)
    column["title"].append(record.title)
    column["abstract"].append(record.abstract)
    column["journal"].append(record.journal)
    column["iso_abbreviation"].append(record.iso_abbreviation)
    column["volume"].append(record.volume)
    column["issue"].append(record.issue)
    column["pages"].append(record.pages)
    column["pub_date_raw"].append(record.pub_date.raw)
    column["pub_date"].append(record.pub_date.value)
    column["pub_date_precision"].append(record.pub_date.precision)
    column["year"].append(record.pub_date.year)
    column["doi"].append(record.doi)
    column["pmcid"].append(record.pmcid)
    column["languages"].append(record.languages)
    column["publication_types"].append(record.publication_types)
    column["first_author"].append(first_author)
    column["author_count"].append(author_count)
    column["author_list_complete"].append(complete)
    column["is_rct_report"].append(not types.isdisjoint(RCT_REPORT_TYPES))
    column["is_review"].append(not types.isdisjoint(REVIEW_TYPES))
    column["date_revised"].append(record.date_revised)


def add_journal_article(elem: etree._Element, tables: Tables) -> bool:
    """A <PubmedArticle>; False (no rows) when it has no PMID, as nothing could key its rows."""
    record = _children(elem)
    citation = _children(record.get("MedlineCitation"))
    pmid = text_of(citation.get("PMID"))
    if pmid is None:
        return False
    article_elem = citation.get("Article")
    article = _children(article_elem)
    journal = _children(article.get("Journal"))
    issue = _children(journal.get("JournalIssue"))
    pubmed_ids = _children(record.get("PubmedData")).get("ArticleIdList")
    title = text_of(article.get("ArticleTitle"))
    abstract = abstract_text(article.get("Abstract"))
    publication = Publication(
        pmid=pmid,
        record_kind="article",
        title=title,
        abstract=abstract,
        journal=text_of(journal.get("Title")),
        iso_abbreviation=text_of(journal.get("ISOAbbreviation")),
        volume=text_of(issue.get("Volume")),
        issue=text_of(issue.get("Issue")),
        pages=_pages(article.get("Pagination")),
        pub_date=parse_pub_date(issue.get("PubDate")),
        doi=_article_id([pubmed_ids], "doi") or _elocation_doi(article_elem),
        pmcid=_article_id([pubmed_ids], "pmc"),
        languages=_texts(_all(article_elem, "Language")),
        publication_types=_texts(_all(article.get("PublicationTypeList"), "PublicationType")),
        author_list=_author_list(article_elem),
        date_revised=parse_ymd(citation.get("DateRevised")),
    )
    _add_publication(tables["publications"].columns, publication)
    _add_mesh(pmid, citation.get("MeshHeadingList"), tables["publication_mesh"].columns)
    _add_keywords(pmid, record.get("MedlineCitation"), tables["publication_keywords"].columns)
    _add_registry_ids(
        pmid, article.get("DataBankList"), title, abstract, tables["publication_registry_ids"].columns
    )
    return True


def add_book_article(elem: etree._Element, tables: Tables) -> bool:
    """A <PubmedBookArticle>: a whole book or a chapter (then `journal` holds the book's title)."""
    record = _children(elem)
    document_elem = record.get("BookDocument")
    document = _children(document_elem)
    pmid = text_of(document.get("PMID"))
    if pmid is None:
        return False
    book_elem = document.get("Book")
    book = _children(book_elem)
    book_title = text_of(book.get("BookTitle"))
    chapter_title = text_of(document.get("ArticleTitle"))
    title = chapter_title or book_title
    abstract = abstract_text(document.get("Abstract"))
    id_lists = [document.get("ArticleIdList"), _children(record.get("PubmedBookData")).get("ArticleIdList")]
    publication = Publication(
        pmid=pmid,
        record_kind="book_article",
        title=title,
        abstract=abstract,
        journal=book_title if chapter_title else None,
        iso_abbreviation=None,
        volume=text_of(book.get("Volume")),
        issue=None,
        pages=_pages(document.get("Pagination")),
        pub_date=parse_pub_date(book.get("PubDate")),
        doi=_article_id(id_lists, "doi") or _elocation_doi(book_elem),
        pmcid=_article_id(id_lists, "pmc"),
        languages=_texts(_all(document_elem, "Language")),
        publication_types=_texts(_all(document_elem, "PublicationType")),
        author_list=_author_list(document_elem, book_elem),
        date_revised=parse_ymd(document.get("DateRevised")),
    )
    _add_publication(tables["publications"].columns, publication)
    _add_keywords(pmid, document_elem, tables["publication_keywords"].columns)
    _add_registry_ids(pmid, None, title, abstract, tables["publication_registry_ids"].columns)
    return True
