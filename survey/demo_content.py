"""Realistic, fictional demo content for pledge progress reports (standard library only)."""

from __future__ import annotations

import random
import re
import textwrap
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "COMMITMENTS",
    "KINDS",
    "MEASURES",
    "ORGANISATIONS",
    "QUESTIONS",
    "RATINGS",
    "REGIONS",
    "DemoContact",
    "DemoOrganisation",
    "answer_text",
    "ethnicity_counts",
    "measures",
    "progress_rating",
    "publication_choice",
    "respondent",
]


@dataclass(frozen=True)
class DemoContact:
    """A person at a demo organisation who may respond to a round."""

    name: str
    role: str
    email: str


@dataclass(frozen=True)
class DemoOrganisation:
    """A fictional signatory organisation."""

    name: str
    kind: str
    region: str
    contacts: tuple[DemoContact, ...]


KINDS: tuple[str, ...] = ("nhs_mh_trust", "council", "icb", "partnership", "vcse", "other")
REGIONS: tuple[str, ...] = (
    "North East and Yorkshire",
    "North West",
    "Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
)
QUESTIONS: tuple[str, ...] = (
    "why_pledge",
    "changes_since_last",
    "actions",
    "impact",
    "challenges",
    "goals",
    "support_wanted",
)
COMMITMENTS: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)
RATINGS: tuple[str, ...] = ("not_started", "planning", "early_progress", "good_progress", "embedded")
MEASURES: tuple[str, ...] = (
    "mha_detentions",
    "cto",
    "restrictive_interventions",
    "access_referrals",
    "talking_therapies_recovery",
    "workforce_race_equality",
)
ETHNIC_GROUPS: tuple[str, ...] = ("asian", "black", "mixed", "white", "other")

# --------------------------------------------------------------------------------------------------
# Organisations
# --------------------------------------------------------------------------------------------------

# (name, short name, kind, region, e-mail domain, local places, number of contacts)
_ORG_TABLE: tuple[tuple[str, str, str, str, str, tuple[str, ...], int], ...] = (
    (
        "Northmoor and Dale NHS Foundation Trust",
        "Northmoor and Dale",
        "nhs_mh_trust",
        "North East and Yorkshire",
        "northmoor-dale-nhs.example",
        ("Northmoor", "Ravensholme", "Easby Bridge"),
        3,
    ),
    (
        "Coldwater and Fell NHS Foundation Trust",
        "Coldwater and Fell",
        "nhs_mh_trust",
        "North East and Yorkshire",
        "coldwater-fell-nhs.example",
        ("Coldwater", "Fellside", "Marrick Moor"),
        2,
    ),
    (
        "Brackwater Valley NHS Foundation Trust",
        "Brackwater Valley",
        "nhs_mh_trust",
        "North West",
        "brackwater-nhs.example",
        ("Brackwater", "Ormley", "Hesketh Green"),
        2,
    ),
    (
        "Greyston and Lune Partnership NHS Foundation Trust",
        "Greyston and Lune",
        "nhs_mh_trust",
        "North West",
        "greyston-lune-nhs.example",
        ("Greyston", "Lunedale", "Scarsby"),
        1,
    ),
    (
        "Ardenvale Healthcare NHS Trust",
        "Ardenvale",
        "nhs_mh_trust",
        "Midlands",
        "ardenvale-nhs.example",
        ("Ardenvale", "Kingsmere", "Fosse Park"),
        3,
    ),
    (
        "Trentside Mental Health NHS Foundation Trust",
        "Trentside",
        "nhs_mh_trust",
        "Midlands",
        "trentside-mh-nhs.example",
        ("Trentside", "Brindley Marsh", "Ollerton Vale"),
        2,
    ),
    (
        "Fenmarsh and Ouse Partnership NHS Foundation Trust",
        "Fenmarsh and Ouse",
        "nhs_mh_trust",
        "East of England",
        "fenmarsh-ouse-nhs.example",
        ("Fenmarsh", "Wisby St Clare", "Oulton Staithe"),
        2,
    ),
    (
        "Saxonbury Care NHS Foundation Trust",
        "Saxonbury",
        "nhs_mh_trust",
        "East of England",
        "saxonbury-nhs.example",
        ("Saxonbury", "Chelmer Reach", "Hadlow Green"),
        1,
    ),
    (
        "Eastgate and Leaside NHS Foundation Trust",
        "Eastgate and Leaside",
        "nhs_mh_trust",
        "London",
        "eastgate-leaside-nhs.example",
        ("Eastgate", "Leaside", "Millbank Fields"),
        3,
    ),
    (
        "Southmere and Hollins NHS Foundation Trust",
        "Southmere and Hollins",
        "nhs_mh_trust",
        "London",
        "southmere-hollins-nhs.example",
        ("Southmere", "Hollins Green", "Addison Vale"),
        2,
    ),
    (
        "Chalkhill and Westmere NHS Trust",
        "Chalkhill and Westmere",
        "nhs_mh_trust",
        "London",
        "chalkhill-westmere-nhs.example",
        ("Chalkhill", "Westmere", "Copley Rise"),
        2,
    ),
    (
        "Downland Coast NHS Foundation Trust",
        "Downland Coast",
        "nhs_mh_trust",
        "South East",
        "downland-coast-nhs.example",
        ("Shingle Bay", "Ridgemere", "Downham Cross"),
        2,
    ),
    (
        "Hollowdene Mental Health NHS Foundation Trust",
        "Hollowdene",
        "nhs_mh_trust",
        "South East",
        "hollowdene-nhs.example",
        ("Hollowdene", "Kestrel Heath", "Amberly Cross"),
        1,
    ),
    (
        "Severnmoor Health and Care NHS Foundation Trust",
        "Severnmoor",
        "nhs_mh_trust",
        "South West",
        "severnmoor-nhs.example",
        ("Severnmoor", "Polwenna", "Tamarwick"),
        3,
    ),
    (
        "Brackenfield City Council",
        "Brackenfield",
        "council",
        "Midlands",
        "brackenfield-council.example",
        ("Brackenfield", "St Anselm's", "Copperhill"),
        2,
    ),
    (
        "Ravensworth Metropolitan Borough Council",
        "Ravensworth",
        "council",
        "North West",
        "ravensworth-mbc.example",
        ("Ravensworth", "Holme Clough", "Millbrook Estate"),
        2,
    ),
    (
        "London Borough of Eastmere",
        "Eastmere",
        "council",
        "London",
        "eastmere-council.example",
        ("Eastmere", "Canal Basin", "Northfold"),
        3,
    ),
    (
        "Ashcombe City Council",
        "Ashcombe",
        "council",
        "South West",
        "ashcombe-council.example",
        ("Ashcombe", "Harbourside", "Lower Redcliff"),
        1,
    ),
    (
        "Wyvern County Council",
        "Wyvern",
        "council",
        "South East",
        "wyvern-cc.example",
        ("Wyvernbridge", "Coldharbour", "Eastling Downs"),
        2,
    ),
    (
        "Oakhurst Borough Council",
        "Oakhurst",
        "council",
        "East of England",
        "oakhurst-council.example",
        ("Oakhurst", "Fleetmoor", "Marlpit"),
        2,
    ),
    (
        "Stainmoor Metropolitan Borough Council",
        "Stainmoor",
        "council",
        "North East and Yorkshire",
        "stainmoor-mbc.example",
        ("Stainmoor", "Grindley", "Hawthwaite"),
        1,
    ),
    (
        "Lindenford City Council",
        "Lindenford",
        "council",
        "Midlands",
        "lindenford-council.example",
        ("Lindenford", "Saltmarket", "Whitestone Park"),
        2,
    ),
    (
        "NHS Riverside Integrated Care Board",
        "Riverside",
        "icb",
        "London",
        "riverside-icb.example",
        ("Riverside", "Eastmere", "Leaside"),
        3,
    ),
    (
        "NHS Fellgate and Coast Integrated Care Board",
        "Fellgate and Coast",
        "icb",
        "North East and Yorkshire",
        "fellgate-coast-icb.example",
        ("Fellgate", "Saltburn Point", "Coldwater"),
        2,
    ),
    (
        "NHS Heart of Mercia Integrated Care Board",
        "Heart of Mercia",
        "icb",
        "Midlands",
        "heart-of-mercia-icb.example",
        ("Brackenfield", "Lindenford", "Ardenvale"),
        2,
    ),
    (
        "NHS Anglian Fens Integrated Care Board",
        "Anglian Fens",
        "icb",
        "East of England",
        "anglian-fens-icb.example",
        ("Fenmarsh", "Oakhurst", "Wisby St Clare"),
        1,
    ),
    (
        "NHS Wessex Downs Integrated Care Board",
        "Wessex Downs",
        "icb",
        "South West",
        "wessex-downs-icb.example",
        ("Ashcombe", "Severnmoor", "Tamarwick"),
        2,
    ),
    (
        "Greater Ravensworth Health and Care Partnership",
        "Greater Ravensworth",
        "partnership",
        "North West",
        "greater-ravensworth-hcp.example",
        ("Ravensworth", "Brackwater", "Holme Clough"),
        2,
    ),
    (
        "Kingsmere and Copperhill Health and Wellbeing Partnership",
        "Kingsmere and Copperhill",
        "partnership",
        "Midlands",
        "kingsmere-copperhill-hwp.example",
        ("Kingsmere", "Copperhill", "Fosse Park"),
        3,
    ),
    (
        "Coastal Downs Health and Care Partnership",
        "Coastal Downs",
        "partnership",
        "South East",
        "coastal-downs-hcp.example",
        ("Shingle Bay", "Wyvernbridge", "Ridgemere"),
        1,
    ),
    (
        "Amani Wellbeing Network",
        "Amani",
        "vcse",
        "London",
        "amani-wellbeing.example",
        ("Southmere", "Chalkhill", "Eastgate"),
        2,
    ),
    (
        "Northern Roots Mental Health Collective",
        "Northern Roots",
        "vcse",
        "North East and Yorkshire",
        "northern-roots.example",
        ("Stainmoor", "Northmoor", "Grindley"),
        2,
    ),
    (
        "Hollinsbrook University School of Health Sciences",
        "Hollinsbrook University",
        "other",
        "South West",
        "hollinsbrook-uni.example",
        ("Hollinsbrook", "Ashcombe", "Harbourside"),
        2,
    ),
)

