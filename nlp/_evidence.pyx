# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
# distutils: language = c++
"""The theme tagger's per-document pass, compiled: phrase matching and the sentence-level evidence rules.

``component.ThemeTagger`` compiles a codebook into matchers and tables (in Python, once); this pass applies them to
each doc in C, reading spaCy's token structs directly. The rules, in order:

1. one phrase-matcher pass finds strong phrases, weak words, context phrases, exclusions, people nouns and
   checked expansions;
2. a match is cancelled by an exclusion of its theme that overlaps it, by lying inside a list of three or more
   people nouns ("patients, service users and their carers"), and a weak one by being part of a capitalised
   name ("Cultural Inclusion Network");
3. matches are grouped by sentence and theme; a sentence carries a theme with a strong piece of evidence, or a weak
   one in company (another weak piece, or a context phrase of the theme in that sentence, counted only there);
4. a carrying sentence scores 1 - prod(1 - weight) over its distinct pieces (``component._score``), and is
   *proposed* with a strong piece, *possible* otherwise.
"""

from cpython.float cimport PyFloat_AS_DOUBLE
from cython.operator cimport dereference as deref
from libcpp.algorithm cimport sort as std_sort
from libcpp.map cimport map as std_map
from libcpp.pair cimport pair
from libcpp.unordered_map cimport unordered_map
from libcpp.unordered_set cimport unordered_set
from libcpp.vector cimport vector
from spacy.attrs cimport IS_LOWER, IS_SPACE, IS_TITLE, IS_UPPER
from spacy.lexeme cimport Lexeme
from spacy.matcher.phrasematcher cimport PhraseMatcher
from spacy.structs cimport SpanC, TokenC
from spacy.tokens.doc cimport Doc
from spacy.tokens.span_group cimport SpanGroup
from spacy.typedefs cimport attr_t

# Kinds of rule behind a match id (the same numbers as component.py's _THEME … _PEOPLE).
cdef enum:
    RULE_THEME = 0
    RULE_EXCLUDE = 1
    RULE_ANCHOR = 2
    RULE_CHECKED = 3
    RULE_WEAK = 4
    RULE_PEOPLE = 5
    RULE_CONTEXT = 6

# Kinds of evidence, strongest first (component.py's _STRONG_EVIDENCE … _CONTEXT_EVIDENCE).
cdef enum:
    STRONG = 0
    WEAK = 1
    CONTEXT = 2

RULE_KINDS = (RULE_THEME, RULE_EXCLUDE, RULE_ANCHOR, RULE_CHECKED, RULE_WEAK, RULE_PEOPLE, RULE_CONTEXT)


cdef struct Piece:
    int sentence  # sentence number (set when grouped)
    int index  # theme index
    int start
    int end
    int kind  # STRONG, WEAK or CONTEXT


cdef struct Check:
    int offset
    bint is_lower
    attr_t value


cdef inline attr_t norm_of(const TokenC* token) noexcept nogil:
    """A token's NORM, as ``Token.norm`` reads it."""
    return token.lex.norm if token.norm == 0 else token.norm


cdef inline bint capitalised(const TokenC* token) noexcept nogil:
    """A word written with a capital, as in a name ("Inclusion", "ICB"); long upper-case words are shouting."""
    return Lexeme.c_check_flag(token.lex, IS_TITLE) or (
        Lexeme.c_check_flag(token.lex, IS_UPPER) and 1 < token.lex.length <= 5
    )


cdef inline bint piece_order(const Piece& a, const Piece& b) noexcept nogil:
    """Grouping order: sentence, theme, then position."""
    if a.sentence != b.sentence:
        return a.sentence < b.sentence
    if a.index != b.index:
        return a.index < b.index
    if a.start != b.start:
        return a.start < b.start
    if a.end != b.end:
        return a.end < b.end
    return a.kind < b.kind


cdef inline bint overlap_order(const Piece& a, const Piece& b) noexcept nogil:
    """Merging order: start, longest first, strongest first."""
    if a.start != b.start:
        return a.start < b.start
    if a.end != b.end:
        return a.end > b.end
    return a.kind < b.kind


cdef inline bint mention_order(const Piece& a, const Piece& b) noexcept nogil:
    """Document order of (start, end, theme)."""
    if a.start != b.start:
        return a.start < b.start
    if a.end != b.end:
        return a.end < b.end
    return a.index < b.index


