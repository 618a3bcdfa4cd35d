"""Free-text answers composed from the demo's sentence banks: paragraphs, bullets, openers, quotes and closers."""

from __future__ import annotations

import random
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from survey.demo.content import Colour, Content, DemoOrganisation, Sentence

# Only a sentence starting with one of these can follow "Since our last report, " with its first letter lowered.
SAFE_FIRST_WORDS = frozenset({"We", "Our", "The", "This", "Every", "All", "Much", "Each", "A", "An"})
# The chance that an answer of several paragraphs turns one of them into a bulleted list, by question.
BULLET_P = {
    "actions": 0.15,
    "impact": 0.06,
    "challenges": 0.12,
    "why_pledge": 0.05,
    "changes_since_last": 0.1,
    "support_wanted": 0.3,
}
# The reporting commitment (7) gets brief answers, without the shared sentences.
BRIEF_COMMITMENT = 7


@lru_cache(maxsize=256)
def _local_colour(org: DemoOrganisation, colour: Colour) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(places, community partners, programmes) that stay fixed for one organisation."""
    seeded = random.Random(f"colour:{org.name}")
    places = org.places
    if not places:
        made = {seeded.choice(colour.place_heads) + seeded.choice(colour.place_tails) for _ in range(6)}
        places = tuple(sorted(made))[:3]
    partners: list[str] = []
    while len(partners) < 5:
        style = seeded.random()
        if style < 0.4:
            name = seeded.choice(colour.community_organisations)
        elif style < 0.7:
            community = seeded.choice(colour.communities)
            name = f"{seeded.choice(places)} {community} {seeded.choice(colour.community_suffixes)}"
        else:
            name = f"{seeded.choice(colour.communities)} {seeded.choice(colour.community_suffixes)}"
        if name not in partners:
            partners.append(name)
    programmes = [f"{name} {seeded.choice(colour.programme_suffixes)}" for name in seeded.sample(colour.programmes, 3)]
    return places, tuple(partners), tuple(programmes)


def _money(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return f"£{rng.randint(1, 3)}.{rng.randint(1, 9)} million"
    return f"£{rng.randrange(25, 480, 5)},000"


def _ratio_fall(rng: random.Random) -> str:
    start = rng.uniform(3.4, 5.3)
    return f"from {start:.1f} to {start - rng.uniform(0.3, 1.1):.1f}"


def _wres_fall(rng: random.Random) -> str:
    start = rng.uniform(1.45, 2.1)
    return f"from {start:.2f} to {max(1.05, start - rng.uniform(0.15, 0.5)):.2f}"


def _rise_pct(rng: random.Random) -> str:
    start = rng.randint(6, 24)
    return f"from {start}% to {start + rng.randint(2, 11)}%"


def _fall_pct(rng: random.Random) -> str:
    start = rng.randint(22, 41)
    return f"from {start}% to {start - rng.randint(5, 15)}%"


def _ethn_rise(rng: random.Random) -> str:
    start = rng.randint(58, 81)
    return f"from {start}% to {rng.randint(max(start + 6, 88), 98)}%"


def _recovery_cmp(rng: random.Random) -> str:
    first = rng.randint(47, 58)
    return f"{first}%, compared with {first - rng.randint(3, 10)}%"


# Figures are drawn afresh at each use, so two sentences of one answer rarely quote the same number.
NUMBER_SLOTS = {
    "n": lambda rng: str(rng.randint(3, 24)),
    "n_people": lambda rng: str(rng.randrange(60, 460, 5)),
    "big": lambda rng: f"{rng.randrange(250, 3200, 10):,}",
    "pct": lambda rng: f"{rng.randint(8, 45)}%",
    "pct_hi": lambda rng: f"{rng.randint(34, 61)}%",
    "pct_lo": lambda rng: f"{rng.randint(11, 29)}%",
    "pct_high": lambda rng: f"{rng.randint(88, 98)}%",
    "pp": lambda rng: str(rng.randint(3, 14)),
    "money": _money,
    "rate_x": lambda rng: f"{rng.uniform(3.1, 5.2):.1f}",
    "target_rr": lambda rng: f"{rng.uniform(2.0, 3.0):.1f}",
    "rr_fall": _ratio_fall,
    "wres_fall": _wres_fall,
    "rise_pct": _rise_pct,
    "fall_pct": _fall_pct,
    "ethn_rise": _ethn_rise,
    "recovery_cmp": _recovery_cmp,
    "weeks": lambda rng: str(rng.randint(6, 18)),
}


class _Slots(dict):
    """Lazily filled template values for one answer: names stay fixed within it, figures vary per use."""

    def __init__(self, rng: random.Random, content: Content, org: DemoOrganisation) -> None:
        super().__init__()
        self.rng, self.content, self.org = rng, content, org
        self.partner_order: list[str] | None = None
        self.partner_index = 0

    def _partner(self, partners: tuple[str, ...]) -> str:
        """The next community partner, cycling through the organisation's partners."""
        if self.partner_order is None:
            self.partner_order = self.rng.sample(partners, len(partners))
        name = self.partner_order[self.partner_index % len(self.partner_order)]
        self.partner_index += 1
        return name

    def _pair(self, key: str, pool: tuple[str, ...]) -> None:
        first, second = self.rng.sample(pool, 2)
        self[key.rstrip("2")] = first
        self[key.rstrip("2") + "2"] = second

    def __missing__(self, key: str) -> str:
        rng, org, colour = self.rng, self.org, self.content.colour
        words = self.content.kind_words[org.kind]
        places, partners, programmes = _local_colour(org, colour)
        sticky = {
            "org": lambda: org.name,
            "short": lambda: org.short or org.name,
            "region": lambda: org.region,
            "kind_noun": lambda: words.noun,
            "us": lambda: words.us,
            "board": lambda: rng.choice(words.boards),
            "lead_role": lambda: rng.choice(words.lead_roles),
            "prog": lambda: rng.choice(programmes),
            "univ": lambda: rng.choice(colour.universities),
            "staff_network": lambda: rng.choice(colour.staff_networks),
        }
        if key in ("cog", "cog2"):
            return self._partner(partners)
        pairs = {"place": places, "group": colour.groups}
        base = key.rstrip("2")
        if base in pairs:
            self._pair(key, pairs[base])
            return self[key]
        if key in sticky:
            self[key] = sticky[key]()
            return self[key]
        if key == "month":
            return rng.choice(colour.months)
        return NUMBER_SLOTS[key](rng)