_NAMES: tuple[str, ...] = (
    "Adaeze Okafor",
    "Rajinder Sandhu",
    "Sarah Whitfield",
    "Tunde Adeyemi",
    "Fatima Begum",
    "Michael O'Donnell",
    "Priya Raman",
    "Delroy Campbell",
    "Helen Marsh",
    "Imran Qureshi",
    "Grace Mensah",
    "David Llewellyn",
    "Nasreen Akhtar",
    "Winston Clarke",
    "Catherine Doyle",
    "Kwame Asante",
    "Mei Ling Chan",
    "Andrew Fraser",
    "Yasmin Hussain",
    "Marcia Thompson",
    "Owen Pritchard",
    "Amara Nwosu",
    "Sunita Patel",
    "James Holloway",
    "Hodan Farah",
    "Errol Baptiste",
    "Aisling Murphy",
    "Gurpreet Dhillon",
    "Samuel Boateng",
    "Rachel Kowalski",
    "Tariq Mahmood",
    "Beverley Samuels",
    "Ciaran Walsh",
    "Abimbola Adebayo",
    "Lucy Harrington",
    "Mohammed Rahman",
    "Joanne Bennett",
    "Neil Chaudhry",
    "Olivia Grant",
    "Zainab Bello",
    "Paul Stephenson",
    "Anjali Mistry",
    "Leroy Francis",
    "Emma Castle",
    "Wei Zhang",
    "Shabana Iqbal",
    "Christopher Ellis",
    "Ngozi Eze",
    "Rhiannon Hughes",
    "Ashok Kumar",
    "Janet Morrison",
    "Femi Oladipo",
    "Claire Ridley",
    "Hamza Ali",
    "Patricia Reid",
    "Dionne Harris",
    "Stuart McKenzie",
    "Farah Siddiqui",
    "Gareth Jones",
    "Chantelle Edwards",
    "Vikram Shah",
    "Bridget Kelly",
    "Emeka Obi",
    "Sophie Tanner",
    "Anil Mehta",
    "Lorraine Douglas",
    "Bilal Hassan",
    "Karen Whitmore",
    "Jerome Wallace",
    "Nadia Karim",
    "Tom Gallagher",
    "Simone Richards",
    "Harpreet Kaur",
    "Daniel Osei",
)

_ROLES: dict[str, tuple[str, ...]] = {
    "nhs_mh_trust": (
        "Chief Executive",
        "Medical Director",
        "Director of Nursing and Quality",
        "Associate Director of Equality, Diversity and Inclusion",
        "Patient and Carer Race Equality Lead",
    ),
    "council": (
        "Director of Public Health",
        "Director of Adult Social Services",
        "Consultant in Public Health",
        "Equality and Inclusion Manager",
    ),
    "icb": (
        "Chief Executive",
        "Chief Medical Officer",
        "Head of Mental Health Commissioning",
        "Health Inequalities Programme Lead",
    ),
    "partnership": (
        "Executive Lead, Strategy and System Development",
        "Programme Director for Mental Health",
        "Population Health Lead",
    ),
    "vcse": ("Chief Executive", "Director of Services", "Community Engagement Lead"),
    "other": ("Head of School", "Professor of Social Psychiatry", "Research Fellow"),
}


def _email_local(name: str) -> str:
    """Turn a full name into a firstname.lastname mailbox."""
    parts = [re.sub(r"[^a-z]", "", part.lower()) for part in name.split()]
    return "".join(parts[:-1]) + "." + parts[-1]


def _build_organisations() -> tuple[DemoOrganisation, ...]:
    """Build the fixed tuple of demo organisations from the table above."""
    names = iter(_NAMES)
    orgs = []
    for name, _short, kind, region, domain, _places, n_contacts in _ORG_TABLE:
        roles = _ROLES[kind]
        contacts = []
        for index in range(n_contacts):
            person = next(names)
            email = f"{_email_local(person)}@{domain}"
            contacts.append(DemoContact(person, roles[index % len(roles)], email))
        orgs.append(DemoOrganisation(name, kind, region, tuple(contacts)))
    return tuple(orgs)


ORGANISATIONS: tuple[DemoOrganisation, ...] = _build_organisations()
_SHORT: dict[str, str] = {row[0]: row[1] for row in _ORG_TABLE}
_PLACES: dict[str, tuple[str, ...]] = {row[0]: row[5] for row in _ORG_TABLE}


def respondent(org: DemoOrganisation) -> DemoContact:
    """Return the contact who responds for the organisation (the first one)."""
    return org.contacts[0]


# --------------------------------------------------------------------------------------------------
# Local colour: places, community partners, programmes
# --------------------------------------------------------------------------------------------------

_COMMUNITIES = (
    "African Caribbean",
    "Somali",
    "Bangladeshi",
    "Kashmiri",
    "Sikh",
    "Tamil",
    "Chinese",
    "Eritrean",
    "Polish",
    "Black Men's",
    "Muslim Women's",
    "Caribbean Elders'",
    "Gypsy and Traveller",
    "Nigerian",
    "Vietnamese",
    "Yemeni",
    "Kurdish",
    "Roma",
    "Pakistani",
    "Refugee and Migrant",
)
_COMMUNITY_SUFFIXES = (
    "Wellbeing Network",
    "Mental Health Forum",
    "Community Association",
    "Carers' Group",
    "Women's Centre",
    "Youth Project",
    "Support Trust",
    "Health Collective",
    "Family Project",
    "Befriending Service",
)
_NAMED_COMMUNITY_ORGS = (
    "Sankofa Minds",
    "Nafsi Wellbeing",
    "Roshni Women's Project",
    "Ubuntu Circle",
    "Harmony House",
    "Baobab Community Trust",
    "Kinara Carers",
    "Anchor Point CIC",
    "Mosaic Minds",
    "Shanti Wellbeing",
    "Jamii Hub",
    "Sahara Mental Health",
    "Open Table Project",
    "Umoja Collective",
    "Lotus Family Support",
    "Bridges Together CIC",
    "Hope Street Community Project",
    "Akoma Wellbeing",
    "Noor Centre",
    "Phoenix Elders",
)
_PROGRAMME_NAMES = (
    "Bridging Minds",
    "Open Doors",
    "Common Ground",
    "Safe Harbour",
    "Roots to Recovery",
    "Equal Footing",
    "Fair Chance",
    "Listening Circles",
    "Healing Together",
    "Community Connectors",
    "First Steps",
    "Thrive Together",
    "Unlocking Care",
    "Whole Family",
    "Our Voices",
    "Culture of Care",
    "Same Page",
    "Kinship",
    "Breathing Space",
    "Rooted",
)
_PROGRAMME_SUFFIXES = ("programme", "pilot", "project", "initiative", "partnership")
_UNIVERSITIES = (
    "the University of Hollinsbrook",
    "Kingsmere University",
    "the Fenmarsh Institute of Health Research",
    "the University of Northmoor",
    "Ardenvale University",
    "Eastgate College London",
)
_GROUPS = (
    "Black African",
    "Black Caribbean",
    "Bangladeshi",
    "Pakistani",
    "Somali",
    "Gypsy, Roma and Traveller",
    "Eastern European",
    "Chinese",
    "Indian",
    "Mixed White and Black Caribbean",
    "Arab",
    "Kurdish",
)
_STAFF_NETWORKS = (
    "Race Equality Network",
    "BAME Staff Network",
    "REACH staff network",
    "Black and Minority Ethnic Staff Network",
    "Ethnic Minority Staff Network",
    "Race and Culture Network",
)
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_KIND_NOUN = {
    "nhs_mh_trust": "a mental health trust",
    "council": "a local authority",
    "icb": "an integrated care board",
    "partnership": "a health and care partnership",
    "vcse": "a community organisation",
    "other": "a university school",
}
_US = {
    "nhs_mh_trust": "the trust",
    "council": "the council",
    "icb": "the ICB",
    "partnership": "the partnership",
    "vcse": "our organisation",
    "other": "the school",
}
_BOARDS = {
    "nhs_mh_trust": ("the trust board", "our Quality Committee", "the board's People and Culture Committee"),
    "council": ("the Health and Wellbeing Board", "the council's cabinet", "our Health Scrutiny Committee"),
    "icb": ("the ICB board", "the ICB quality committee", "the mental health programme board"),
    "partnership": ("the partnership board", "the mental health programme board", "the leadership group"),
    "vcse": ("our board of trustees", "our trustees", "our community advisory board"),
    "other": ("the school's executive group", "the university's equality committee", "our governing council"),
}
_LEAD_ROLES = {
    "nhs_mh_trust": ("medical director", "director of nursing", "chief executive", "director of inclusion"),
    "council": ("director of public health", "director of adult social services", "lead member for health"),
    "icb": ("chief medical officer", "director of nursing and quality", "executive lead for mental health"),
    "partnership": ("executive lead for mental health", "programme director", "population health lead"),
    "vcse": ("chief executive", "director of services"),
    "other": ("head of school", "professor of social psychiatry"),
}
_FALLBACK_SYLLABLES = (
    ("Ash", "Brack", "Elm", "Fern", "Hol", "Mar", "Thorn", "Wil"),
    ("ford", "ley", "by", "wick"),
)


def _org_seed(org: DemoOrganisation, topic: str) -> random.Random:
    """Return a random generator seeded from the organisation name (stable across runs)."""
    return random.Random(f"{topic}:{org.name}")


@lru_cache(maxsize=256)
def _local_colour(org: DemoOrganisation) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Return (places, community partners, programmes) that stay fixed for one organisation."""
    places = _PLACES.get(org.name)
    seeded = _org_seed(org, "colour")
    if places is None:
        heads, tails = _FALLBACK_SYLLABLES
        places = tuple(sorted({seeded.choice(heads) + seeded.choice(tails) for _ in range(6)}))[:3]
    partners: list[str] = []
    while len(partners) < 5:
        style = seeded.random()
        if style < 0.4:
            name = seeded.choice(_NAMED_COMMUNITY_ORGS)
        elif style < 0.7:
            community = seeded.choice(_COMMUNITIES)
            name = f"{seeded.choice(places)} {community} {seeded.choice(_COMMUNITY_SUFFIXES)}"
        else:
            name = f"{seeded.choice(_COMMUNITIES)} {seeded.choice(_COMMUNITY_SUFFIXES)}"
        if name not in partners:
            partners.append(name)
    programmes = []
    for prog in seeded.sample(_PROGRAMME_NAMES, 3):
        programmes.append(f"{prog} {seeded.choice(_PROGRAMME_SUFFIXES)}")
    return places, tuple(partners), tuple(programmes)


def _short_name(org: DemoOrganisation) -> str:
    """Return a short form of the organisation name."""
    return _SHORT.get(org.name, org.name)


class _Slots(dict):
    """Lazily filled template values for one answer; names stay fixed, numbers vary per use."""

    def __init__(self, rng: random.Random, org: DemoOrganisation) -> None:
        super().__init__()
        self.rng = rng
        self.org = org
        self.partner_order: list[str] | None = None
        self.partner_index = 0

    def _partner(self, partners: tuple[str, ...]) -> str:
        """Return the next community partner, cycling through the organisation's partners."""
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
        rng, org = self.rng, self.org
        places, partners, programmes = _local_colour(org)
        sticky = {
            "org": lambda: org.name,
            "short": lambda: _short_name(org),
            "region": lambda: org.region,
            "kind_noun": lambda: _KIND_NOUN.get(org.kind, "an organisation"),
            "us": lambda: _US.get(org.kind, "our organisation"),
            "board": lambda: rng.choice(_BOARDS.get(org.kind, _BOARDS["other"])),
            "lead_role": lambda: rng.choice(_LEAD_ROLES.get(org.kind, _LEAD_ROLES["other"])),
            "prog": lambda: rng.choice(programmes),
            "univ": lambda: rng.choice(_UNIVERSITIES),
            "staff_network": lambda: rng.choice(_STAFF_NETWORKS),
        }
        if key in ("cog", "cog2"):
            return self._partner(partners)
        pairs = {"place": places, "group": _GROUPS}
        base = key.rstrip("2")
        if base in pairs:
            self._pair(key, pairs[base])
            return self[key]
        if key in sticky:
            self[key] = sticky[key]()
            return self[key]
        return self._number(key)

    def _number(self, key: str) -> str:
        """Return a fresh figure for a numeric slot."""
        maker = _NUMBER_SLOTS.get(key)
        if maker is None:
            raise KeyError(key)
        return maker(self.rng)