cdef class EvidencePass:
    """Tags one doc: matches, cancels, groups by sentence, decides and scores; writes the tagger's outputs."""

    cdef PhraseMatcher phrases
    cdef unordered_map[attr_t, int] theme_of
    cdef unordered_map[attr_t, pair[int, int]] rules
    cdef std_map[vector[attr_t], vector[vector[Check]]] variants
    cdef unordered_set[attr_t] list_joiners
    cdef unordered_set[attr_t] name_joiners
    cdef vector[attr_t] label_ids
    cdef list keys
    cdef object patterns
    cdef bint always_patterns
    cdef object score
    cdef tuple one_strong
    cdef str proposed
    cdef str spans_key
    cdef object themes_key
    cdef object scores_key
    cdef object mentions_key

    def __init__(
        self,
        PhraseMatcher phrases,
        dict theme_of,
        dict rules,
        dict variants,
        joiners,
        label_ids,
        list keys,
        patterns,
        bint always_patterns,
        score,
        tuple one_strong,
        str proposed,
        str spans_key,
        user_keys,
    ):
        """Take the compiled codebook: matchers, match id tables, checked expansions (theme index and NORMs ->
        the exact (offset, is_lower, value) checks of each variant), joiner words, labels and keys, the Python
        pattern matcher (called with (doc, windows, found) when anchors were found or ``always_patterns``), the
        score function, and the names the outputs are stored under."""
        cdef vector[attr_t] key
        cdef vector[Check] checks
        cdef Check check
        self.phrases = phrases
        for match_id, index in theme_of.items():
            self.theme_of[match_id] = index
        for match_id, (kind, index) in rules.items():
            self.rules[match_id] = pair[int, int](kind, index)
        for (index, norms), listed in variants.items():
            key.clear()
            key.push_back(index)
            for norm in norms:
                key.push_back(norm)
            for variant in listed:
                checks.clear()
                for offset, is_lower, value in variant:
                    check.offset = offset
                    check.is_lower = is_lower
                    check.value = value
                    checks.push_back(check)
                self.variants[key].push_back(checks)
        list_joiners, name_joiners = joiners
        for word in list_joiners:
            self.list_joiners.insert(word)
        for word in name_joiners:
            self.name_joiners.insert(word)
        for label in label_ids:
            self.label_ids.push_back(label)
        self.keys = keys
        self.patterns = patterns
        self.always_patterns = always_patterns
        self.score = score
        self.one_strong = one_strong
        self.proposed = proposed
        self.spans_key = spans_key
        self.themes_key, self.scores_key, self.mentions_key = user_keys

    def __call__(self, Doc doc):
        """Tag ``doc`` in place and return it."""
        cdef vector[SpanC] matches
        cdef vector[Piece] found, weak, vetoes, people, lists, contexts
        cdef vector[SpanC] spans
        cdef SpanGroup group
        cdef dict windows = None
        cdef Piece piece
        cdef pair[int, int] rule
        cdef SpanC match
        if doc.length:
            self.phrases.find_matches(doc, 0, doc.length, &matches)
        for match in matches:
            piece.start = match.start
            piece.end = match.end
            piece.sentence = 0
            piece.kind = STRONG
            theme = self.theme_of.find(match.label)
            if theme != self.theme_of.end():
                piece.index = deref(theme).second
                found.push_back(piece)
                continue
            rule = self.rules[match.label]
            piece.index = rule.second
            if rule.first == RULE_WEAK:
                piece.kind = WEAK
                weak.push_back(piece)
            elif rule.first == RULE_CONTEXT:
                piece.kind = CONTEXT
                contexts.push_back(piece)
            elif rule.first == RULE_PEOPLE:
                people.push_back(piece)
            elif rule.first == RULE_CHECKED:
                if self._passes_checks(doc, piece):
                    found.push_back(piece)
            elif rule.first == RULE_EXCLUDE:
                vetoes.push_back(piece)
            else:  # an anchor of a windowed Matcher pattern
                if windows is None:
                    windows = {}
                windows.setdefault(rule.second, []).append((piece.start, piece.end))
        if windows is not None or self.always_patterns:
            self._match_patterns(doc, windows or {}, &found)
        scores, levels, themes, mentions = [], [], {}, []
        if found.size() or weak.size():
            if vetoes.size():
                _drop_vetoed(&found, &vetoes)
                _drop_vetoed(&weak, &vetoes)
            if people.size() >= 3:  # a list needs three members
                self._people_lists(doc, &people, &lists)
                if lists.size():
                    _drop_inside(&found, &lists)
                    _drop_inside(&weak, &lists)
            if weak.size():
                self._drop_in_names(doc, &weak)
            if found.size() or weak.size():
                self._sentences(doc, &found, &weak, &vetoes, &contexts, &spans, scores, levels, themes, mentions)
        group = SpanGroup(doc, name=self.spans_key)
        for span in spans:
            group.push_back(span)
        group.attrs["scores"] = scores
        group.attrs["levels"] = levels
        # Equivalent to ``doc.spans[key] = …`` and ``doc._.themes = …`` without the proxies' overhead.
        doc.spans.data[self.spans_key] = group
        user_data = doc.user_data
        user_data[self.themes_key] = list(themes)
        user_data[self.scores_key] = themes
        user_data[self.mentions_key] = mentions
        return doc

    cdef bint _passes_checks(self, Doc doc, Piece piece):
        """Whether a checked expansion's exact LOWER/ORTH values hold for one of its variants."""
        cdef vector[attr_t] key
        cdef const TokenC* token
        cdef bint ok
        key.push_back(piece.index)
        for i in range(piece.start, piece.end):
            key.push_back(norm_of(&doc.c[i]))
        it = self.variants.find(key)
        if it == self.variants.end():
            return False
        for checks in self.variants[key]:
            ok = True
            for check in checks:
                token = &doc.c[piece.start + check.offset]
                if (token.lex.lower if check.is_lower else token.lex.orth) != check.value:
                    ok = False
                    break
            if ok:
                return True
        return False

    cdef void _match_patterns(self, Doc doc, dict windows, vector[Piece]* found):
        """Run the codebook's Matcher patterns (in Python) and take their matches into ``found``."""
        cdef Piece piece
        listed = [(p.start, p.end, p.index) for p in found[0]]
        self.patterns(doc, windows, listed)
        found.clear()
        piece.sentence, piece.kind = 0, STRONG
        for start, end, index in listed:
            piece.start, piece.end, piece.index = start, end, index
            found.push_back(piece)

    cdef void _people_lists(self, Doc doc, vector[Piece]* people, vector[Piece]* lists):
        """Token ranges of lists of three or more people nouns joined by commas and conjunctions."""
        cdef vector[pair[int, int]] ranges
        cdef vector[pair[int, int]] run
        cdef Piece found_list
        cdef bint joined
        for p in people[0]:
            ranges.push_back(pair[int, int](p.start, p.end))
        std_sort(ranges.begin(), ranges.end())
        found_list.sentence, found_list.index, found_list.kind = 0, 0, 0
        run.push_back(ranges[0])
        for n in range(1, ranges.size()):
            if ranges[n] == ranges[n - 1]:
                continue  # the same noun matched twice
            start, end = ranges[n].first, ranges[n].second
            joined = start >= run.back().second
            if joined:
                for i in range(run.back().second, start):
                    if self.list_joiners.count(norm_of(&doc.c[i])) == 0:
                        joined = False
                        break
            if joined:
                run.push_back(ranges[n])
                continue
            if run.size() >= 3:
                found_list.start, found_list.end = run.front().first, run.back().second
                lists.push_back(found_list)
            run.clear()
            run.push_back(ranges[n])
        if run.size() >= 3:
            found_list.start, found_list.end = run.front().first, run.back().second
            lists.push_back(found_list)

    cdef bint _in_name(self, Doc doc, int start, int end, bint annotated):
        """True if a match is part of a longer capitalised name ("Cultural Inclusion Network", "Our ICB")."""
        cdef const TokenC* c = doc.c
        cdef int length = doc.length
        cdef int before, after
        cdef bint first_word, named_before
        if Lexeme.c_check_flag(c[start].lex, IS_LOWER):
            return False  # most matches: a lower-case word
        for i in range(start, end):
            if not capitalised(&c[i]) and self.name_joiners.count(norm_of(&c[i])) == 0:
                return False
        before = start - 1
        while before > 0 and self.name_joiners.count(norm_of(&c[before])) and capitalised(&c[before - 1]):
            before -= 1
        after = end
        while after < length - 1 and self.name_joiners.count(norm_of(&c[after])) and capitalised(&c[after + 1]):
            after += 1
        # The first word of a sentence is capitalised by grammar, not as part of a name.
        first_word = before == 0 or (annotated and before > 0 and c[before].sent_start > 0)
        named_before = before >= 0 and capitalised(&c[before]) and not first_word
        return named_before or (after < length and capitalised(&c[after]))

    cdef void _drop_in_names(self, Doc doc, vector[Piece]* weak):
        """Drop weak matches that are part of a name."""
        cdef vector[Piece] kept
        cdef bint annotated = _annotated(doc)
        for piece in weak[0]:
            if not self._in_name(doc, piece.start, piece.end, annotated):
                kept.push_back(piece)
        weak.swap(kept)

    cdef void _sentences(
        self,
        Doc doc,
        vector[Piece]* found,
        vector[Piece]* weak,
        vector[Piece]* vetoes,
        vector[Piece]* contexts,
        vector[SpanC]* spans,
        list scores,
        list levels,
        dict themes,
        list mentions,
    ):
        """Group the evidence by sentence and theme, decide which sentences carry a theme, and fill the outputs:
        the carrying sentences (as SpanC), their scores and levels, each theme's best (score, level) in codebook
        order, and the merged mentions inside carrying sentences."""
        cdef vector[int] starts
        cdef vector[Piece] evidence, kept, merged
        cdef vector[int] last_of
        cdef size_t first, after
        cdef int sentence_start, sentence_end, number, index, last
        cdef bint annotated = _annotated(doc)
        cdef SpanC span
        cdef const TokenC* c = doc.c
        cdef dict best = {}
        _sentence_starts(doc, annotated, &starts)
        for piece in found[0]:
            piece.sentence = _sentence_of(&starts, piece.start)
            evidence.push_back(piece)
        for piece in weak[0]:
            piece.sentence = _sentence_of(&starts, piece.start)
            evidence.push_back(piece)
        std_sort(evidence.begin(), evidence.end(), piece_order)
        if weak.size():
            self._add_context(doc, annotated, &starts, &evidence, vetoes, contexts)
        first = 0
        while first < evidence.size():
            after = first + 1
            while after < evidence.size() and (
                evidence[after].sentence == evidence[first].sentence and evidence[after].index == evidence[first].index
            ):
                after += 1
            number, index = evidence[first].sentence, evidence[first].index
            if after - first == 1:
                if evidence[first].kind != STRONG:
                    first = after
                    continue  # one weak piece alone carries nothing
                carried = self.one_strong
            else:
                strong, weak_count, context_count = _distinct(c, evidence, first, after)
                if not (strong or (weak_count and weak_count + context_count >= 2)):
                    first = after
                    continue
                carried = self.score(strong, weak_count, context_count)
            sentence_start = starts[number]
            sentence_end = starts[number + 1] if <size_t>number + 1 < starts.size() else doc.length
            # Without the whitespace (a line break) at its ends.
            while sentence_end - sentence_start > 1 and Lexeme.c_check_flag(c[sentence_end - 1].lex, IS_SPACE):
                sentence_end -= 1
            while sentence_end - sentence_start > 1 and Lexeme.c_check_flag(c[sentence_start].lex, IS_SPACE):
                sentence_start += 1
            span.id, span.kb_id, span.label = 0, 0, self.label_ids[index]
            span.start, span.end = sentence_start, sentence_end
            span.start_char = c[sentence_start].idx
            span.end_char = c[sentence_end - 1].idx + c[sentence_end - 1].lex.length
            spans.push_back(span)
            score, level = carried
            scores.append(score)
            levels.append(level)
            previous = best.get(index)
            if previous is None or _better(score, level, previous, self.proposed):
                best[index] = carried
            for n in range(first, after):
                kept.push_back(evidence[n])
            first = after
        for index in sorted(best):
            themes[self.keys[index]] = best[index]
        # Matches in document order as mentions: overlapping or touching matches of one theme become one.
        std_sort(kept.begin(), kept.end(), mention_order)
        last_of.assign(self.label_ids.size(), -1)
        for piece in kept:
            last = last_of[piece.index]
            if last >= 0 and piece.start <= merged[last].end:
                if piece.end > merged[last].end:
                    merged[last].end = piece.end
                continue
            last_of[piece.index] = merged.size()
            merged.push_back(piece)
        std_sort(merged.begin(), merged.end(), mention_order)
        keys = self.keys
        for piece in merged:
            mentions.append((keys[piece.index], piece.start, piece.end))

    cdef void _add_context(
        self,
        Doc doc,
        bint annotated,
        vector[int]* starts,
        vector[Piece]* evidence,
        vector[Piece]* vetoes,
        vector[Piece]* contexts,
    ):
        """A weak phrase needs company: add the context phrases of its theme found in its sentence (only there)."""
        cdef vector[Piece] needed
        cdef unordered_set[int] themes
        cdef size_t first, after
        cdef bint all_weak, wanted
        cdef Piece piece
        cdef Piece one
        first = 0
        while first < evidence.size():
            after = first
            all_weak = True
            while after < evidence.size() and (
                evidence[0][after].sentence == evidence[0][first].sentence
                and evidence[0][after].index == evidence[0][first].index
            ):
                if evidence[0][after].kind == STRONG:
                    all_weak = False
                after += 1
            if all_weak:
                needed.push_back(evidence[0][first])
                themes.insert(evidence[0][first].index)
            first = after
        if needed.empty():
            return
        added = False
        for piece in contexts[0]:
            if themes.count(piece.index) == 0:
                continue
            piece.sentence = _sentence_of(starts, piece.start)
            wanted = False
            for one in needed:
                if one.sentence == piece.sentence and one.index == piece.index:
                    wanted = True
                    break
            if not wanted or self._in_name(doc, piece.start, piece.end, annotated):
                continue
            if _vetoed(piece, vetoes):
                continue
            evidence.push_back(piece)
            added = True
        if added:
            std_sort(evidence.begin(), evidence.end(), piece_order)


