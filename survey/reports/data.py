"""The plain, frozen data a synthesis is built from: what `gather` reads and what the PDF, the HTML twin, the CSV
and the stored snapshot all lay out. No database, no Flask."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from survey.rates import RateTable


@dataclass(frozen=True)
class Organisation:
    """One organisation expected to report in the round, and what it consented to."""

    id: int
    name: str
    kind_label: str
    region: str
    response_id: int
    reported: bool
    reported_before: bool  # submitted in the previous round
    publish: bool  # may its report be published (and quoted)
    attributed: bool  # may a quote name it
    label: str  # how a quote names it: its name, or its type and region widened until it is not alone


@dataclass(frozen=True)
class ThemeCount:
    """How many organisations raised a theme in one part of the reports, and the change since the previous round
    over the organisations that reported in both."""

    key: str
    name: str
    organisations: int
    unreviewed: int  # of those, organisations counted only through codes no person has reviewed (drafts only)
    both_now: int | None  # among organisations that reported in both rounds: raising it now
    both_before: int | None  # ... and raising it in the previous round

    @property
    def change(self) -> int | None:
        """Organisations (of those in both rounds) raising the theme now minus those raising it before."""
        return None if self.both_now is None or self.both_before is None else self.both_now - self.both_before


@dataclass(frozen=True)
class Quote:
    """A short illustrative quote: the evidence of a code, and who it is attributed to."""

    theme_key: str
    text: str
    source: str
    answer_id: int
    unreviewed: bool


@dataclass(frozen=True)
class Findings:
    """Themes raised in one part of the reports (a commitment, or challenges across commitments), with quotes."""

    key: str  # "commitment-2", "challenges", "support_wanted"
    title: str
    commitment: int | None
    question_keys: tuple[str, ...]
    themes: tuple[ThemeCount, ...]
    quotes: tuple[Quote, ...]

    @property
    def has_unreviewed(self) -> bool:
        """Whether any figure or quote here rests on unreviewed codes."""
        return any(t.unreviewed for t in self.themes) or any(q.unreviewed for q in self.quotes)


@dataclass(frozen=True)
class Progress:
    """Self-assessed progress on one commitment: how many organisations chose each rating."""

    commitment: int
    title: str
    counts: tuple[int, ...]  # in the order of SynthesisData.ratings
    not_rated: int


@dataclass(frozen=True)
class Measure:
    """One measure of commitment 2 and the organisations that monitor it by ethnicity."""

    key: str
    label: str
    organisations: int


@dataclass(frozen=True)
class Monitoring:
    """What one organisation that allowed naming monitors by ethnicity (commitment 2)."""

    organisation: str
    measures: tuple[str, ...]


@dataclass(frozen=True)
class Rates:
    """Detention rate ratios: every organisation that gave complete figures pooled, and each one consenting."""

    contributing: int
    pooled: RateTable
    by_organisation: tuple[tuple[str, RateTable], ...]


@dataclass(frozen=True)
class ThemeInfo:
    """A theme of the codebook the synthesis used."""

    key: str
    name: str
    description: str


@dataclass(frozen=True)
class ThemeAgreementRow:
    """One theme's agreement between machine and reviewed codes."""

    key: str
    name: str
    reviewed_with_theme: int
    precision: float | None
    recall: float | None
    kappa: float | None


@dataclass(frozen=True)
class Method:
    """How the coding was done and how far the machine and the reviewers agree."""

    codebook_name: str
    codebook_version: int
    themes: tuple[ThemeInfo, ...]
    answers_coded: int
    machine_codes: int
    codes_reviewed: int
    codes_accepted: int
    codes_rejected: int
    codes_added: int
    answers_reviewed: int
    micro_precision: float | None
    micro_recall: float | None
    micro_f1: float | None
    macro_f1: float | None
    agreement: tuple[ThemeAgreementRow, ...]


@dataclass(frozen=True)
class SynthesisData:
    """Everything one synthesis says, gathered from a round."""

    pledge: str
    round_id: int
    round_name: str
    previous_round: str | None
    built_at: str  # ISO date and time, UTC
    draft: bool
    expected: int
    reported: int
    reported_both: int  # organisations that reported in this round and the previous one
    organisations: tuple[Organisation, ...]
    ratings: tuple[tuple[str, str], ...]
    progress: tuple[Progress, ...]
    overall: tuple[ThemeCount, ...]  # themes across every free-text answer, most raised first
    commitments: tuple[Findings, ...]
    across: tuple[Findings, ...]  # challenges and support wanted, across commitments
    measures: tuple[Measure, ...]
    measures_answered: int
    monitoring: tuple[Monitoring, ...]
    rates: Rates
    method: Method

    @property
    def response_rate(self) -> str:
        """ "28 of 33 signatories reported"."""
        return f"{self.reported} of {self.expected} signatories reported"

    @property
    def has_unreviewed(self) -> bool:
        """Whether any figure rests on unreviewed codes (a draft only)."""
        return any(f.has_unreviewed for f in (*self.commitments, *self.across)) or any(
            t.unreviewed for t in self.overall
        )

    @property
    def changes(self) -> tuple[ThemeCount, ...]:
        """The largest changes since the previous round, over organisations in both rounds (largest first)."""
        moved = [t for t in self.overall if t.change]
        return tuple(sorted(moved, key=lambda t: (-abs(t.change or 0), t.name))[:5])

    def snapshot(self) -> dict[str, Any]:
        """The data as JSON-ready values: stored beside a published synthesis."""
        return asdict(self)