def _money(rng: random.Random) -> str:
    """Return a plausible sum of money."""
    if rng.random() < 0.2:
        return f"£{rng.randint(1, 3)}.{rng.randint(1, 9)} million"
    return f"£{rng.randrange(25, 480, 5)},000"


def _ratio_fall(rng: random.Random) -> str:
    """Return a falling detention rate ratio, e.g. 'from 4.1 to 3.4'."""
    start = rng.uniform(3.4, 5.3)
    return f"from {start:.1f} to {start - rng.uniform(0.3, 1.1):.1f}"


def _wres_fall(rng: random.Random) -> str:
    """Return a falling WRES relative likelihood, e.g. 'from 1.62 to 1.31'."""
    start = rng.uniform(1.45, 2.1)
    return f"from {start:.2f} to {max(1.05, start - rng.uniform(0.15, 0.5)):.2f}"


def _rise_pct(rng: random.Random) -> str:
    """Return a modest rising percentage, e.g. 'from 9% to 14%'."""
    start = rng.randint(6, 24)
    return f"from {start}% to {start + rng.randint(2, 11)}%"


def _fall_pct(rng: random.Random) -> str:
    """Return a falling percentage, e.g. 'from 31% to 19%'."""
    start = rng.randint(22, 41)
    return f"from {start}% to {start - rng.randint(5, 15)}%"


def _ethn_rise(rng: random.Random) -> str:
    """Return an improvement in ethnicity recording completeness."""
    start = rng.randint(58, 81)
    return f"from {start}% to {rng.randint(max(start + 6, 88), 98)}%"


def _recovery_cmp(rng: random.Random) -> str:
    """Return a recovery rate compared with a lower service average."""
    first = rng.randint(47, 58)
    return f"{first}%, compared with {first - rng.randint(3, 10)}%"