cdef inline bint _better(object score, object level, tuple previous, str proposed):
    """(level is proposed, score) above the previous best's."""
    cdef bint is_proposed = level == proposed
    cdef bint was_proposed = previous[1] == proposed
    if is_proposed != was_proposed:
        return is_proposed
    return PyFloat_AS_DOUBLE(score) > PyFloat_AS_DOUBLE(previous[0])


cdef bint _annotated(Doc doc):
    """Whether the doc has sentence boundaries (as ``Doc.has_annotation("SENT_START")``)."""
    if doc.length <= 1 or "sents" in doc.user_hooks:
        return True
    for i in range(1, doc.length):
        if doc.c[i].sent_start != 0:
            return True
    return False


cdef void _sentence_starts(Doc doc, bint annotated, vector[int]* starts):
    """Token indices where sentences start (the whole doc is one sentence without sentence boundaries)."""
    starts.push_back(0)
    if not annotated:
        return
    for i in range(1, doc.length):
        if doc.c[i].sent_start == 1:
            starts.push_back(i)


cdef inline int _sentence_of(vector[int]* starts, int token) noexcept nogil:
    """The number of the sentence a token is in (``bisect_right(starts, token) - 1``)."""
    cdef int low = 0, high = starts.size(), middle
    while low < high:
        middle = (low + high) // 2
        if token < starts[0][middle]:
            high = middle
        else:
            low = middle + 1
    return low - 1