class _Extra(dict):
    """Extra named values layered over an answer's slots."""

    def __init__(self, slots: _Slots, **values: str) -> None:
        super().__init__(values)
        self.slots = slots

    def __missing__(self, key: str) -> str:
        return self.slots[key]


def _fits(bank: tuple[Sentence, ...], org: DemoOrganisation, round_number: int) -> list[Sentence]:
    return [sentence for sentence in bank if sentence.fits(org.kind, round_number)]


def _lower_first(text: str) -> str:
    """Lower-case the first letter of a sentence when its first word is a plain word."""
    if text.split(" ", 1)[0] in SAFE_FIRST_WORDS:
        return text[0].lower() + text[1:]
    return text


def _paragraph_shape(rng: random.Random, *, brief: bool = False) -> list[int]:
    """The number of sentences in each paragraph (fewer when brief)."""
    if brief:
        if rng.random() < 0.3:
            return [rng.choice((1, 2))]
        return [rng.choice((1, 2)), rng.choice((1, 1, 2))]
    if rng.random() < 0.12:
        return [rng.choice((1, 2))]
    count = rng.choices((2, 3, 4), weights=(50, 40, 10))[0]
    return [rng.choices((1, 2, 3), weights=(40, 45, 15))[0] for _ in range(count)]


def _draw_paragraphs(
    rng: random.Random, slots: _Slots, shape: list[int], main: list[Sentence], extra: list[Sentence]
) -> list[list[str]]:
    """Draw filled sentences (mostly from the main bank) and group them into paragraphs."""
    total = sum(shape)
    n_extra = min(len(extra), total // 2, sum(rng.random() < 0.4 for _ in range(total)))
    n_main = min(len(main), total - n_extra)
    picks = rng.sample(main, n_main) + rng.sample(extra, n_extra)
    rng.shuffle(picks)
    texts = [sentence.text.format_map(slots) for sentence in picks]
    paragraphs: list[list[str]] = []
    cursor = 0
    for size in shape:
        chunk = texts[cursor : cursor + size]
        cursor += size
        if chunk:
            paragraphs.append(chunk)
    return paragraphs


def _add_quote(rng: random.Random, slots: _Slots, paragraphs: list[list[str]], bullet_at: int) -> int:
    """Add a short quote from a service user or carer; return the bullet paragraph's new index."""
    text = slots.content.text
    frame = rng.choice(text.quote_frames)
    quote = frame.format_map(_Extra(slots, quote=rng.choice(text.quotes)))
    if len(paragraphs) >= 2 and rng.random() < 0.5:
        position = rng.randint(1, len(paragraphs))
        paragraphs.insert(position, [quote])
        return bullet_at + 1 if 0 <= position <= bullet_at else bullet_at
    others = [i for i in range(len(paragraphs)) if i != bullet_at]
    paragraphs[rng.choice(others)].append(quote)
    return bullet_at


def _render(rng: random.Random, paragraphs: list[list[str]], bullet_at: int, intros: tuple[str, ...]) -> list[str]:
    """Paragraphs as prose, with one optional bulleted list."""
    blocks = []
    for index, sentences in enumerate(paragraphs):
        if index == bullet_at and len(sentences) >= 2:
            items = "\n".join("- " + s.rstrip(".") for s in sentences)
            blocks.append(rng.choice(intros) + "\n" + items)
        else:
            blocks.append(" ".join(sentences))
    return blocks


def _open(rng: random.Random, slots: _Slots, paragraphs: list[list[str]], round_number: int, question: str) -> None:
    """Sometimes start the answer with an opening sentence or a reference to the last report."""
    text = slots.content.text
    openers = _fits(text.openers.get(question, ()), slots.org, round_number)
    if len(paragraphs) >= 2 and openers and rng.random() < 0.4:
        paragraphs[0].insert(0, rng.choice(openers).text.format_map(slots))
    elif round_number >= 2 and question in ("actions", "impact") and rng.random() < 0.3:
        first = paragraphs[0][0]
        if first.split(" ", 1)[0] in SAFE_FIRST_WORDS:
            paragraphs[0][0] = text.since_last_report.format(sentence=_lower_first(first))


def _compose(
    rng: random.Random,
    slots: _Slots,
    round_number: int,
    *,
    primary: tuple[Sentence, ...],
    secondary: tuple[Sentence, ...] = (),
    question: str,
    bullet_p: float = 0.0,
    quote_p: float = 0.0,
    brief: bool = False,
) -> str:
    """Assemble paragraphs of sentences drawn from the banks."""
    text, org = slots.content.text, slots.org
    main, extra = _fits(primary, org, round_number), _fits(secondary, org, round_number)
    shape = _paragraph_shape(rng, brief=brief)
    bullet_at = -1
    intros = text.bullet_intros.get(question, ())
    if len(shape) >= 2 and intros and rng.random() < bullet_p:
        bullet_at = rng.randrange(1, len(shape))
        shape[bullet_at] = rng.choice((3, 4))
    paragraphs = _draw_paragraphs(rng, slots, shape, main, extra)
    if not paragraphs:
        return ""
    if bullet_at >= len(paragraphs):
        bullet_at = -1
    multi = len(paragraphs) >= 2

    _open(rng, slots, paragraphs, round_number, question)
    if quote_p and rng.random() < quote_p:
        bullet_at = _add_quote(rng, slots, paragraphs, bullet_at)
    closing = None
    if multi and question in text.by_commitment and rng.random() < 0.3:
        closing = rng.choice(_fits(text.closers, org, round_number)).text.format_map(slots)

    blocks = _render(rng, paragraphs, bullet_at, intros)
    if closing:
        if bullet_at == len(paragraphs) - 1:
            blocks.append(closing)
        else:
            blocks[-1] += " " + closing
    return "\n\n".join(blocks)


def _goal_sentence(lead: str, sentence: Sentence, slots: _Slots) -> str:
    """A goal (a verb phrase) written as a prose sentence after its lead."""
    goal = sentence.text.format_map(slots).rstrip(".")
    return lead.format_map(_Extra(slots, goal=goal[0].lower() + goal[1:])) + "."


def _goals(rng: random.Random, slots: _Slots, round_number: int) -> str:
    """A next-six-months answer, as bullets or prose."""
    text, org = slots.content.text, slots.org
    goals = _fits(text.questions["goals"], org, round_number)
    roll = rng.random()
    if roll < 0.1:
        picks = rng.sample(goals, rng.choice((1, 2)))
        leads = [*rng.sample(text.goal_brief_leads, 1), text.goal_also]
        return " ".join(_goal_sentence(lead, goal, slots) for lead, goal in zip(leads, picks, strict=False))
    if roll < 0.45:
        picks = rng.sample(goals, rng.randint(3, 6))
        intro = rng.choice(text.goal_intros)
        body = intro + "\n" + "\n".join("- " + p.text.format_map(slots).rstrip(".") for p in picks)
        if rng.random() < 0.4:
            body += "\n\n" + rng.choice(_fits(text.closers, org, round_number)).text.format_map(slots)
        elif rng.random() < 0.5:
            body = text.goals_preamble + "\n\n" + body
        return body
    leads = list(text.goal_leads)
    rng.shuffle(leads)
    picks = rng.sample(goals, rng.randint(3, 6))
    sizes = {3: (1, 2), 4: (2, 2), 5: (2, 3), 6: (2, 2, 2)}[len(picks)]
    paragraphs = []
    cursor = 0
    for size in sizes:
        chunk = picks[cursor : cursor + size]
        paragraphs.append(
            " ".join(_goal_sentence(leads[(cursor + i) % len(leads)], goal, slots) for i, goal in enumerate(chunk))
        )
        cursor += size
    return "\n\n".join(paragraphs)


def answer(
    rng: random.Random,
    content: Content,
    *,
    question: str,
    commitment: int | None,
    org: DemoOrganisation,
    round_number: int,
) -> str:
    """Free text answering one (checked) question of a progress report."""
    text = content.text
    slots = _Slots(rng, content, org)
    if commitment is not None and question in text.by_commitment:
        quote_p = 0.2 if question == "impact" or (question == "actions" and commitment == 3) else 0.0
        brief = commitment == BRIEF_COMMITMENT
        return _compose(
            rng,
            slots,
            round_number,
            primary=text.by_commitment[question][commitment],
            secondary=() if brief else text.shared[question],
            question=question,
            bullet_p=BULLET_P[question],
            quote_p=quote_p,
            brief=brief,
        )
    if question == "changes_since_last":
        if round_number < 2 and rng.random() < 0.5:
            return text.first_report_changes.format_map(slots)
        round_number = max(round_number, 2)
    if question == "goals":
        return _goals(rng, slots, round_number)
    return _compose(
        rng, slots, round_number, primary=text.questions[question], question=question, bullet_p=BULLET_P[question]
    )