_NUMBER_SLOTS = {
    "n": lambda rng: str(rng.randint(3, 24)),
    "n_people": lambda rng: str(rng.randrange(60, 460, 5)),
    "big": lambda rng: f"{rng.randrange(250, 3200, 10):,}",
    "pct": lambda rng: f"{rng.randint(8, 45)}%",
    "pct_hi": lambda rng: f"{rng.randint(34, 61)}%",
    "pct_lo": lambda rng: f"{rng.randint(11, 29)}%",
    "pct_high": lambda rng: f"{rng.randint(88, 98)}%",
    "pp": lambda rng: str(rng.randint(3, 14)),
    "money": _money,
    "month": lambda rng: rng.choice(_MONTHS),
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


# --------------------------------------------------------------------------------------------------
# Sentence banks
# --------------------------------------------------------------------------------------------------
# Each bank is a block of sentences separated by blank lines. A sentence may carry flags:
# "T:" NHS mental health trusts only, "P:" providers (trusts and VCSE), "C:" councils, ICBs and
# partnerships, "R2:" later rounds only. Slots in braces are filled from _Slots.

_FLAG_KINDS = {
    "T": frozenset({"nhs_mh_trust"}),
    "P": frozenset({"nhs_mh_trust", "vcse"}),
    "C": frozenset({"council", "icb", "partnership"}),
}


@dataclass(frozen=True)
class _Sentence:
    """A template sentence with the organisation kinds and rounds it suits."""

    text: str
    kinds: frozenset[str] | None
    later_rounds_only: bool

    def fits(self, kind: str, round_number: int) -> bool:
        """Return whether the sentence suits this organisation kind and round."""
        if self.later_rounds_only and round_number < 2:
            return False
        return self.kinds is None or kind in self.kinds


def _bank(block: str) -> tuple[_Sentence, ...]:
    """Parse a block of blank-line separated sentences into templates."""
    sentences = []
    for chunk in textwrap.dedent(block).strip().split("\n\n"):
        text = " ".join(line.strip() for line in chunk.splitlines() if line.strip())
        kinds: frozenset[str] | None = None
        later = False
        while True:
            match = re.match(r"^(T|P|C|R2):\s*", text)
            if not match:
                break
            flag = match.group(1)
            if flag == "R2":
                later = True
            else:
                kinds = _FLAG_KINDS[flag]
            text = text[match.end() :]
        sentences.append(_Sentence(text, kinds, later))
    return tuple(sentences)


_ACTIONS: dict[int, tuple[_Sentence, ...]] = {}
_IMPACT: dict[int, tuple[_Sentence, ...]] = {}
_CHALLENGES: dict[int, tuple[_Sentence, ...]] = {}

# Commitment 1: fundamental service level change ---------------------------------------------------
_ACTIONS[1] = _bank("""
    We have established the {prog}, a culturally adapted early intervention in psychosis pathway
    co-designed with {cog} and delivered from community venues in {place}.

    T: Our crisis teams now offer an assessment within four hours at a community hub in {place}, staffed
    jointly with peer support workers from {cog}, as an alternative to attending the emergency department.

    We commissioned {cog} to provide a culturally appropriate talking therapies offer for {group}
    residents, with {n} therapists who between them speak most of the community languages in {place}.

    T: Every inpatient ward has completed a review of its admission and discharge practice using an
    equality lens, led by ward managers with support from our Patient and Carer Race Equality lead.

    T: A new Black mental health liaison role now sits within our home treatment team, working with
    families in {place} to prevent admission where it is safe to do so.

    C: We have redesigned the community mental health transformation programme so that {pct_hi} of the new
    funding goes to the neighbourhoods in {place} and {place2} with the largest ethnic minority populations.

    We piloted open-access drop-in sessions at {n} mosques, gurdwaras, temples and churches in {place},
    offering wellbeing conversations and a direct route into support without needing a GP referral.

    T: We introduced a "culturally informed formulation" section into our care plan template, so that
    clinicians record faith, language, family and experiences of racism alongside clinical need.

    Interpreters are now booked as standard for every first appointment where a language need is known,
    and services no longer need a manager's approval to book one.

    T: Our early intervention in psychosis service has made family intervention the default offer, with
    sessions in the evenings and at weekends for families who cannot attend during working hours.

    C: Through the {prog} we have funded a Black-led crisis café in {place}, open four evenings a week and
    staffed by people with lived experience of mental health services.

    T: We have reviewed every route into our acute wards, starting with police and Section 136 pathways,
    because this is where the differences by ethnicity are starkest.

    Following listening events with {cog}, we changed the referral process for adult community services
    so that people can self-refer by phone or WhatsApp in {n} languages.

    A "safe space" alternative to admission has opened in {place}, jointly run with {cog}, for people in
    crisis who might otherwise have been admitted to hospital.

    C: We have rewritten the service specifications for adult mental health so that every provider must
    report access, experience and outcomes by ethnicity and set out how it will close the gaps.

    Our perinatal mental health offer now includes outreach with {cog} to reach {group} mothers, who were
    previously under-represented in referrals.

    We appointed a community development worker in {place} who has built relationships with faith leaders,
    barbers, hairdressers and community cafés as informal routes into support.

    T: Clinical leads for psychosis have begun a review of antipsychotic prescribing by ethnicity, including
    depot medication, after concerns were raised by service users and carers.

    Part of our older adults' and memory assessment service has moved into a community centre in
    {place2} that is well used by {group} elders.

    C: We have changed how we commission crisis support, moving from a single block contract to a
    partnership that includes {cog} and two other community providers.
""")

_IMPACT[1] = _bank("""
    Referrals of {group} residents to early intervention rose by {pct} in the six months after the new
    pathway launched, with no change in overall demand.

    Since the crisis hub opened, {big} people have used it; {pct_hi} of them were from Black, Asian or
    other ethnic minority groups, compared with {pct_lo} of mental health attendances at the emergency
    department.

    It is too early to show a change in outcomes, but families tell us they feel listened to for the first
    time.

    Did-not-attend rates for first appointments among {group} patients fell {fall_pct} once interpreters
    were booked routinely.

    Section 136 detentions of Black residents in {place} fell {rr_fall} times the rate for White
    residents over the year.

    Waiting times from referral to assessment for {group} referrals are now in line with the service
    average; a year ago they were {n} days longer.

    The culturally adapted talking therapies offer has a recovery rate of {recovery_cmp} for the service
    as a whole, although numbers are still small.

    Self-referrals through community venues reached {big} in the year, and around a third came from people
    not previously known to any mental health service.

    T: An audit found the culturally informed formulation completed in {pct_hi} of new care plans, and
    staff say they feel more confident discussing race and culture with the people they support.

    T: Uptake of family intervention among Black African and Black Caribbean families doubled, and carers
    told us the evening sessions made the difference.

    We do not yet have robust outcome data and are cautious about claiming impact from small numbers; our
    evaluation with {univ} is due to report in {month}.

    T: Average length of stay for Black patients on our acute wards has fallen by {n} days, narrowing but
    not closing the gap with White patients.

    The crisis café has become a trusted place: {pct_hi} of visitors said they would not have contacted
    statutory services otherwise.

    Community partners tell us trust is slowly being rebuilt, but that it is fragile and depends on us
    keeping our promises.

    Readmissions within 30 days for people from ethnic minority groups fell {fall_pct} over the year.

    C: Providers are now reporting against the new specifications, and for the first time we can see
    access by ethnicity for every commissioned mental health service.

    Fewer people from {group} communities are reaching us for the first time in crisis: the proportion
    whose first contact was with crisis services fell {fall_pct}.
""")

_CHALLENGES[1] = _bank("""
    Vacancies, particularly in community psychiatry and psychology, have slowed the roll-out beyond
    {place}.

    Short-term, non-recurrent funding makes it hard to recruit to new posts; several roles are fixed-term
    until {month} and we risk losing experienced staff.

    T: Demand for acute beds remains very high, and out-of-area placements make it difficult to maintain
    the culturally informed care we are building locally.

    COVID-19 disrupted face-to-face work for long periods, and the move to remote appointments widened
    gaps for people without reliable access to a device or data.

    Changing established clinical practice takes time; some teams still see this as extra work rather
    than core business.

    We have learned that services designed for everyone are not automatically accessible to everyone, and
    redesigning them properly is taking longer than we planned.

    Interpreting capacity for some languages, including Tigrinya, Pashto and Romanes, remains limited,
    particularly out of hours.

    Community partners are stretched and under-resourced, and we must not rely on their goodwill without
    paying for their time.

    Police involvement in crisis pathways remains high and is not within our control alone; we need
    system partners to move with us.

    Data showing whether the changes are making a difference is slow to arrive, which makes it hard to
    sustain momentum with busy clinical teams.

    T: Staff turnover on inpatient wards means training has to be repeated regularly to keep the change
    going.

    There is a tension between national access targets and the slower, relationship-based work that our
    communities tell us builds trust.

    Pilots that have worked well in {place} would need significant recurrent investment to scale across
    our whole footprint.

    C: We commission rather than deliver services, so our influence over day-to-day clinical practice
    depends on contracts and relationships.

    Referral routes through primary care still disadvantage people who are not registered with a GP,
    including people seeking asylum and some Gypsy, Roma and Traveller families.

    Finding premises in the right neighbourhoods has been a real barrier; community venues often lack
    confidential space or step-free access.

    Digital systems were not designed for community-based referrals, so some of the new routes rely on
    manual workarounds.
""")

# Commitment 2: measure, monitor and report --------------------------------------------------------
_ACTIONS[2] = _bank("""
    We have built an inequalities dashboard showing Mental Health Act detentions, community treatment
    orders, restraint and seclusion by ethnicity, updated monthly and reviewed by {board}.

    Completeness of ethnicity recording on our patient record has improved {ethn_rise} following a
    targeted data quality campaign.

    We now publish a quarterly report on Mental Health Act detentions by ethnicity, age and sex, with rates
    per 100,000 using 2021 Census population figures.

    T: Every use of restraint, seclusion and rapid tranquillisation is now recorded with the person's
    ethnicity, and our reducing restrictive practice group reviews the figures ward by ward each month.

    We have linked data with the council and the police so that Section 136 detentions can be followed by
    ethnicity from first contact through to outcome.

    Our analysts produced the first breakdown of community treatment orders by ethnicity, which showed
    that Black patients were {rate_x} times as likely as White patients to be on a CTO.

    We ran a "why ethnicity matters" campaign for reception and administrative staff to reduce the use of
    "not stated" and "not known".

    Talking therapies recovery and reliable improvement rates are now reported by ethnic group in our
    monthly quality report, alongside waiting times.

    C: Ethnicity reporting is now a contractual requirement for every mental health provider we commission,
    with quarterly submissions reviewed by our quality team.

    We have started collecting patient-reported experience measures by ethnicity, with questions
    co-designed with {cog} so that they make sense to the communities we serve.

    Workforce Race Equality Standard data is now reviewed alongside patient data, so that the board sees
    both sides of the picture in one place.

    We have agreed a shared set of inequality indicators with partners across the integrated care system,
    so that every organisation reports on the same measures.

    An equality impact assessment, including data on the ethnicity of the people likely to be affected,
    is now required for every service change.

    Where numbers allow, we now break the broad "Black" and "Asian" categories down into more detailed
    groups, because the aggregate figures were hiding important differences.

    C: Our public health team has produced a mental health needs assessment for ethnic minority
    communities in {place}, drawing on GP, hospital and survey data.

    We hold a monthly "data surgery" where members of {cog} go through the dashboard with our analysts and
    ask the questions we would not have thought to ask.

    T: Use of force is now reported to the board by ethnicity under the Mental Health Units (Use of Force)
    Act, with a narrative explaining what has changed on each ward.
""")

_IMPACT[2] = _bank("""
    For the first time the board can see that Black residents are detained at {rate_x} times the rate of
    White residents, and this is now a standing item for {board}.

    Detentions of Black residents fell {rr_fall} times the rate of White residents over the last twelve
    months.

    "Not known" and "not stated" ethnicity codes have fallen to {pct_lo} of open referrals, so our figures
    are now reliable enough to act on.

    T: The dashboard has helped teams see their own patterns; one ward found that prone restraint was used
    disproportionately with young Black men and changed its practice.

    T: Use of restraint with Black patients fell by {pct} over the year, a faster fall than for patients as
    a whole.

    Having consistent data across the system has moved the conversation on from whether inequalities
    exist to what we are doing about them.

    We can now show that talking therapies recovery rates for {group} clients are {pp} percentage points
    below the service average, which has prompted a review of the therapy offer.

    Community partners say the published figures give them something concrete to hold us to account on.

    Data is now used routinely in clinical governance meetings, not only in the annual equality report.

    T: The CTO analysis prompted a review of every community treatment order held by a Black patient, and
    {n} were discharged following review.

    Comparison with the national Mental Health Services Data Set shows that we remain above the national
    average for detentions of Black people, which has sharpened our focus.

    To be honest, the main impact so far is better information rather than better outcomes, but without
    it we could not target our effort.

    The rate ratio for community treatment orders between Black and White patients fell {rr_fall} over
    the year.

    T: Seclusion episodes involving Black patients fell {fall_pct} of all seclusions, closer to their share
    of the inpatient population.

    C: Providers' ethnicity returns are now complete enough for us to compare services, and two providers
    have agreed improvement plans as a result.
""")

_CHALLENGES[2] = _bank("""
    Ethnicity recording remains poor in some services, especially crisis and liaison, where recording at
    first contact is difficult.

    Our electronic record makes it hard to extract data by ethnicity without manual work, and analyst
    capacity is limited.

    Small numbers in some ethnic groups mean the figures fluctuate from month to month and must be
    interpreted with care.

    Population denominators are still estimates; the 2021 Census helped, but our local population is
    changing quickly.

    Sharing data between the NHS, the council and the police has been slow because of information
    governance concerns.

    There is a risk that dashboards become an end in themselves; the harder task is turning data into
    action on wards and in teams.

    Broad census categories hide important differences, for example between Black African and Black
    Caribbean residents or between different Asian communities.

    We do not yet collect reliable data on experience by ethnicity, and survey response rates from ethnic
    minority patients are low.

    National data flows lag by several months, so we rely on local data that is not always comparable
    with other areas.

    Staff sometimes feel uncomfortable asking people about their ethnicity, and patients are not always
    told why it matters.

    The analyst posts funded for this work are temporary and end in {month}.

    C: Providers report to us in different formats and with different definitions, which makes
    system-level comparison difficult.

    T: We have struggled to link restraint data from the incident reporting system with ethnicity from the
    patient record.

    Some of our figures make uncomfortable reading, and there has been understandable anxiety about
    publishing them.

    Recording of religion, language and sexual orientation, which matter for intersectional analysis, lags
    well behind ethnicity.

    Data on children and young people is particularly patchy, as CAMHS providers use several different
    systems.
""")

# Commitment 3: partnership with communities -------------------------------------------------------
_ACTIONS[3] = _bank("""
    We have set up a community reference group of {n} members, including people with lived experience,
    carers and representatives of {cog} and {cog2}; it meets monthly and members are paid for their time.

    We co-produced our new crisis pathway with {cog}, holding {n} workshops in {place} with service users
    and families.

    C: Our small grants programme has awarded {money} to {n} Black and minoritised community organisations
    for mental health and wellbeing projects.

    We introduced a payment and recognition policy so that everyone who contributes lived experience is
    paid fairly and promptly.

    Faith leaders from {n} places of worship in {place} have completed Mental Health First Aid training,
    delivered jointly with {cog}.

    We hold quarterly "tell us straight" listening events at which community members speak directly to
    executive directors, without an agenda set by us.

    Our partnership with {cog} has moved from one-off engagement to a three-year agreement with recurrent
    funding.

    P: Peer support workers recruited from local communities now work alongside our community teams in
    {place}.

    We worked with {cog} to rewrite the information given to people detained under the Mental Health Act,
    and to their families, in plain English and {n} community languages.

    A memorandum of understanding with {cog} sets out how we will share power, information and resources,
    with a named executive sponsor.

    Black-led organisations now sit on our mental health programme board as equal partners rather than as
    invited guests.

    Carers' groups from {group} communities helped us redesign how families are involved in ward reviews
    and discharge planning.

    We funded {cog} to run a young people's wellbeing programme in schools and youth clubs across {place}.

    We commissioned an independent, community-led review of people's experiences of our services, carried
    out by {cog} through {n_people} conversations and interviews.

    Our engagement team has moved out of headquarters and now works from community settings in {place2}
    for part of every week.

    We co-hosted a community conference with {cog}, attended by {n_people} people, at which local residents
    set our priorities for the year ahead.

    C: We are testing a community commissioning panel in {place}, where residents and {cog} help decide
    which local projects are funded.
""")

_IMPACT[3] = _bank("""
    The community reference group has changed decisions: it challenged our original choice of site, and the
    crisis hub is now in {place} on its advice.

    Organisations funded through the grants programme have reached {big} people, many of whom had never
    been in contact with mental health services.

    Partners say the relationship now feels more equal, although they are clear that trust is earned over
    years, not months.

    Referrals from community organisations have increased by {pct} since the partnership agreement began.

    People with lived experience co-authored our new strategy, and their language is in it, including the
    word "racism".

    Faith leaders report feeling more confident to talk about mental health and knowing how to help someone
    get support.

    {pct_hi} of carers surveyed after the redesign said they now feel involved in care planning, up from
    {pct_lo} a year earlier.

    The community-led review gave us uncomfortable but essential findings, which are now driving our action
    plan.

    Attendance at engagement events has grown because they are held in places people already go.

    The youth programme has reached {n_people} young people, and {pct_hi} say they now know where to go if
    they are struggling.

    Community partners are now involved at the start of service design rather than consulted at the end.

    Several smaller organisations used our funding to attract further grants, strengthening their long-term
    sustainability.

    Families tell us the co-produced information helped them understand their rights under the Mental
    Health Act for the first time.

    It is hard to quantify, but staff say working alongside community partners has changed how they think
    about their own practice.

    P: Peer support workers have supported {n_people} people, and those supported were less likely to
    disengage after discharge.

    C: The community commissioning panel has already redirected {money} to grassroots groups that would not
    have met our standard procurement criteria.
""")

_CHALLENGES[3] = _bank("""
    Community organisations have limited capacity and are asked to engage by many statutory bodies at once;
    engagement fatigue is real.

    Procurement rules make it difficult to fund small, grassroots organisations that cannot meet standard
    tender requirements.

    Trust is low in some communities after years of poor experiences, and we have to acknowledge harm
    honestly before partnership is possible.

    Paying people for their time has raised questions about benefits and tax that we are still working
    through.

    Some voices are still missing, including newer migrant communities, young Black men and Gypsy, Roma and
    Traveller families.

    Short grant cycles mean partners spend too much time applying for funding and reporting on it rather
    than delivering.

    We have sometimes moved at the pace of our own governance rather than the pace our partners needed.

    COVID-19 restrictions limited face-to-face engagement, and not everyone could take part online.

    There is a risk of relying on a handful of community leaders who are then asked to represent everyone.

    Sharing power is uncomfortable for a large organisation, and some decisions are still made before
    communities are involved.

    Turning co-produced ideas into changes in commissioned services takes longer than anyone would like.

    Community partners have told us plainly that they are tired of consultation that leads nowhere.

    We lack a shared way of measuring the value of community partnership that satisfies both our board and
    our partners.

    Staff turnover in community organisations, often caused by insecure funding, means relationships have to
    be rebuilt.

    C: Most of our mental health spend is still with large providers, and shifting money to community
    organisations has been slow.
""")

# Commitment 4: national leadership ----------------------------------------------------------------
_ACTIONS[4] = _bank("""
    Our {lead_role} has spoken at {n} national events this year about our learning, including the NHS
    Confederation Mental Health Network and National Pledge Alliance sessions.

    We responded to the national consultation on reform of the Mental Health Act, focusing on the
    over-representation of Black people among those detained.

    T: We are an early adopter of the Patient and Carer Race Equality Framework and have shared our
    approach with other trusts in the {region} region.

    Our {lead_role} co-chairs a regional network on race equality in mental health that brings together {n}
    organisations.

    We hosted a learning visit for colleagues from {n} other Pledge Makers to see our work in {place}.

    We wrote to national bodies setting out the case for recurrent funding for Black-led community
    organisations.

    C: Our director of public health led a session for public health colleagues nationally on ethnicity and
    mental health.

    We have published our learning, including what has not worked, as a short case study for other
    organisations.

    We sit on the National Pledge Alliance steering group and help plan its programme of shared learning
    sessions.

    Our equality lead contributes to a national working group on ethnicity data standards in mental health.

    We have been open about our own data in national forums, including the figures that do not reflect well
    on us.

    Board members have taken part in a reverse mentoring programme and have spoken publicly about what they
    learned.

    We co-hosted a national webinar on anti-racist practice in mental health with {cog}, attended by
    {n_people} people.

    We have shared local data and case studies with the NHS Race and Health Observatory.

    We gave evidence to a parliamentary inquiry on community mental health, drawing on the experiences of
    local residents.

    T: We joined a national peer network of organisations working to reduce restrictive practice, sharing
    data on restraint by ethnicity.
""")

_IMPACT[4] = _bank("""
    Other organisations have adopted parts of our approach, including the community reference group model.

    National visibility has strengthened commitment locally; it is harder to step back from a public
    promise.

    T: Our part in the PCREF early adopter programme helped shape national guidance on involving
    communities.

    National impact is difficult to measure, but our case study has been downloaded more than {big} times.

    The regional network has agreed a shared set of indicators, so organisations can compare progress for
    the first time.

    We have had direct requests for advice from {n} organisations planning similar programmes.

    Being part of the Pledge Alliance has given staff confidence that they are part of something bigger
    than one organisation.

    Our evidence on Mental Health Act reform was cited in the government's consultation response.

    It has opened conversations with national funders that we would not otherwise have had.

    Speaking openly about our own shortcomings has encouraged others to do the same, which makes shared
    learning more honest.

    Colleagues from other regions have visited {place} and taken the learning back to their own systems.

    The regional network has given smaller organisations, including councils with limited public mental
    health capacity, a route to support.

    We are still working out what national leadership means for an organisation of our size, and the impact
    so far is modest.

    The learning visits led to a joint research funding bid with two other Pledge Makers.

    Our leaders report that national conversations have become more direct about racism since we signed the
    pledge.
""")

_CHALLENGES[4] = _bank("""
    National leadership competes with pressing local operational demands, and senior leaders' time is
    limited.

    There are many national initiatives on health inequalities, and it is not always clear how they fit
    together.

    We are wary of presenting ourselves as experts when our own outcomes are still unequal.

    Changes in national policy and leadership have made it hard to keep the focus on race equality.

    There is no dedicated resource for sharing our learning beyond our own organisation.

    The end of national funding for some programmes has left uncertainty about what will continue.

    Influencing national policy needs evidence that we are only beginning to generate.

    Turnover among senior leaders means national relationships have had to be rebuilt.

    C: Council and public health perspectives are often missing from NHS-led national discussions, and we
    have struggled to find the right forum.

    Speaking out publicly about racism can attract criticism, and leaders need support to do so.

    The timetable for Mental Health Act reform has slipped, which makes it hard to plan around.

    Balancing regional and national roles with our own organisational accountability has been difficult.

    Some national data requirements do not match the measures our communities say matter most.

    There is no national mechanism to hold organisations to account for progress on race equality in mental
    health.

    The costs of national engagement fall unfairly on community partners, who are rarely funded to take
    part.
""")

# Commitment 5: inclusive and sustainable change locally -------------------------------------------
_ACTIONS[5] = _bank("""
    The inequalities work has moved from a project to business as usual: it is part of our five-year
    strategy and our annual operating plan.

    C: We have secured recurrent funding of {money} a year for the community grants programme, replacing a
    one-off allocation.

    Every directorate now has a race equality objective in its business plan, reviewed at quarterly
    performance meetings.

    The board formally committed to becoming an anti-racist organisation and published an anti-racism action
    plan with measurable commitments.

    We have set up a race equality committee of the board, chaired by a non-executive director.

    All staff have been offered anti-racism training, and {pct_hi} of senior leaders have completed the full
    programme.

    Interview panels for senior posts now include a trained inclusion ambassador, and we have set targets
    for ethnic minority representation at senior levels.

    T: We have adopted the Patient and Carer Race Equality Framework as the organising framework for all of
    our inequalities work.

    Our staff networks, including the {staff_network}, now have a formal role and protected time, and the
    chair reports directly to the board.

    C: Reducing inequalities is now part of our social value criteria, so every contract must show how the
    provider will contribute.

    We are working through the place-based partnership in {place} so that mental health sits alongside
    housing, employment and education.

    We have invested in a network of community connectors in {place} who help people find support before
    they reach crisis.

    We changed our complaints process so that concerns about racism and discrimination are logged as such
    and answered within {n} working days.

    A new equality, diversity and inclusion strategy, co-produced with staff and community partners, was
    launched in {month}.

    Executive directors' objectives now include specific measures on ethnic inequalities, which feed into
    their appraisals.

    We have built an equality impact assessment focused on mental health into our service change process.
""")

_IMPACT[5] = _bank("""
    Race equality is now discussed at every board meeting, not only when a report is due.

    The proportion of senior staff from ethnic minority backgrounds has risen {rise_pct}.

    Our Workforce Race Equality Standard results improved on several indicators, although Black staff remain
    more likely to enter formal disciplinary processes.

    Staff survey scores on experiencing discrimination from colleagues improved by {pp} percentage points.

    Because the funding is recurrent, community partners can plan over three years and recruit permanent
    staff.

    Reports of racist incidents have increased, which we read as a sign of greater confidence to speak up
    rather than more racism.

    Inclusion ambassadors have sat on more than {n_people} interview panels, and the share of appointments
    going to ethnic minority candidates has increased.

    Partners across {place} have agreed shared priorities, so the work no longer depends on a single
    organisation.

    It is still early, and the cultural change we are aiming for will take years, but the direction of travel
    is clear.

    Community connectors have supported {big} people, most of whom were not in contact with any statutory
    service.

    Complaints relating to discrimination are now tracked and themed, and the learning is shared with
    teams.

    The relative likelihood of White applicants being appointed from shortlisting compared with ethnic
    minority applicants fell {wres_fall}.

    Staff network chairs tell us they feel heard, and they have influenced several board decisions.

    The work has survived changes of leadership, which suggests it is becoming embedded.

    Local people tell us they notice the difference when services are delivered by people who understand
    their culture.
""")

_CHALLENGES[5] = _bank("""
    Sustaining change through financial pressures is hard; inequalities work risks being seen as
    discretionary.

    Cultural change is slow and uneven, and some teams are much further ahead than others.

    Recruitment and progression of ethnic minority staff into senior roles remains too slow.

    Staff fatigue since the pandemic has made it harder to introduce new training and ways of working.

    There has been some resistance to anti-racism training, and we have had to be clear about why it
    matters.

    Non-recurrent funding streams make long-term planning difficult.

    Staff from ethnic minority backgrounds often carry the burden of leading this work on top of their day
    jobs.

    Cultural change is hard to measure, and we rely on staff survey data that is only available once a year.

    Reorganisation of commissioning structures has disrupted relationships and momentum.

    The cost-of-living crisis is increasing pressure on communities and services at the same time.

    Holding the whole system to account is difficult when each partner has its own priorities and
    governance.

    We need to make sure change reaches smaller towns and rural areas, not only {place}.

    Changes at board level have meant rebuilding commitment with new members.

    C: Our influence over the culture of the providers we commission is limited to contracts and
    relationships.

    It is difficult to balance visible quick wins with the slower structural change that will make the
    biggest difference.
""")

# Commitment 6: research and policy ----------------------------------------------------------------
_ACTIONS[6] = _bank("""
    We are a research site for a study with {univ} on culturally adapted family intervention for psychosis.

    We have partnered with {univ} to evaluate the {prog}, including a cost-benefit analysis.

    Our research and development team now reports recruitment to studies by ethnicity and has set targets
    to increase participation from under-represented groups.

    We have supported {n} staff from ethnic minority backgrounds into research training or clinical academic
    fellowships.

    Community researchers from {cog} have been trained and paid to carry out interviews for our evaluation.

    We responded to the consultation on the Mental Health Act white paper and contributed to local
    implementation of the Advancing Mental Health Equalities Strategy.

    We commissioned a rapid evidence review of what works to reduce ethnic inequalities in detention, to
    inform our local plans.

    C: Our public health team has published a joint strategic needs assessment chapter on ethnicity and
    mental health.

    We have set up a research and evaluation group with community members to agree priorities for local
    research.

    T: We are taking part in a multi-site study of the experiences of Black people on community treatment
    orders.

    We hosted a research symposium with {univ} to share findings with practitioners and community
    organisations.

    T: We changed our policy on police involvement in inpatient settings following a review of the evidence.

    The board approved a policy on ethical involvement of communities in research, including fair payment
    and feeding back findings.

    We are supporting a PhD at {univ} on pathways into care for young Black men.

    We have shared anonymised data with the National Pledge Alliance to support cross-organisational
    analysis.
""")

_IMPACT[6] = _bank("""
    Participation in research from ethnic minority groups has increased {rise_pct} of all participants.

    The evaluation of the {prog} has helped make the case for recurrent funding.

    Community researchers have gained skills and employment, and two have gone on to paid research roles.

    Findings from the evidence review have informed changes to our Section 136 pathway.

    Our needs assessment has been used by {n} partners to shape their own plans.

    Early findings suggest the culturally adapted intervention is acceptable to families; results on
    effectiveness are expected next year.

    Research priorities are now set with communities, and studies are more relevant to local needs.

    The symposium brought practitioners and researchers together and led to a joint funding bid.

    T: The policy change has reduced police attendance on our inpatient wards by {pct}.

    It is early days; research impact often takes years to become visible.

    Taking part in national studies has raised the profile of this work both internally and externally.

    Staff who completed research training are now leading small evaluations within their own services.

    The data we shared with the Pledge Alliance contributed to the first cross-organisational picture of
    progress.

    Findings have been shared back with participants in accessible formats, which has strengthened trust.

    Policy work has given us a clearer voice in regional discussions about mental health inequalities.
""")

_CHALLENGES[6] = _bank("""
    Research capacity in the organisation is limited and concentrated in a small number of people.

    Ethnic minority participants remain under-represented in research, and building trust takes time.

    Research funding cycles do not match the pace of service change.

    Ethical approval processes can be slow and are not well suited to community-led research.

    Evaluating complex community interventions is difficult, and traditional trial designs may not fit.

    C: Council public health teams have limited research infrastructure compared with NHS trusts.

    Policy changes at national level, including reform of the Mental Health Act, have been delayed.

    Paying community researchers fairly has been complicated by university finance systems.

    We need better links between researchers and practitioners so that findings are actually used.

    Access to data for research is constrained by information governance requirements.

    Clinicians' time for research is squeezed by service pressures.

    Some communities feel over-researched, with little change to show for it.

    By the time findings are published they are sometimes out of date.

    We have not yet found a sustainable way to fund evaluation of smaller community projects.

    The evidence on what works is limited, which makes it harder to make the case for investment.
""")

# Commitment 7: biannual progress update -----------------------------------------------------------
_ACTIONS[7] = _bank("""
    This report was prepared by our equality lead with contributions from service leads, our community
    reference group and the executive team.

    We have built the pledge reporting cycle into our board timetable, so each progress report is approved
    at a public board meeting.

    The report draws on our quarterly inequalities dashboard and the minutes of our race equality steering
    group.

    We shared a draft of this report with {cog} and included their comments before submitting it.

    Our previous progress report is published on our website alongside our equality information.

    A named executive lead is accountable for the pledge, supported by a programme manager.

    We have aligned pledge reporting with our PCREF and Workforce Race Equality Standard reporting to reduce
    duplication.

    R2: We submitted our previous report on time and used the synthesis to benchmark ourselves against other
    Pledge Makers.

    Members of our staff networks reviewed the draft and challenged us where we had overstated progress.

    We keep a simple tracker against the seven commitments, updated monthly by the lead for each
    commitment.

    This report was discussed by {board} before submission.

    We use the reporting cycle as a prompt for a six-monthly review with community partners.

    Our communications team has produced a short public summary of this report.

    C: This is a joint report from partners across our system, coordinated by our mental health programme
    team.

    R2: We reviewed the actions we set out in our last report and have rated each one honestly, including
    those that have slipped.

    Each commitment has a named lead who drafted their section, and the {lead_role} signed off the whole
    report.

    A short workshop in {month} brought together the leads and community partners to agree the ratings.

    We have added the pledge commitments to our corporate risk register, so that slippage is visible.

    Our governors and non-executive directors received a briefing on the report before it was submitted.

    We took part in the National Pledge Alliance session on reporting and changed our approach as a result.

    Evidence for each rating is kept in a shared folder so that it can be checked by our internal audit
    team.
""")

_IMPACT[7] = _bank("""
    The six-monthly cycle keeps the work visible to the board and stops it drifting.

    Reporting has helped us identify gaps, particularly in how we measure outcomes.

    Reading other Pledge Makers' reports has given us ideas, including the community grants approach.

    Public reporting has increased our accountability to local communities.

    Community partners value being asked to comment on our report before it is submitted.

    The discipline of reporting has brought together work that was previously scattered across teams.

    R2: We can now track progress over time against our own previous reports.

    R2: The synthesis report was used in a board development session as a benchmark.

    Reporting has made us more honest about what we have and have not achieved.

    Staff networks say the report gives them a way to hold leaders to account.

    The report prompted a board discussion about where investment is most needed.

    Partners have started using the same structure for their own reporting, which makes system-wide
    discussion easier.

    It has helped new board members understand our commitments quickly.

    Aligning with PCREF reporting has reduced the burden on teams.

    Reporting has shown that our community partners' contribution is often under-recognised, and we have
    changed that.

    The report is now used as the basis of our annual conversation with {cog} about progress.

    Preparing the report surfaced {n} actions that had stalled, which have since been reassigned.

    Staff tell us that seeing the report published makes the commitment feel real.

    The reporting has given our {staff_network} a clear route to raise concerns with the executive team.

    R2: Comparing our ratings across rounds has shown where progress has stalled, particularly on research
    and national leadership.

    Local councillors and governors have started to ask about the pledge, which we attribute to the
    published reports.
""")

_CHALLENGES[7] = _bank("""
    Collating information from across the organisation takes considerable time.

    The reporting cycle does not always line up with our board calendar.

    It can be hard to show impact within a six-month window.

    There is overlap with other reporting requirements, including PCREF, WRES and the Equality Delivery
    System.

    Quantitative data is not always available in time for the reporting deadline.

    We would welcome clearer guidance on what evidence is expected.

    R2: The colleague who wrote our last report has moved on, so we had to rebuild the process.

    C: Coordinating a joint report across partners is complex.

    It has been difficult to involve community partners within the timescale.

    Free text makes it hard to compare our progress with that of others.

    Reporting can feel like a compliance exercise unless it is linked to real decisions.

    We have not yet found a good way to report qualitative change.

    The capacity to write the report sits with a very small team.

    We need to make sure reporting does not become an end in itself.

    Some commitments overlap, so it is not always clear where to report an action.

    Our community partners are asked for input on many reports, and we are conscious of adding to their
    workload without paying for it.

    Pulling together figures from providers and partners depends on colleagues who have many other
    deadlines.

    R2: Our previous report set some actions that turned out to be too ambitious for six months, which made
    this update harder to write.

    The ratings scale does not always capture partial progress, for example where one service is further
    ahead than the rest.

    We would like more feedback on our reports so that we know whether the level of detail is right.
""")

# Shared pools, openers and closers ----------------------------------------------------------------
_SHARED_ACTIONS = _bank("""
    We set up a working group for this commitment, chaired by our {lead_role}, which meets every six weeks.

    Much of this work has been led by our {staff_network}, whose members have given a great deal of their
    own time.

    We agreed an action plan with named leads, timescales and measures, which is monitored by {board}.

    Work in {place} has been our focus this period, as the area with the largest gaps in access and
    outcomes.

    We have used the Patient and Carer Race Equality Framework to structure our actions.

    Our approach has been shaped by listening events with {cog} and {cog2}.

    We have aligned this work with the integrated care system's health inequalities programme, so that it is
    not a standalone initiative.

    We identified additional funding of {money} to support this work over the year.

    R2: We reviewed progress against the actions in our previous report and reprioritised where needed.

    The executive team receives a monthly highlight report on this commitment.

    We have involved carers and families throughout, recognising the central role they play in supporting
    people in many of our communities.

    Work with children and young people has become a growing part of this, including with CAMHS and schools
    in {place2}.

    We deliberately started small, testing ideas in {place} before any wider roll-out.
""")

_SHARED_IMPACT = _bank("""
    It is too early to evidence sustained change in outcomes, and we are wary of over-claiming.

    The clearest impact so far is on the conversations we are having: race and racism are now discussed
    openly by {board}.

    Our community partners tell us they can see a difference, but also that there is a long way to go.

    {pct_hi} of staff who responded to our survey said the work had changed their practice.

    We are developing a logic model with {univ} so that we can evidence impact more systematically in future
    reports.

    Numbers are small, so we treat these early results with caution.

    We have seen improvement on some measures and not others, which is helping us focus our efforts.

    The work has strengthened relationships across the system, which proved valuable during winter
    pressures.

    One measure of impact is that this work continued through the pandemic, when much else was paused.

    Carers say they are more involved and better informed, which matters a great deal in many of our
    communities.

    R2: Compared with our last report, we are more confident that the changes are becoming embedded.

    Impact is uneven across our area: {place} has seen the most change, and {place2} much less.
""")

_SHARED_CHALLENGES = _bank("""
    Capacity is the biggest barrier: the same small group of people lead much of this work alongside their
    day jobs.

    Operational pressures, including high bed occupancy and vacancies, constantly compete for attention.

    The legacy of COVID-19 continues to affect both our communities and our staff.

    Funding remains largely non-recurrent, which makes long-term planning difficult.

    The cost-of-living crisis is adding pressure on the communities we serve and on our community partners.

    Structural change in the NHS, including the move to integrated care boards, has disrupted some
    relationships.

    We have not always been clear enough about who owns each action, and some have slipped as a result.

    Competing national priorities and reporting requirements take time away from delivery.

    There is a risk that progress depends on a few committed individuals rather than being embedded.

    Engaging communities in rural and coastal parts of our area, where ethnic minority populations are
    smaller and more dispersed, needs a different approach.

    Some colleagues remain unconvinced about the need for this work, and we have had to work through
    defensiveness and fatigue.
""")

_OPENERS = {
    "actions": _bank("""
        {org} has continued to prioritise this commitment.

        Our work on this commitment has focused on a small number of priorities.

        Progress has been steady rather than dramatic.

        This commitment is led by our {lead_role}, with support from colleagues across {us}.

        R2: Building on the work described in our last report, we have made further progress.

        R2: Since our last report, much of our effort has gone into moving from planning to delivery.

        This remains one of the areas where we have most to do.

        As {kind_noun}, we have focused on the levers that are within our control.
    """),
    "impact": _bank("""
        There are encouraging early signs.

        We have some early evidence of impact, though it is uneven.

        Impact is easier to describe than to measure at this stage.

        We can point to some concrete changes.

        R2: Compared with our last report, we can now point to some measurable change.
    """),
    "challenges": _bank("""
        We want to be candid about the barriers we have faced.

        The challenges will be familiar to many Pledge Makers.

        Several things have slowed our progress.

        The main barriers have been capacity and time.

        R2: Some of the challenges we described in our last report remain.
    """),
}

_CLOSERS = _bank("""
    We will report further on this in our next update.

    This work is overseen by {board}, which receives a progress report every quarter.

    We are grateful to {cog} for their challenge and patience.

    There is much more to do.

    We would welcome the chance to discuss this with other Pledge Makers.

    More detail is available in our annual equality report.
""")

_BULLET_INTROS = {
    "actions": ("Key actions this period include:", "In addition:", "Highlights include:", "Other actions:"),
    "impact": ("Early indicators include:", "Examples of impact:"),
    "challenges": ("The main barriers have been:", "In summary:", "Specific challenges:"),
    "why_pledge": ("In short:",),
    "changes_since_last": ("The main changes are:", "In summary:"),
    "support_wanted": ("We would welcome support in the following areas:", "In particular:"),
}

_QUOTES = (
    '"For the first time someone asked about my faith and my family before talking about medication."',
    '"It felt like they were talking with us, not at us."',
    '"My son was treated as a person, not a risk."',
    '"I did not have to explain my culture before I could explain my problem."',
    '"We have heard promises before. This time we can see some of the changes."',
    '"It is somewhere I can go before things get bad, not after."',
    '"Having someone from my own community on the team made me feel safe to talk."',
    '"They listened to my mother, and that changed everything."',
    '"Nobody had ever explained my rights to me in my own language before."',
)
_QUOTE_FRAMES = (
    "One service user told us: {quote}",
    "As one carer put it: {quote}",
    "A member of {cog} said: {quote}",
    "Feedback from a family in {place}: {quote}",
    "A young person who used the service told us: {quote}",
)

_WHY_PLEDGE = _bank("""
    We signed the pledge because the inequalities in our own data are stark and longstanding: Black residents
    of {place} are detained under the Mental Health Act at around {rate_x} times the rate of White residents.

    The killing of George Floyd and the Black Lives Matter protests prompted honest conversations with our
    staff and communities, and it became clear that words alone were not enough.

    COVID-19 exposed and deepened the inequalities our communities already faced, and we wanted to make a
    public commitment to act.

    Our communities told us, very directly, that they had heard promises before. Signing the pledge was a way
    of making our commitment public and accountable.

    We believe a public commitment, with regular reporting, will help hold us to account.

    As {kind_noun} serving one of the most diverse populations in the {region} region, we have a particular
    responsibility to lead.

    The pledge fits with our existing commitment to become an anti-racist organisation and gives it external
    accountability.

    Our staff networks asked the board to sign the pledge, and the board agreed unanimously.

    We wanted to be part of a national movement, learning from and with others, rather than working in
    isolation.

    Thirty years of reports and inquiries have produced recommendations that were never fully implemented.
    We do not want to add to that list.

    We recognise that our own services have contributed to poorer experiences for Black and minoritised
    people, and we want to change that.

    The pledge gives us a framework to bring together work on data, workforce and community partnership that
    was previously fragmented.

    Signing was a decision of {board}, not only of the executive team, and reflects a shared commitment
    across our partners in {place}.

    We wanted to show our community partners, particularly {cog}, that we are serious about partnership.

    Our joint strategic needs assessment showed clear inequalities in access to early help, with {group}
    residents much less likely to be referred to talking therapies.

    C: For a commissioner, the pledge is a chance to rethink how we commission, not just what we commission.

    T: The over-representation of Black men on our acute wards and among those subject to restraint is not
    acceptable, and we are determined to change it.

    We have a long history of community development work in {place}, and the pledge is a chance to build on
    it across the whole system.

    Being a Pledge Maker connects us with others facing the same challenges, and we want to contribute to
    that learning as well as benefit from it.

    Our service users and carers challenged us to sign, and they will be our judges.

    Young people from {group} communities are far less likely to reach CAMHS early and far more likely to
    arrive in crisis; we want that to change within a generation, not another thirty years.
""")

_CHANGES = _bank("""
    Since our last report, we have appointed a substantive head of race equality, who reports directly to
    the chief executive.

    The most significant change is that the community grants programme now has recurrent funding.

    We have brought our race equality and health inequalities programmes together under a single executive
    lead.

    We have been through a period of leadership change, with a new chief executive joining in {month}; the
    new team has reaffirmed our commitment to the pledge.

    The integrated care board has taken on commissioning responsibilities, and we have worked to carry our
    commitments into the new arrangements.

    We have published our first inequalities dashboard and shared it with community partners.

    Pressures on services have increased significantly, which has slowed some of our planned work.

    T: We have become a PCREF early adopter and used the framework to organise our pledge commitments.

    Our community reference group is now established and has met {n} times.

    Since our last report we have completed a community-led review of experiences of our services, and its
    findings are shaping our plans.

    Our ethnicity data quality programme has concluded, and recording is now above {pct_high}.

    The community crisis hub in {place}, which was at the planning stage in our last report, is now open.

    Recovery from COVID-19 has continued to dominate operational priorities, but the pledge work has been
    maintained.

    We have joined the National Pledge Alliance and taken part in its learning sessions.

    Honestly, less has changed than we hoped. Vacancies in two key posts have held us back, and we set out
    below how we intend to catch up.

    The board has adopted a formal anti-racism statement and action plan.

    We have moved from planning to delivery on most commitments, and two pilots have been extended.

    Our new mental health strategy, co-produced with local communities, was launched in {month}.
""")

_GOALS = _bank("""
    Extend the {prog} from {place} to {place2}, subject to confirmation of funding.

    Publish our inequalities dashboard on our website by {month}.

    Complete the evaluation of our community crisis alternative with {univ}.

    Secure recurrent funding for the community grants programme beyond this financial year.

    Roll out anti-racism training to the remaining staff groups, starting with inpatient and crisis teams.

    T: Complete our first full PCREF organisational competency self-assessment with community partners.

    Reduce the rate ratio for Mental Health Act detentions of Black residents to below {target_rr} times the
    White rate within two years.

    Recruit {n} peer support workers from local communities.

    Agree a system-wide set of inequality indicators with partners across the integrated care system.

    Co-produce a new service specification for community mental health with {cog}.

    Increase the proportion of ethnic minority staff in senior roles, in line with our Workforce Race
    Equality Standard action plan.

    T: Review the use of community treatment orders for Black patients across all community teams.

    Work with schools in {place} on early help for children and young people from ethnic minority
    communities.

    Set up a carers' forum for {group} families, with {cog}.

    Improve ethnicity recording in crisis and liaison services to above {pct_high}.

    C: Develop a community commissioning model with {cog} and other local partners.

    Host a shared learning event for Pledge Makers in the {region} region.

    T: Review our reducing restrictive practice programme with a specific focus on ethnicity.

    Embed race equality objectives in every directorate's business plan for next year.

    C: Complete our joint strategic needs assessment chapter on ethnic minority mental health.

    Set up a young people's advisory group with {cog} to shape CAMHS transformation.

    Evaluate the culturally adapted talking therapies offer and decide whether to extend it to {place2}.

    Publish a plain-English summary of this report for local communities.
""")

_GOAL_LEADS = (
    "We will {goal}",
    "Over the next six months we will {goal}",
    "We also plan to {goal}",
    "By {month} we aim to {goal}",
    "A priority is to {goal}",
    "We intend to {goal}",
    "Alongside this, we will {goal}",
)

_SUPPORT = _bank("""
    We would value learning from Pledge Makers who have reduced Mental Health Act detentions of Black
    people, particularly through community crisis alternatives.

    We would like to hear how others have funded Black-led community organisations on a sustainable,
    recurrent basis.

    A common set of indicators and definitions would let us compare our data meaningfully with other
    Pledge Makers.

    We would like the National Pledge Alliance to press national bodies on recurrent funding for VCSE
    partners.

    Examples of co-produced and community-led commissioning would be very helpful.

    Our executive lead would benefit from peer support, perhaps through an action learning set with other
    Pledge Makers.

    We would welcome help with evaluation methods that suit community interventions.

    Opportunities to visit other sites and see their work in practice would be valuable.

    Shared tools and templates for implementing PCREF would save duplication.

    A shared approach to anti-racism training would stop each of us reinventing it.

    We would support collective advocacy by the Alliance on Mental Health Act reform.

    Practical advice on paying people with lived experience without affecting their benefits would help.

    We would welcome a regional network of Pledge Makers in the {region} region.

    C: We would like to learn how other councils have embedded mental health within place-based
    partnerships.

    We hope the Alliance will keep a focus on children and young people, where we see inequalities emerging
    early.

    Guidance on sharing data across organisations for inequalities monitoring would be welcome.

    Help to connect with researchers interested in evaluating our programmes would be valuable.

    We value honest conversations about what has not worked, not only success stories, and hope the Alliance
    keeps making space for them.

    We would like more opportunities for community partners, not only statutory organisations, to take part
    in Alliance learning sessions.

    We would welcome support to involve carers and families more meaningfully in service design.
""")

# --------------------------------------------------------------------------------------------------
# Composition
# --------------------------------------------------------------------------------------------------

_SAFE_FIRST_WORDS = frozenset({"We", "Our", "The", "This", "Every", "All", "Much", "Each", "A", "An"})


def _fits(bank: tuple[_Sentence, ...], org: DemoOrganisation, round_number: int) -> list[_Sentence]:
    """Return the sentences of a bank that suit this organisation and round."""
    return [sentence for sentence in bank if sentence.fits(org.kind, round_number)]


def _fill(template: str, slots: _Slots) -> str:
    """Fill a template's slots."""
    return template.format_map(slots)


def _lower_first(text: str) -> str:
    """Lower-case the first letter of a sentence when its first word is a plain word."""
    first = text.split(" ", 1)[0]
    if first in _SAFE_FIRST_WORDS:
        return text[0].lower() + text[1:]
    return text


def _paragraph_shape(rng: random.Random, *, brief: bool = False) -> list[int]:
    """Return the number of sentences in each paragraph (fewer when brief)."""
    if brief:
        if rng.random() < 0.3:
            return [rng.choice((1, 2))]
        return [rng.choice((1, 2)), rng.choice((1, 1, 2))]
    if rng.random() < 0.12:
        return [rng.choice((1, 2))]
    count = rng.choices((2, 3, 4), weights=(50, 40, 10))[0]
    return [rng.choices((1, 2, 3), weights=(40, 45, 15))[0] for _ in range(count)]


def _draw_paragraphs(
    rng: random.Random,
    slots: _Slots,
    shape: list[int],
    main: list[_Sentence],
    extra: list[_Sentence],
) -> list[list[str]]:
    """Draw filled sentences (mostly from the main bank) and group them into paragraphs."""
    total = sum(shape)
    n_extra = min(len(extra), total // 2, sum(rng.random() < 0.4 for _ in range(total)))
    n_main = min(len(main), total - n_extra)
    picks = rng.sample(main, n_main) + rng.sample(extra, n_extra)
    rng.shuffle(picks)
    texts = [_fill(sentence.text, slots) for sentence in picks]
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
    frame = rng.choice(_QUOTE_FRAMES)
    quote = frame.format_map(_Extra(slots, quote=rng.choice(_QUOTES)))
    if len(paragraphs) >= 2 and rng.random() < 0.5:
        position = rng.randint(1, len(paragraphs))
        paragraphs.insert(position, [quote])
        return bullet_at + 1 if 0 <= position <= bullet_at else bullet_at
    prose = [i for i in range(len(paragraphs)) if i != bullet_at]
    paragraphs[rng.choice(prose)].append(quote)
    return bullet_at


def _render(
    rng: random.Random, paragraphs: list[list[str]], bullet_at: int, intros: tuple[str, ...]
) -> list[str]:
    """Render paragraphs as prose, with one optional bulleted list."""
    blocks = []
    for index, sentences in enumerate(paragraphs):
        if index == bullet_at and len(sentences) >= 2:
            items = "\n".join("- " + s.rstrip(".") for s in sentences)
            blocks.append(rng.choice(intros) + "\n" + items)
        else:
            blocks.append(" ".join(sentences))
    return blocks


def _open(
    rng: random.Random,
    slots: _Slots,
    paragraphs: list[list[str]],
    org: DemoOrganisation,
    round_number: int,
    question: str,
) -> None:
    """Sometimes start the answer with an opening sentence or a reference to the last report."""
    openers = _fits(_OPENERS.get(question, ()), org, round_number)
    if len(paragraphs) >= 2 and openers and rng.random() < 0.4:
        paragraphs[0].insert(0, _fill(rng.choice(openers).text, slots))
    elif round_number >= 2 and question in ("actions", "impact") and rng.random() < 0.3:
        first = paragraphs[0][0]
        if first.split(" ", 1)[0] in _SAFE_FIRST_WORDS:
            paragraphs[0][0] = "Since our last report, " + _lower_first(first)


def _compose(
    rng: random.Random,
    slots: _Slots,
    org: DemoOrganisation,
    round_number: int,
    *,
    primary: tuple[_Sentence, ...],
    secondary: tuple[_Sentence, ...] = (),
    question: str,
    bullet_p: float = 0.0,
    quote_p: float = 0.0,
    brief: bool = False,
) -> str:
    """Assemble paragraphs of sentences drawn from the banks."""
    main = _fits(primary, org, round_number)
    extra = _fits(secondary, org, round_number)
    shape = _paragraph_shape(rng, brief=brief)
    bullet_at = -1
    intros = _BULLET_INTROS.get(question, ())
    if len(shape) >= 2 and intros and rng.random() < bullet_p:
        bullet_at = rng.randrange(1, len(shape))
        shape[bullet_at] = rng.choice((3, 4))
    paragraphs = _draw_paragraphs(rng, slots, shape, main, extra)
    if not paragraphs:
        return ""
    if bullet_at >= len(paragraphs):
        bullet_at = -1
    multi = len(paragraphs) >= 2

    _open(rng, slots, paragraphs, org, round_number, question)
    if quote_p and rng.random() < quote_p:
        bullet_at = _add_quote(rng, slots, paragraphs, bullet_at)
    closing = None
    if multi and question in ("actions", "impact", "challenges") and rng.random() < 0.3:
        closing = _fill(rng.choice(_fits(_CLOSERS, org, round_number)).text, slots)

    blocks = _render(rng, paragraphs, bullet_at, intros)
    if closing:
        if bullet_at == len(paragraphs) - 1:
            blocks.append(closing)
        else:
            blocks[-1] += " " + closing
    return "\n\n".join(blocks)


class _Extra(dict):
    """Extra named values layered over an answer's slots."""

    def __init__(self, slots: _Slots, **values: str) -> None:
        super().__init__(values)
        self.slots = slots

    def __missing__(self, key: str) -> str:
        return self.slots[key]


def _goal(sentence: _Sentence, slots: _Slots) -> str:
    """Return a filled goal as a lower-case verb phrase without a full stop."""
    text = _fill(sentence.text, slots).rstrip(".")
    return text[0].lower() + text[1:]


def _goal_sentence(lead: str, sentence: _Sentence, slots: _Slots) -> str:
    """Return a goal written as a prose sentence."""
    return lead.format_map(_Extra(slots, goal=_goal(sentence, slots))) + "."


def _goals_text(rng: random.Random, slots: _Slots, org: DemoOrganisation, round_number: int) -> str:
    """Assemble a next-six-months answer, as bullets or prose."""
    goals = _fits(_GOALS, org, round_number)
    roll = rng.random()
    if roll < 0.1:
        picks = rng.sample(goals, rng.choice((1, 2)))
        leads = [*rng.sample(_GOAL_LEADS[:2], 1), "We also plan to {goal}"]
        return " ".join(_goal_sentence(lead, goal, slots) for lead, goal in zip(leads, picks, strict=False))
    if roll < 0.45:
        picks = rng.sample(goals, rng.randint(3, 6))
        intro = rng.choice(
            (
                "Our priorities for the next six months are:",
                "Over the next six months we will:",
                "Specifically, we plan to:",
                "Our goals for the next period:",
            )
        )
        body = intro + "\n" + "\n".join("- " + _fill(p.text, slots).rstrip(".") for p in picks)
        if rng.random() < 0.4:
            body += "\n\n" + _fill(rng.choice(_fits(_CLOSERS, org, round_number)).text, slots)
        elif rng.random() < 0.5:
            body = "Our plans for the next six months build on the progress described above. " + body
            body = body.replace(". " + intro, ".\n\n" + intro, 1)
        return body
    leads = list(_GOAL_LEADS)
    rng.shuffle(leads)
    picks = rng.sample(goals, rng.randint(3, 6))
    sizes = {3: (1, 2), 4: (2, 2), 5: (2, 3), 6: (2, 2, 2)}[len(picks)]
    paragraphs = []
    cursor = 0
    for size in sizes:
        chunk = picks[cursor : cursor + size]
        paragraphs.append(
            " ".join(
                _goal_sentence(leads[(cursor + i) % len(leads)], goal, slots) for i, goal in enumerate(chunk)
            )
        )
        cursor += size
    return "\n\n".join(paragraphs)


def answer_text(
    rng: random.Random,
    *,
    question: str,
    commitment: int | None,
    org: DemoOrganisation,
    round_number: int,
) -> str:
    """Return realistic free text answering one question of a progress report."""
    if question not in QUESTIONS:
        raise ValueError(f"unknown question: {question!r}")
    slots = _Slots(rng, org)
    if question in ("actions", "impact", "challenges"):
        if commitment not in COMMITMENTS:
            raise ValueError(f"question {question!r} needs a commitment from 1 to 7, got {commitment!r}")
        banks = {
            "actions": (_ACTIONS, _SHARED_ACTIONS),
            "impact": (_IMPACT, _SHARED_IMPACT),
            "challenges": (_CHALLENGES, _SHARED_CHALLENGES),
        }
        per_commitment, shared = banks[question]
        quote_p = 0.2 if question == "impact" or (question == "actions" and commitment == 3) else 0.0
        bullet_p = {"actions": 0.15, "impact": 0.06, "challenges": 0.12}[question]
        return _compose(
            rng,
            slots,
            org,
            round_number,
            primary=per_commitment[commitment],
            secondary=shared if commitment != 7 else (),
            question=question,
            bullet_p=bullet_p,
            quote_p=quote_p,
            brief=commitment == 7,
        )
    if question == "why_pledge":
        return _compose(rng, slots, org, round_number, primary=_WHY_PLEDGE, question=question, bullet_p=0.05)
    if question == "changes_since_last":
        if round_number < 2 and rng.random() < 0.5:
            return _fill(
                "This is our first progress report since signing the pledge, so the changes are "
                "described under each commitment below.",
                slots,
            )
        return _compose(
            rng, slots, org, max(round_number, 2), primary=_CHANGES, question=question, bullet_p=0.1
        )
    if question == "goals":
        return _goals_text(rng, slots, org, round_number)
    return _compose(rng, slots, org, round_number, primary=_SUPPORT, question=question, bullet_p=0.3)


# --------------------------------------------------------------------------------------------------
# Ratings, measures, counts and publication choices
# --------------------------------------------------------------------------------------------------

_BASE_RATING_WEIGHTS: dict[int, tuple[float, ...]] = {
    1: (0.06, 0.24, 0.42, 0.23, 0.05),
    2: (0.04, 0.20, 0.40, 0.28, 0.08),
    3: (0.03, 0.18, 0.40, 0.30, 0.09),
    4: (0.14, 0.34, 0.34, 0.15, 0.03),
    5: (0.06, 0.28, 0.40, 0.21, 0.05),
    6: (0.16, 0.34, 0.32, 0.15, 0.03),
    7: (0.00, 0.04, 0.14, 0.60, 0.22),
}


def progress_rating(rng: random.Random, *, commitment: int, round_number: int) -> str:
    """Return a plausible progress self-assessment; later rounds tend to rate higher."""
    if commitment not in COMMITMENTS:
        raise ValueError(f"commitment must be 1 to 7, got {commitment!r}")
    weights = list(_BASE_RATING_WEIGHTS[commitment])
    for _ in range(max(0, round_number - 1)):
        shifted = [weights[0] * 0.6]
        for index in range(1, len(weights)):
            keep = 0.6 if index < len(weights) - 1 else 1.0
            shifted.append(weights[index] * keep + weights[index - 1] * 0.4)
        weights = shifted
    return rng.choices(RATINGS, weights=weights)[0]


_MEASURE_PROBABILITY = {
    "mha_detentions": 0.85,
    "cto": 0.55,
    "restrictive_interventions": 0.6,
    "access_referrals": 0.75,
    "talking_therapies_recovery": 0.5,
    "workforce_race_equality": 0.7,
}


def measures(rng: random.Random) -> list[str]:
    """Return the measures an organisation monitors by ethnicity (at least one)."""
    chosen = [measure for measure in MEASURES if rng.random() < _MEASURE_PROBABILITY[measure]]
    return chosen or ["mha_detentions"]


def ethnicity_counts(rng: random.Random) -> dict[str, dict[str, int]] | None:
    """Return annual detentions and population per ethnic group, or None (~40% of the time)."""
    if rng.random() < 0.4:
        return None
    total = rng.randrange(220_000, 1_200_000, 1_000)
    shares = {
        "asian": rng.uniform(0.05, 0.28),
        "black": rng.uniform(0.03, 0.17),
        "mixed": rng.uniform(0.025, 0.055),
        "other": rng.uniform(0.015, 0.06),
    }
    shares["white"] = 1.0 - sum(shares.values())
    white_rate = rng.uniform(55.0, 95.0)  # detentions per 100,000 per year
    multipliers = {
        "white": 1.0,
        "black": rng.uniform(3.0, 4.8),
        "asian": rng.uniform(0.9, 1.5),
        "mixed": rng.uniform(1.6, 2.6),
        "other": rng.uniform(1.8, 3.0),
    }
    counts: dict[str, dict[str, int]] = {}
    for group in ETHNIC_GROUPS:
        population = max(10_000, int(round(total * shares[group], -2)))
        expected = population * white_rate * multipliers[group] / 100_000
        detentions = max(0, round(expected * rng.uniform(0.94, 1.06)))
        counts[group] = {"detentions": min(detentions, population), "population": population}
    return counts


def publication_choice(rng: random.Random) -> tuple[bool, str]:
    """Return whether the report may be published and whether quotes may be attributed."""
    may_publish = rng.random() < 0.85
    if may_publish and rng.random() < 0.7:
        return True, "attributed"
    return may_publish, "anonymous"