cdef inline bint _vetoed(Piece piece, vector[Piece]* vetoes) noexcept nogil:
    """True if an exclusion of the piece's theme overlaps it."""
    for veto in vetoes[0]:
        if veto.index == piece.index and piece.start < veto.end and veto.start < piece.end:
            return True
    return False


cdef void _drop_vetoed(vector[Piece]* pieces, vector[Piece]* vetoes) noexcept nogil:
    """Drop the pieces an exclusion of their theme overlaps."""
    cdef vector[Piece] kept
    for piece in pieces[0]:
        if not _vetoed(piece, vetoes):
            kept.push_back(piece)
    pieces.swap(kept)


cdef void _drop_inside(vector[Piece]* pieces, vector[Piece]* lists) noexcept nogil:
    """Drop the pieces that lie within one of the lists of people."""
    cdef vector[Piece] kept
    cdef bint inside
    for piece in pieces[0]:
        inside = False
        for one in lists[0]:
            if one.start <= piece.start and piece.end <= one.end:
                inside = True
                break
        if not inside:
            kept.push_back(piece)
    pieces.swap(kept)


cdef bint _same_norms(const TokenC* c, Piece a, Piece b) noexcept nogil:
    """Whether two token ranges have the same NORMs (a repeated phrase)."""
    cdef int i
    if a.end - a.start != b.end - b.start:
        return False
    for i in range(a.end - a.start):
        if norm_of(&c[a.start + i]) != norm_of(&c[b.start + i]):
            return False
    return True


cdef tuple _distinct(const TokenC* c, vector[Piece]& evidence, size_t first, size_t after):
    """How many different strong, weak and context pieces of evidence one sentence's matches of one theme are:
    overlapping matches count once (as the strongest of them), and a repeated phrase counts once."""
    cdef vector[Piece] sorted_pieces, kept
    cdef int counts[3]
    cdef bint seen
    for n in range(first, after):
        sorted_pieces.push_back(evidence[n])
    std_sort(sorted_pieces.begin(), sorted_pieces.end(), overlap_order)
    for piece in sorted_pieces:
        if kept.size() and piece.start < kept.back().end:
            if piece.end > kept.back().end:
                kept.back().end = piece.end
            if piece.kind < kept.back().kind:
                kept.back().kind = piece.kind
            continue
        kept.push_back(piece)
    counts[0] = counts[1] = counts[2] = 0
    for n in range(kept.size()):
        seen = False
        for m in range(n):
            if kept[m].kind == kept[n].kind and _same_norms(c, kept[m], kept[n]):
                seen = True
                break
        if not seen:
            counts[kept[n].kind] += 1
    return counts[0], counts[1], counts[2]
